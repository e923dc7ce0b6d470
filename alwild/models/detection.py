"""Detectors for active learning: per-frame detections and per-frame uncertainty.

A :class:`Detector` returns, for each image, its :class:`Detections` (boxes in pixels as
``x_min, y_min, x_max, y_max``, a confidence per box, and class probabilities per box).
The functions below turn one frame's detections into one number, higher = more worth
an expert's look, so frames can be ranked by any selector in ``alwild.select``.

>>> import numpy as np
>>> d = Detections(np.array([[0, 0, 10, 10.0]]), np.array([0.9]), np.array([[0.5, 0.5]]))
>>> float(least_confident_box(d)), round(float(mean_box_entropy(d)), 4)
(0.55, 0.6931)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from alwild.errors import UserValueError
from alwild.scores import entropy

__all__ = [
    "Detections",
    "Detector",
    "box_iou",
    "least_confident_box",
    "mean_box_entropy",
    "count_weighted_entropy",
    "flip_boxes",
    "flip_inconsistency",
    "frame_scores",
    "flip_scores",
    "AGGREGATIONS",
]


@dataclass(frozen=True)
class Detections:
    """One frame's detections: ``boxes`` (k, 4), ``scores`` (k,), ``class_proba`` (k, C)."""

    boxes: np.ndarray
    scores: np.ndarray
    class_proba: np.ndarray

    def __post_init__(self) -> None:
        k = self.boxes.shape[0]
        if self.boxes.shape != (k, 4) or self.scores.shape != (k,) or (
            self.class_proba.ndim != 2 or self.class_proba.shape[0] != k
        ):
            raise UserValueError(
                "Detections need boxes (k, 4), scores (k,) and class_proba (k, n_classes), got "
                f"{self.boxes.shape}, {self.scores.shape} and {self.class_proba.shape}"
            )

    def __len__(self) -> int:
        return int(self.boxes.shape[0])


@runtime_checkable
class Detector(Protocol):
    """Anything that detects objects in RGB images (uint8 arrays ``(H, W, 3)``)."""

    classes: Sequence[str]

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """One :class:`Detections` per image, in order."""
        ...


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union of boxes ``a`` (n, 4) and ``b`` (m, 4): (n, m).

    >>> box_iou(np.array([[0, 0, 2, 2.0]]), np.array([[1, 1, 3, 3.0]])).round(4)
    array([[0.1429]])
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def least_confident_box(d: Detections) -> float:
    """``1 - min_k score_k * max_c p_kc``: as uncertain as the weakest box (0 if empty)."""
    if len(d) == 0:
        return 0.0
    return float(1.0 - np.min(d.scores * d.class_proba.max(axis=1)))


def mean_box_entropy(d: Detections) -> float:
    """Mean class entropy over the frame's boxes (0 if empty)."""
    return float(entropy(d.class_proba).mean()) if len(d) else 0.0


def count_weighted_entropy(d: Detections) -> float:
    """Sum of the boxes' class entropies: many uncertain boxes outrank one (0 if empty)."""
    return float(entropy(d.class_proba).sum()) if len(d) else 0.0


def flip_boxes(boxes: np.ndarray, width: float) -> np.ndarray:
    """Boxes mirrored left-right in an image ``width`` pixels wide (an involution)."""
    boxes = np.asarray(boxes, dtype=float)
    return np.column_stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]])


def flip_inconsistency(d: Detections, d_flipped: Detections, width: float) -> float:
    """How much the detections on the mirrored frame disagree with the originals.

    The mirrored frame's boxes are mapped back, then matched one-to-one greedily by IoU
    (same predicted class only). Returns ``1 - sum(matched IoU) / max(k, k_flipped)``: 0
    when the two agree exactly, 1 when nothing matches; 0 when both are empty.
    """
    k, kf = len(d), len(d_flipped)
    if k == 0 and kf == 0:
        return 0.0
    if k == 0 or kf == 0:
        return 1.0
    iou = box_iou(d.boxes, flip_boxes(d_flipped.boxes, width))
    same = d.class_proba.argmax(axis=1)[:, None] == d_flipped.class_proba.argmax(axis=1)[None]
    iou = np.where(same, iou, 0.0)
    total = 0.0
    for _ in range(min(k, kf)):
        i, j = np.unravel_index(np.argmax(iou), iou.shape)
        if iou[i, j] <= 0:
            break
        total += iou[i, j]
        iou[i, :] = 0.0
        iou[:, j] = 0.0
    return float(1.0 - total / max(k, kf))


AGGREGATIONS: dict[str, Callable[[Detections], float]] = {
    "least_confident_box": least_confident_box,
    "mean_box_entropy": mean_box_entropy,
    "count_weighted_entropy": count_weighted_entropy,
}


def frame_scores(detections: Sequence[Detections], how: str = "least_confident_box") -> np.ndarray:
    """One uncertainty per frame with the aggregation ``how`` (see ``AGGREGATIONS``)."""
    if how not in AGGREGATIONS:
        raise UserValueError(f"unknown aggregation {how!r}; choose one of {sorted(AGGREGATIONS)}")
    fn = AGGREGATIONS[how]
    return np.array([fn(d) for d in detections], dtype=float)


def flip_scores(detector: Detector, images: Sequence[np.ndarray]) -> np.ndarray:
    """Per-frame :func:`flip_inconsistency` of ``detector`` on the images and their mirrors."""
    plain = detector.detect(images)
    mirrored = detector.detect([np.ascontiguousarray(im[:, ::-1]) for im in images])
    return np.array([flip_inconsistency(a, b, im.shape[1])
                     for a, b, im in zip(plain, mirrored, images, strict=True)])
