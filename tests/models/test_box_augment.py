"""Zoomed views: the boxes stay on the pixels they label, and a view is a fixed function."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.models.box_augment import zoom_view

SIZE = 96
COLOUR = np.array([250, 20, 20])


@st.composite
def _frame(draw):
    """A grey frame with one red rectangle of at least 8 px and its box."""
    w, h = draw(st.integers(8, 60)), draw(st.integers(8, 60))
    x0, y0 = draw(st.integers(0, SIZE - w)), draw(st.integers(0, SIZE - h))
    image = np.full((SIZE, SIZE, 3), 128, np.uint8)
    image[y0:y0 + h, x0:x0 + w] = COLOUR
    return image, np.array([[x0, y0, x0 + w, y0 + h]], float)


@settings(max_examples=60, deadline=None)
@given(_frame(), st.sampled_from([0.5, 0.6, 0.8]), st.integers(0, 3))
def test_a_kept_box_encloses_exactly_the_pixels_it_labels(frame, scale, view):
    image, boxes = frame
    pixels, moved, keep = zoom_view(image, boxes, scale, view)
    assert pixels.shape == image.shape and pixels.dtype == np.uint8
    assert keep.shape == (1,) and len(moved) == int(keep.sum())
    red = (np.abs(pixels.astype(int) - COLOUR).sum(axis=2) < 60)
    if not keep[0]:
        return
    ys, xs = np.nonzero(red)
    x0, y0, x1, y1 = moved[0]
    assert 0 <= x0 < x1 <= SIZE and 0 <= y0 < y1 <= SIZE
    # bilinear resizing blurs the edge by about one source pixel, 1 / scale view pixels
    tol = 1.5 / scale
    assert xs.min() >= x0 - tol and xs.max() + 1 <= x1 + tol
    assert ys.min() >= y0 - tol and ys.max() + 1 <= y1 + tol
    assert xs.min() <= x0 + tol and xs.max() + 1 >= x1 - tol
    assert ys.min() <= y0 + tol and ys.max() + 1 >= y1 - tol


@settings(max_examples=20, deadline=None)
@given(_frame())
def test_a_view_depends_only_on_the_pixels_boxes_and_view_index(frame):
    image, boxes = frame
    a = zoom_view(image, boxes, 0.6, 0)
    b = zoom_view(image.copy(), boxes.copy(), 0.6, 0)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_views_of_one_frame_are_different_crops():
    image = (np.add.outer(np.arange(SIZE), 3 * np.arange(SIZE)) % 256).astype(np.uint8)
    image = np.repeat(image[:, :, None], 3, axis=2)
    boxes = np.array([[40, 40, 56, 56.0]])
    views = [zoom_view(image, boxes, 0.6, k) for k in range(6)]
    assert len({v[0].tobytes() for v in views}) > 1
    assert len({v[1].tobytes() for v in views}) > 1


def test_a_box_mostly_outside_the_crop_is_dropped():
    image = np.full((SIZE, SIZE, 3), 128, np.uint8)
    boxes = np.array([[40, 40, 56, 56], [0, 0, 4, 96.0]])  # the second: a thin left strip
    found = [zoom_view(image, boxes, 0.5, k) for k in range(8)]
    assert all(keep[0] for _, _, keep in found)  # the crop is centred near a box
    assert any(not keep[1] for _, _, keep in found)
    for _, moved, keep in found:
        assert len(moved) == keep.sum()
