"""The feature-map cache: keyed by pixel content, several arrays per entry, never half read."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.vision.cache import EmbeddingCache, FeatureMapCache, array_digest


@settings(max_examples=50, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(3))),
       st.integers(0, 2), st.integers(0, 5), st.integers(0, 5))
def test_one_changed_pixel_or_shape_changes_the_digest(pixels, c, y, x):
    y, x = y % pixels.shape[0], x % pixels.shape[1]
    changed = pixels.copy()
    changed[y, x, c] ^= 1
    assert array_digest(pixels) == array_digest(pixels.copy())
    assert array_digest(changed) != array_digest(pixels)
    assert array_digest(pixels.reshape(1, -1, 3)) != array_digest(pixels) or pixels.shape[0] == 1


def test_maps_round_trip_and_live_apart_from_embeddings(tmp_path):
    maps = {"s8": np.arange(12, dtype=np.float16).reshape(3, 2, 2),
            "s16": np.ones((5, 1, 1), np.float16)}
    cache = FeatureMapCache(tmp_path, "pyramid")
    digest = "ab" * 32
    cache.put_maps(digest, maps)
    got = cache.get_maps(digest)
    assert set(got) == {"s8", "s16"}
    for name in maps:
        np.testing.assert_array_equal(got[name], maps[name])
        assert got[name].dtype == np.float16
    assert EmbeddingCache(tmp_path, "pyramid").get(digest) is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_an_unreadable_entry_is_a_miss(tmp_path):
    cache = FeatureMapCache(tmp_path, "pyramid")
    digest = "cd" * 32
    cache.put_maps(digest, {"s8": np.zeros(2)})
    path = next(tmp_path.rglob("*.npz"))
    path.write_bytes(path.read_bytes()[:20])
    assert cache.get_maps(digest) is None
