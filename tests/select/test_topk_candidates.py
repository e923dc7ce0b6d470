"""The per-partition top-k and its merge equal the in-memory top_k, whatever the split."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.select import (
    best_first,
    merge_candidates,
    partition_candidates,
    subsample_mask,
    tie_keys,
    tie_seed,
    top_k,
)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 4), min_size=1, max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=6),
    k_frac=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
    fan_in=st.integers(2, 4),
)
def test_tree_merge_of_any_split_equals_top_k(values, cuts, k_frac, seed, fan_in):
    scores = np.array(values, dtype=float)  # few distinct values: ties decide most picks
    n = scores.size
    k = 1 + int(k_frac * (n - 1))
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    tie = tie_seed(seed)
    level = [
        partition_candidates(scores[a:b], np.arange(a, b), tie, k)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    while len(level) > 1:
        level = [merge_candidates(level[i : i + fan_in], k) for i in range(0, len(level), fan_in)]
    expected = top_k(scores, k, np.random.default_rng(seed), block_size=7)
    assert level[0].index.tolist() == expected.tolist()
    assert level[0].n_scored == n


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 4), min_size=1, max_size=300),
    k_frac=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
    block=st.integers(1, 64),
)
def test_top_k_equals_a_full_sort_by_score_then_key_then_index(values, k_frac, seed, block):
    scores = np.array(values, dtype=float)
    n = scores.size
    k = 1 + int(k_frac * (n - 1))
    keys = tie_keys(tie_seed(np.random.default_rng(seed)), np.arange(n))
    expected = np.lexsort((np.arange(n), -keys, -scores))[:k]  # no blocks, no partition
    assert top_k(scores, k, np.random.default_rng(seed), block_size=block).tolist() == (
        expected.tolist())


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(0, 4), min_size=1, max_size=100),
       offset=st.integers(0, 10**9), seed=st.integers(0, 2**32), k=st.integers(1, 100))
def test_a_start_offset_is_the_same_as_consecutive_indices(values, offset, seed, k):
    scores = np.array(values, dtype=float)
    k = min(k, scores.size)
    a = partition_candidates(scores, offset, seed, k)
    b = partition_candidates(scores, np.arange(offset, offset + scores.size), seed, k)
    assert a.index.tolist() == b.index.tolist() and np.array_equal(a.key, b.key)
    assert a.n_scored == b.n_scored == scores.size


def test_top_k_does_not_depend_on_block_size():
    scores = np.random.default_rng(0).integers(0, 3, 5000).astype(float)
    a = top_k(scores, 300, 11, block_size=64)
    b = top_k(scores, 300, 11)
    assert a.tolist() == b.tolist()


def test_tied_rows_are_chosen_uniformly():
    counts = np.zeros(8)
    for seed in range(4000):
        counts[top_k(np.zeros(8), 2, seed)] += 1
    share = counts / counts.sum()
    assert np.abs(share - 1 / 8).max() < 0.02


def test_best_first_orders_by_score_then_key_then_index():
    order = best_first(np.array([1.0, 1.0, 2.0, 1.0]), np.array([0.3, 0.3, 0.0, 0.9]),
                       np.array([5, 4, 9, 7]), 4)
    assert order.tolist() == [2, 3, 1, 0]


def test_subsample_mask_keeps_the_share_and_ignores_the_split():
    index = np.arange(200_000)
    mask = subsample_mask(5, index, 0.1)
    assert abs(mask.mean() - 0.1) < 0.005
    assert np.array_equal(mask[1234:5678], subsample_mask(5, index[1234:5678], 0.1))
    assert not np.array_equal(mask, subsample_mask(6, index, 0.1))


def test_tie_keys_are_uniform():
    keys = tie_keys(3, np.arange(100_000))
    hist = np.histogram(keys, bins=10, range=(0, 1))[0]
    assert hist.min() > 9_500 and hist.max() < 10_500


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=60), st.data(),
       st.integers(1, 16))
def test_without_random_tie_break_the_lowest_index_wins(values, data, block_size):
    scores = np.array(values, dtype=float)
    k = data.draw(st.integers(1, scores.size))
    expected = np.lexsort((np.arange(scores.size), -scores))[:k]  # value desc, index asc
    got = top_k(scores, k, random_tie_break=False, block_size=block_size)
    np.testing.assert_array_equal(got, expected)
