"""Which frames an inspector should look at next: scores from a detector's boxes.

Each score is one number per frame, higher = more worth an expert's look:

- ``least_anomaly_probability`` (the reference study's rule): among the boxes detected as
  the anomaly class (confidence at least ``CONFIDENT``), the lowest confidence, as
  ``1 - p``; a frame with no detected anomaly scores 0.
- ``mean_box_entropy`` / ``max_box_entropy``: the entropy of each box's
  object-or-background distribution (``score * class_proba`` and ``1 - score``), its
  mean or its maximum over the frame.
- ``mc_disagreement``: MC-dropout draws of the detections matched to the frame's boxes;
  class disagreement (mutual information of the matched boxes' distributions) plus
  localisation disagreement (``1 -`` mean IoU of the matches), the frame's maximum.
- ``no_confident_detection``: ``1 -`` the frame's highest box confidence.
- ``diverse_max_entropy``: the top ``10 k`` frames by ``max_box_entropy``, then ``k``
  spread out over the backbone embeddings (k-center from the labelled frames).

Box-level scores are multiplied by the box's expected class weight ``class_proba @ w``
where ``w`` is :func:`rare_class_weights` of the labelled boxes: a rare class (the
defects) counts more, so its uncertain boxes are sought first.

>>> import numpy as np
>>> from alwild.models.detection import Detections
>>> d = Detections(np.array([[0, 0, 9, 9.0]]), np.array([0.5]), np.array([[0.2, 0.8]]))
>>> round(float(least_anomaly_probability([d], 1)[0]), 2)
0.6
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from alwild.errors import UserValueError
from alwild.models.detection import Detections, box_iou
from alwild.scores import entropy
from alwild.select import candidate_count, diverse_subset, top_k

__all__ = [
    "CONFIDENT",
    "rare_class_weights",
    "least_anomaly_probability",
    "box_entropy",
    "no_confident_detection",
    "mc_disagreement",
    "DETECTION_STRATEGIES",
    "select_frames",
]

#: A box at least this confident counts as detected (Ultralytics' default ``conf``).
CONFIDENT = 0.25


def rare_class_weights(box_counts: Sequence[int]) -> np.ndarray:
    """Weights ``min(n) / n_c`` per class (1 for the rarest; an unseen class counts once).

    >>> rare_class_weights([90, 10]).tolist()
    [0.1111111111111111, 1.0]
    """
    counts = np.maximum(np.asarray(box_counts, dtype=float), 1.0)
    return counts.min() / counts


def _with_background(d: Detections) -> np.ndarray:
    return np.column_stack([d.scores[:, None] * d.class_proba, 1.0 - d.scores])


def _box_weights(d: Detections, weights: np.ndarray | None) -> np.ndarray:
    return np.ones(len(d)) if weights is None else d.class_proba @ weights


def least_anomaly_probability(detections: Sequence[Detections], anomaly: int) -> np.ndarray:
    """``1 -`` the lowest confidence of a detected anomaly box; 0 with none detected."""
    out = np.zeros(len(detections))
    for i, d in enumerate(detections):
        if len(d):
            p = d.scores * d.class_proba[:, anomaly]
            found = (d.class_proba.argmax(axis=1) == anomaly) & (p >= CONFIDENT)
            if found.any():
                out[i] = 1.0 - p[found].min()
    return out


def box_entropy(detections: Sequence[Detections], how: str = "max",
                weights: np.ndarray | None = None) -> np.ndarray:
    """Mean or max (``how``) over the boxes of their weighted object-or-background entropy."""
    if how not in ("mean", "max"):
        raise UserValueError(f"how must be 'mean' or 'max', got {how!r}")
    reduce = np.mean if how == "mean" else np.max
    return np.array([float(reduce(entropy(_with_background(d)) * _box_weights(d, weights)))
                     if len(d) else 0.0 for d in detections])


def no_confident_detection(detections: Sequence[Detections]) -> np.ndarray:
    """``1 -`` the highest box confidence of each frame (1 for a frame with no box)."""
    return np.array([1.0 - float(d.scores.max()) if len(d) else 1.0 for d in detections])


def _matched(ref: Detections, draw: Detections) -> tuple[np.ndarray, np.ndarray]:
    """For each reference box: the IoU of its best match in ``draw`` and that match's
    object-or-background distribution (background when nothing overlaps)."""
    n_classes = ref.class_proba.shape[1]
    empty = np.zeros(n_classes + 1)
    empty[-1] = 1.0
    if len(draw) == 0:
        return np.zeros(len(ref)), np.tile(empty, (len(ref), 1))
    iou = box_iou(ref.boxes, draw.boxes)
    best = iou.argmax(axis=1)
    overlap = iou[np.arange(len(ref)), best]
    dist = _with_background(draw)[best]
    dist[overlap <= 0] = empty
    return overlap, dist


def mc_disagreement(reference: Sequence[Detections], draws: Sequence[Sequence[Detections]],
                    weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the max over its boxes of class and of localisation disagreement.

    ``draws[i]`` are the MC draws of frame ``i`` (see ``BoxDetector.detect_samples``).
    Class: the mutual information between the draws' matched distributions (BALD on the
    box); localisation: ``1 -`` the mean IoU of the matches. Both are weighted by class.
    """
    cls, loc = np.zeros(len(reference)), np.zeros(len(reference))
    for i, (ref, samples) in enumerate(zip(reference, draws, strict=True)):
        if len(ref) == 0:
            continue
        matched = [_matched(ref, s) for s in samples]
        ious = np.stack([m[0] for m in matched])          # (T, k)
        dists = np.stack([m[1] for m in matched])         # (T, k, C + 1)
        mutual = entropy(dists.mean(axis=0)) - np.mean([entropy(p) for p in dists], axis=0)
        w = _box_weights(ref, weights)
        cls[i] = float(np.max(np.clip(mutual, 0.0, None) * w))
        loc[i] = float(np.max((1.0 - ious.mean(axis=0)) * w))
    return cls, loc


