"""Per-frame uncertainty from detections; the optional Ultralytics adapter where installed."""

from __future__ import annotations

import importlib.util
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.models.detection import (
    Detections,
    Detector,
    box_iou,
    count_weighted_entropy,
    flip_boxes,
    flip_inconsistency,
    frame_scores,
    least_confident_box,
    mean_box_entropy,
)

FRAMES = Path(str(files("alwild") / "data" / "insulators" / "frames"))


def _dets(boxes, scores, proba) -> Detections:
    return Detections(np.asarray(boxes, float), np.asarray(scores, float), np.asarray(proba, float))


EMPTY = _dets(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 2)))


def _boxes(n):
    corners = arrays(np.float64, (n, 2, 2), elements=st.floats(0, 100))
    return corners.map(lambda c: np.column_stack([c.min(axis=1), c.max(axis=1) + 1.0]))


@settings(max_examples=50, deadline=None)
@given(_boxes(4), _boxes(3))
def test_iou_matches_a_scalar_reference(a, b):
    def ref(p, q):
        w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h
        return w * h / union

    expected = np.array([[ref(p, q) for q in b] for p in a])
    np.testing.assert_allclose(box_iou(a, b), expected, atol=1e-12)
    np.testing.assert_allclose(flip_boxes(flip_boxes(a, 120.0), 120.0), a, atol=1e-9)


def test_aggregations_by_hand():
    d = _dets([[0, 0, 10, 10], [20, 20, 30, 30]], [0.9, 0.5], [[0.9, 0.1], [0.5, 0.5]])
    h = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    assert least_confident_box(d) == pytest.approx(1 - 0.25)
    assert mean_box_entropy(d) == pytest.approx((h + np.log(2)) / 2)
    assert count_weighted_entropy(d) == pytest.approx(h + np.log(2))
    assert frame_scores([d, EMPTY], "mean_box_entropy").tolist() == pytest.approx(
        [(h + np.log(2)) / 2, 0.0])
    with pytest.raises(ValueError, match="unknown aggregation"):
        frame_scores([d], "max")


def test_flip_consistency():
    d = _dets([[10, 0, 30, 20], [50, 5, 60, 15]], [0.9, 0.8], [[1, 0], [0, 1]])
    mirrored = _dets(flip_boxes(d.boxes[::-1], 100), [0.8, 0.9], [[0, 1], [1, 0]])
    assert flip_inconsistency(d, mirrored, 100) == pytest.approx(0.0)
    wrong_class = _dets(mirrored.boxes, mirrored.scores, mirrored.class_proba[:, ::-1])
    assert flip_inconsistency(d, wrong_class, 100) == pytest.approx(1.0)
    one_missing = _dets(mirrored.boxes[:1], [0.8], [[0, 1]])
    assert flip_inconsistency(d, one_missing, 100) == pytest.approx(0.5)
    assert flip_inconsistency(EMPTY, EMPTY, 100) == 0.0


def test_detections_reject_mismatched_shapes():
    with pytest.raises(ValueError, match=r"boxes \(k, 4\)"):
        Detections(np.zeros((2, 4)), np.zeros(3), np.zeros((2, 2)))


def test_missing_ultralytics_is_a_clear_error():
    if importlib.util.find_spec("ultralytics") is not None:
        pytest.skip("ultralytics is installed here; the adapter test below runs instead")
    from alwild.models.yolo import UltralyticsDetector

    with pytest.raises(ImportError, match=r"alwild\[yolo\]"):
        UltralyticsDetector("yolov8n.yaml")


def test_ultralytics_adapter_on_shipped_frames():
    pytest.importorskip("torchvision", reason="ultralytics needs torchvision, not installed here")
    pytest.importorskip("ultralytics", reason="the optional extra alwild[yolo] is not installed")
    from PIL import Image

    from alwild.models.detection import flip_scores
    from alwild.models.yolo import UltralyticsDetector

    detector = UltralyticsDetector("yolov8n.yaml", conf=0.0)  # untrained config: no download
    assert isinstance(detector, Detector)
    images = [np.asarray(Image.open(p).convert("RGB"))
              for p in sorted((FRAMES / "images").glob("*.jpg"))[:3]]
    dets = detector.detect(images)
    assert len(dets) == 3
    for d, im in zip(dets, images, strict=True):
        assert np.all(d.boxes[:, 2] <= im.shape[1] + 1) and np.all(d.scores <= 1)
        np.testing.assert_allclose(d.class_proba.sum(axis=1), 1.0)
    assert np.all(np.isfinite(flip_scores(detector, images)))
