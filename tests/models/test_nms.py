"""Plain-torch NMS against an independent brute-force greedy NMS in numpy."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.models.detection import box_iou
from alwild.models.nms import batched_nms, nms


def _reference_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Greedy NMS the slow way: repeatedly take the best remaining box, drop its overlaps."""
    remaining = list(range(len(scores)))
    kept = []
    while remaining:
        best = max(remaining, key=lambda i: (scores[i], -i))
        kept.append(best)
        remaining = [i for i in remaining if i != best
                     and box_iou(boxes[[best]], boxes[[i]])[0, 0] <= threshold]
    return kept


def _boxes(n):
    corners = arrays(np.float64, (n, 2, 2), elements=st.floats(0, 50, allow_nan=False))
    return corners.map(lambda c: np.column_stack([c.min(axis=1), c.max(axis=1) + 0.5]))


@st.composite
def _problem(draw):
    n = draw(st.integers(0, 25))
    boxes = draw(_boxes(n))
    # scores on a coarse grid so that ties happen and their order is checked too
    scores = draw(arrays(np.float64, (n,), elements=st.integers(0, 10).map(lambda v: v / 10)))
    classes = draw(arrays(np.int64, (n,), elements=st.integers(0, 2)))
    return boxes, scores, classes, draw(st.sampled_from([0.0, 0.3, 0.5, 0.7]))


@settings(max_examples=200, deadline=None)
@given(_problem())
def test_nms_matches_a_brute_force_greedy_nms(problem):
    boxes, scores, _, threshold = problem
    got = nms(torch.as_tensor(boxes), torch.as_tensor(scores), threshold).tolist()
    assert got == _reference_nms(boxes, scores, threshold)


@settings(max_examples=100, deadline=None)
@given(_problem())
def test_batched_nms_is_nms_within_each_class(problem):
    boxes, scores, classes, threshold = problem
    got = batched_nms(torch.as_tensor(boxes), torch.as_tensor(scores),
                      torch.as_tensor(classes), threshold).tolist()
    expected = []
    for c in np.unique(classes):
        idx = np.flatnonzero(classes == c)
        expected.extend(idx[_reference_nms(boxes[idx], scores[idx], threshold)].tolist())
    assert sorted(got) == sorted(expected)
    assert [scores[i] for i in got] == sorted((scores[i] for i in got), reverse=True)


def test_a_box_that_overlaps_only_a_suppressed_box_survives():
    boxes = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 14], [0, 5, 10, 19.0]])
    # box 1 is suppressed by box 0; box 2 overlaps box 1 (IoU 0.6) but box 0 only 0.26
    assert nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist() == [0, 2]