def _anomaly(detector, images, ctx):
    return least_anomaly_probability(detector.detect(images), ctx["anomaly"])


def _entropy(how):
    def score(detector, images, ctx):
        return box_entropy(detector.detect(images), how, ctx.get("weights"))
    return score


def _no_confident(detector, images, ctx):
    return no_confident_detection(detector.detect(images))


def _disagreement(detector, images, ctx):
    cls, loc = mc_disagreement(detector.detect(images),
                               detector.detect_samples(images, ctx.get("n_samples", 8)),
                               ctx.get("weights"))
    return cls + loc


ScoreFn = Callable[[object, Sequence, dict], np.ndarray]

#: Name -> frame score of a detector on images; ``random`` and the diverse variant are
#: handled by :func:`select_frames`.
DETECTION_STRATEGIES: dict[str, ScoreFn | None] = {
    "random": None,
    "least_anomaly_probability": _anomaly,
    "mean_box_entropy": _entropy("mean"),
    "max_box_entropy": _entropy("max"),
    "mc_disagreement": _disagreement,
    "no_confident_detection": _no_confident,
    "diverse_max_entropy": _entropy("max"),
}


def select_frames(name: str, detector, images: Sequence, k: int, *, anomaly: int = -1,
                  weights: np.ndarray | None = None, labelled_vectors: np.ndarray | None = None,
                  n_samples: int = 8, random_state: int | None = None) -> np.ndarray:
    """Positions (into ``images``) of the ``k`` frames strategy ``name`` asks about, best
    first. ``anomaly`` is the anomaly class's index (default: the last class)."""
    if name not in DETECTION_STRATEGIES:
        raise UserValueError(f"unknown detection strategy {name!r}; choose one of "
                             f"{sorted(DETECTION_STRATEGIES)}")
    k = min(k, len(images))
    rng = np.random.default_rng(random_state)
    if name == "random":
        return rng.choice(len(images), k, replace=False)
    ctx = {"anomaly": anomaly % len(detector.classes), "weights": weights,
           "n_samples": n_samples}
    scores = DETECTION_STRATEGIES[name](detector, images, ctx)
    if name != "diverse_max_entropy":
        return top_k(scores, k, random_state=rng)
    order = top_k(scores, candidate_count(k, len(images)), random_state=rng)
    vectors = detector.embed([images[i] for i in order])
    local = diverse_subset(scores[order], vectors, k, "k_center", labelled_vectors, rng)
    return order[local]
