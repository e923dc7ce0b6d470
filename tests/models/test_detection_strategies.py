"""Frame scores from detections: properties and hand-checked cases; frame selection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.errors import UserValueError
from alwild.models.detection import Detections
from alwild.models.detection_strategies import (
    DETECTION_STRATEGIES,
    box_entropy,
    least_anomaly_probability,
    mc_disagreement,
    no_confident_detection,
    rare_class_weights,
    select_frames,
)


def _det(boxes, scores, proba) -> Detections:
    return Detections(np.asarray(boxes, float).reshape(-1, 4), np.asarray(scores, float),
                      np.asarray(proba, float).reshape(-1, 2))


EMPTY = _det(np.zeros((0, 4)), [], np.zeros((0, 2)))


@st.composite
def _detections(draw):
    k = draw(st.integers(0, 6))
    corners = draw(arrays(np.float64, (k, 2, 2), elements=st.floats(0, 50)))
    boxes = np.column_stack([corners.min(axis=1), corners.max(axis=1) + 1.0])
    scores = draw(arrays(np.float64, (k,), elements=st.floats(0.01, 1.0)))
    p = draw(arrays(np.float64, (k,), elements=st.floats(0.0, 1.0)))
    return _det(boxes, scores, np.column_stack([1 - p, p]))


@given(arrays(np.int64, st.integers(1, 5), elements=st.integers(0, 1000)))
def test_rare_class_weights_give_the_rarest_class_one_and_order_by_rarity(counts):
    w = rare_class_weights(counts)
    assert w.max() == pytest.approx(1.0) and (w > 0).all()
    order = np.argsort(counts, kind="stable")
    assert (np.diff(w[order]) <= 1e-12).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(_detections(), min_size=1, max_size=5))
def test_scores_are_bounded_and_max_entropy_bounds_the_mean(dets):
    mean, top = box_entropy(dets, "mean"), box_entropy(dets, "max")
    assert (top >= mean - 1e-12).all() and (mean >= 0).all() and (top <= np.log(3) + 1e-9).all()
    for scores in (least_anomaly_probability(dets, 1), no_confident_detection(dets)):
        assert ((scores >= 0) & (scores <= 1)).all()
    cls, loc = mc_disagreement(dets, [[d, d, d] for d in dets])
    np.testing.assert_allclose(cls, 0.0, atol=1e-9)   # identical draws never disagree
    np.testing.assert_allclose(loc, 0.0, atol=1e-9)


def test_the_least_sure_anomaly_box_ranks_its_frame_first():
    sure = _det([[0, 0, 5, 5]], [0.95], [[0.05, 0.95]])
    unsure = _det([[0, 0, 5, 5]], [0.4], [[0.1, 0.9]])
    normal = _det([[0, 0, 5, 5]], [0.9], [[0.9, 0.1]])
    scores = least_anomaly_probability([sure, unsure, normal, EMPTY], anomaly=1)
    assert scores[1] > scores[0] > 0 and scores[2] == 0 and scores[3] == 0
    assert scores[1] == pytest.approx(1 - 0.4 * 0.9)


def test_class_weights_seek_the_rare_class():
    insulator = _det([[0, 0, 5, 5]], [0.5], [[1.0, 0.0]])
    defect = _det([[0, 0, 5, 5]], [0.5], [[0.0, 1.0]])
    plain = box_entropy([insulator, defect], "max")
    weighted = box_entropy([insulator, defect], "max", rare_class_weights([90, 10]))
    assert plain[0] == pytest.approx(plain[1])
    assert weighted[1] > weighted[0] and weighted[1] == pytest.approx(plain[1])


def test_a_box_the_draws_miss_or_move_disagrees():
    ref = _det([[0, 0, 10, 10]], [0.9], [[0.2, 0.8]])
    moved = _det([[5, 0, 15, 10]], [0.9], [[0.2, 0.8]])
    flipped = _det([[0, 0, 10, 10]], [0.9], [[0.8, 0.2]])
    cls, loc = mc_disagreement([ref, ref, ref], [[EMPTY, EMPTY], [moved, moved],
                                                 [ref, flipped]])
    assert loc[0] == pytest.approx(1.0) and loc[1] == pytest.approx(1 - 1 / 3)
    assert loc[2] == pytest.approx(0.0) and cls[2] > 0.1 and cls[1] == pytest.approx(0.0)


class _Fixed:
    """A detector whose detections are given: frame i has one box of confidence c_i."""

    classes = ["insulator", "defect"]

    def __init__(self, confidence, vectors):
        self.confidence, self.vectors = np.asarray(confidence), np.asarray(vectors, float)

    def _one(self, i):
        return _det([[0, 0, 5, 5]], [self.confidence[i]], [[0.3, 0.7]])

    def detect(self, images):
        return [self._one(i) for i in images]

    def detect_samples(self, images, n):
        return [[self._one(i)] * n for i in images]

    def embed(self, images):
        return self.vectors[list(images)]


@pytest.mark.parametrize("name", sorted(DETECTION_STRATEGIES))
def test_every_strategy_picks_k_distinct_frames(name):
    det = _Fixed(np.linspace(0.3, 0.99, 12), np.arange(12.0)[:, None])
    picks = select_frames(name, det, list(range(12)), 4, random_state=0)
    assert len(picks) == 4 and len(set(picks.tolist())) == 4
    assert ((picks >= 0) & (picks < 12)).all()


def test_the_diverse_variant_spreads_over_the_embeddings():
    # the 8 most uncertain frames sit at two points; a top-k pick takes 3 near-twins
    vectors = np.array([[0.0]] * 4 + [[10.0]] * 4 + [[5.0]] * 4)
    det = _Fixed([0.3] * 8 + [0.99] * 4, vectors)
    picks = select_frames("diverse_max_entropy", det, list(range(12)), 2, random_state=0,
                          labelled_vectors=np.array([[0.0]]))
    assert sorted(vectors[picks, 0].tolist()) in ([5.0, 10.0], [0.0, 10.0])
    assert 10.0 in vectors[picks, 0]


def test_an_unknown_strategy_names_the_known_ones():
    with pytest.raises(UserValueError, match="max_box_entropy"):
        select_frames("entropy", _Fixed([0.5], [[0.0]]), [0], 1)
