"""The model of each kind of project: what it sees, how it is built, how it is judged.

- **Table rows**: the column-typed pipeline of :mod:`~alwild.app.services.features` (a
  warm-started logistic regression).
- **Images**: the shipped EfficientNet-Lite0 backbone's 1280-d embeddings, cached by file
  content under the workspace (``cache/embeddings``, so a retrain embeds only new images),
  and a small MLP head with MC dropout (:class:`~alwild.models.TorchClassifier`): its
  ``predict_proba_samples`` feeds the Bayesian strategies (``bald``, ``batchbald``, ...), its
  loss is class-weighted (``class_weight="balanced"``) so a rare class is not drowned out,
  and a refit warm-starts from the last weights.

Why a torch head rather than a calibrated scikit-learn model: an ensemble of logistic
regressions gives identical members (lbfgs ignores the seed) unless each is fitted on a
bootstrap resample, which drops a rare class of a handful of labels; MC dropout gives the
disagreement at the cost of one small network (a fit on the demo's labels takes about 0.2 s).

The held-out figures (:func:`holdout_metrics`) put balanced accuracy beside what always
answering the majority class scores, so a model that learned nothing shows as such.
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from alwild.app.services.features import make_estimator, records_frame
from alwild.app.services.suggestions import Suggestion
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["embedding_dir", "image_embeddings", "make_model", "embedding_head",
           "holdout_metrics", "model_inputs", "class_suggestions", "xyxy_boxes",
           "box_suggestions", "frame_utility", "frame_guess", "detector_bytes",
           "detector_from_bytes",
           "feature_map_dir", "DetectorRound", "train_detector", "HEAD_EPOCHS", "WARM_EPOCHS"]

HEAD_EPOCHS = 60
WARM_EPOCHS = 20


def embedding_dir(ws: Workspace) -> Path:
    """Where the workspace keeps its image embeddings (one file per image content)."""
    return ws.root / "cache" / "embeddings"


def image_embeddings(ws: Workspace, media_paths: Sequence[str]) -> np.ndarray:
    """Backbone embeddings ``(n, 1280)`` of the workspace's media files, cached by content.

    >>> image_embeddings(ws, ["ab/abcd.jpg"]).shape      # doctest: +SKIP
    (1, 1280)
    """
    from alwild.models.backbone import EfficientNetLite0

    files = [ws.media_root / p for p in media_paths]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UserValueError(f"{len(missing)} image file(s) of the project are missing from the "
                             f"workspace's media folder (first: {missing[0]}): restore them "
                             "from a backup or ingest the images again")
    if not files:
        return np.zeros((0, EfficientNetLite0.dim), np.float32)
    embedded = EfficientNetLite0().embed_files(files, cache_dir=embedding_dir(ws))
    if not embedded.ok.all():
        name, why = embedded.skipped[0]
        raise UserValueError(f"image {name} cannot be read ({why}): replace the file")
    return embedded.embeddings


def embedding_head(dim: int, n_classes: int):
    """The network on embeddings: layer norm, dropout, then the library's MLP head.

    >>> import torch
    >>> embedding_head(1280, 3)(torch.zeros(2, 1280)).shape
    torch.Size([2, 3])
    """
    from torch import nn

    from alwild.models.networks import MLPHead

    return nn.Sequential(nn.LayerNorm(dim, elementwise_affine=False), nn.Dropout(0.2),
                         MLPHead(dim, n_classes, hidden=64, dropout=0.5))


def make_model(kind: str, X, n_classes: int):
    """A fresh, unfitted model for a project whose items are ``kind`` ("row" or "image").

    >>> make_model("image", np.zeros((4, 1280)), 2).class_weight
    'balanced'
    """
    if kind == "row":
        return make_estimator(X)
    from alwild.models.torch_classifier import TorchClassifier

    return TorchClassifier(functools.partial(embedding_head, int(X.shape[1]), n_classes),
                           max_epochs=HEAD_EPOCHS, lr=1e-3, batch_size=32,
                           class_weight="balanced", warm_start=True,
                           warm_start_epochs=WARM_EPOCHS, random_state=0, n_threads=1)


def holdout_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """Accuracy and balanced accuracy of ``y_pred``, beside those of always answering the
    most frequent true class (its balanced accuracy is 1 / the number of classes present).

    >>> m = holdout_metrics(["a"] * 7 + ["b"], ["a"] * 6 + ["b", "b"])
    >>> [round(m[k], 3) for k in ("accuracy", "balanced_accuracy", "majority_accuracy",
    ...                           "majority_balanced_accuracy")]
    [0.875, 0.929, 0.875, 0.5]
    """
    truth = np.asarray(y_true, dtype=object)
    if truth.size == 0:
        raise UserValueError("no held-out labels to evaluate on")
    classes, counts = np.unique(truth.astype(str), return_counts=True)
    majority = np.full(truth.size, classes[counts.argmax()], dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    with warnings.catch_warnings():  # a class absent from the truth or the guesses is fine
        warnings.simplefilter("ignore", UserWarning)
        return {"accuracy": float(np.mean(pred == truth)),
                "balanced_accuracy": float(balanced_accuracy_score(truth, pred)),
                "majority_accuracy": float(counts.max() / truth.size),
                "majority_balanced_accuracy": float(balanced_accuracy_score(truth, majority))}


def model_inputs(ws: Workspace, kind: str, task: str, records: list, media_paths: list[str]):
    """What the model of a ``kind`` project reads for these items: a table of the rows'
    values, the images' embeddings (classification) or the image files (detection: the
    detector reads its own feature maps).

    >>> model_inputs(None, "row", "classify", [{"a": 1}], []).shape
    (1, 1)
    """
    if kind == "row":
        return records_frame(records)
    if task == "detect":
        return np.array(media_paths, dtype=object)
    return image_embeddings(ws, media_paths)



def class_suggestions(task: str, classes: np.ndarray, proba: np.ndarray,
                      item_ids: np.ndarray) -> dict[int, list[Suggestion]]:
    """The most probable class of each item, as its suggestion (classification projects;
    a detection project's suggestions are boxes, so none come from a class model).

    >>> class_suggestions("classify", np.array(["a", "b"]), np.array([[0.2, 0.8]]), np.array([7]))
    {7: [Suggestion(label='b', score=0.8, box=None)]}
    """
    if task != "classify":
        return {}
    best = proba.argmax(axis=1)
    return {int(i): [Suggestion(str(classes[b]), float(proba[k, b]))]
            for k, (i, b) in enumerate(zip(item_ids, best, strict=True))}


# -- detection projects ---------------------------------------------------------------------

SUGGEST_MIN_SCORE = 0.1
MAX_SUGGESTIONS = 10
DETECTOR_STRATEGY = "least_confident_box"


def xyxy_boxes(boxes: Sequence[dict]) -> tuple[np.ndarray, list[str]]:
    """A label's boxes ``{x, y, w, h, label}`` as ``(k, 4)`` corners and their classes.

    >>> xyxy_boxes([{"x": 1, "y": 2, "w": 3, "h": 4, "label": "a"}])
    (array([[1., 2., 4., 6.]]), ['a'])
    """
    corners = np.array([[b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]] for b in boxes],
                       dtype=float).reshape(-1, 4)
    return corners, [b["label"] for b in boxes]


def box_suggestions(found, classes: Sequence[str]) -> list[Suggestion]:
    """A frame's detections above ``SUGGEST_MIN_SCORE`` as suggestions, most confident first
    (at most ``MAX_SUGGESTIONS``; boxes as ``(x, y, w, h)``).

    >>> from alwild.models.detection import Detections
    >>> d = Detections(np.array([[1, 2, 11, 22.0], [0, 0, 5, 5]]), np.array([0.9, 0.05]),
    ...                np.array([[0.2, 0.8], [1.0, 0.0]]))
    >>> box_suggestions(d, ["insulator", "broken"])
    [Suggestion(label='broken', score=0.9, box=(1.0, 2.0, 10.0, 20.0))]
    """
    order = np.argsort(-found.scores, kind="stable")
    keep = [k for k in order if found.scores[k] >= SUGGEST_MIN_SCORE][:MAX_SUGGESTIONS]
    out = []
    for k in keep:
        x0, y0, x1, y1 = (float(v) for v in found.boxes[k])
        out.append(Suggestion(classes[int(found.class_proba[k].argmax())],
                              float(found.scores[k]), (x0, y0, x1 - x0, y1 - y0)))
    return out


def frame_guess(suggested: Sequence[Suggestion]) -> tuple[str, float]:
    """The queue's guess for a frame: its most confident suggested box's class and score,
    or ``"none"`` (no box, as a label without boxes reads) when nothing is suggested.

    >>> frame_guess([Suggestion("broken", 0.4, (0, 0, 5, 5))]), frame_guess([])
    (('broken', 0.4), ('none', 0.0))
    """
    return (suggested[0].label, suggested[0].score) if suggested else ("none", 0.0)


def frame_utility(found) -> float:
    """How much a frame is worth an expert's look: the library's ``least_confident_box``
    over the boxes that would be suggested, and 1 when none would (the model is sure of
    nothing there).

    >>> from alwild.models.detection import Detections
    >>> d = Detections(np.array([[0, 0, 5, 5.0]]), np.array([0.6]), np.array([[0.5, 0.5]]))
    >>> frame_utility(d), frame_utility(Detections(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 2))))
    (0.7, 1.0)
    """
    from alwild.models.detection import Detections, least_confident_box

    sure = found.scores >= SUGGEST_MIN_SCORE
    if not sure.any():
        return 1.0
    return least_confident_box(Detections(found.boxes[sure], found.scores[sure],
                                          found.class_proba[sure]))


def detector_bytes(detector) -> bytes:
    """A fitted BoxDetector as the bytes of its own safe file format (``BoxDetector.save``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "detector.pt"
        detector.save(path)
        return path.read_bytes()


def detector_from_bytes(data: bytes, ws: Workspace):
    """The BoxDetector of :func:`detector_bytes`, its feature maps cached in ``ws``."""
    from alwild.models.box_detector import BoxDetector

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "detector.pt"
        path.write_bytes(data)
        return BoxDetector.load(path, cache_dir=feature_map_dir(ws))


def feature_map_dir(ws: Workspace) -> Path:
    """Where the workspace keeps the detector's backbone feature maps."""
    return ws.root / "cache" / "feature-maps"


@dataclass
class DetectorRound:
    """What a detection retrain hands back: the fitted model's bytes, its held-out AP per
    class (``ap50:<class>``), the frames to ask about (``picked``: item id, utility) and the
    suggestions for the unlabelled pool."""

    model: bytes
    warm: bool
    metrics: dict[str, float]
    picked: list[tuple[int, float]]
    suggested: dict[int, list[Suggestion]]


def train_detector(ws: Workspace, classes: Sequence[str], previous: bytes | None,
                   paths: np.ndarray, boxes: list, ids: np.ndarray, train: np.ndarray,
                   hold: np.ndarray, pool: np.ndarray, batch: int) -> DetectorRound:
    """Fit (warm-started from ``previous`` when it has the same classes) the library's
    BoxDetector on the ``train`` frames' boxes, measure AP@0.5 per class on the ``hold``
    frames with pycocotools, and detect on the ``pool`` frames: suggestions and the
    ``batch`` frames of highest :func:`frame_utility`.

    >>> train_detector(ws, ["broken"], None, paths, boxes, ids, train, hold, pool,
    ...                10)  # doctest: +SKIP
    """
    from alwild.models.box_detector import BoxDetector
    from alwild.models.coco_eval import coco_ap

    files = [str(ws.media_root / p) for p in paths]
    detector, warm = None, False
    if previous is not None:
        detector = detector_from_bytes(previous, ws)
        warm = list(detector.classes) == list(classes)
    if not warm:
        detector = BoxDetector(classes, random_state=0, cache_dir=feature_map_dir(ws))
    detector.warm_start = warm
    corners = [xyxy_boxes(b) for b in boxes]
    rows = np.flatnonzero(train)
    detector.fit([files[i] for i in rows], [corners[i][0] for i in rows],
                 [corners[i][1] for i in rows])
    metrics: dict[str, float] = {}
    held = np.flatnonzero(hold)
    if held.size:
        index = {c: k for k, c in enumerate(classes)}
        truth = [(corners[i][0], np.array([index[c] for c in corners[i][1]], dtype=int))
                 for i in held]
        sizes = [_image_size(files[i]) for i in held]
        table = coco_ap(truth, detector.detect([files[i] for i in held]), classes, sizes)
        metrics = {f"ap50:{c}": float(table.loc[c, "ap50"]) for c in classes
                   if np.isfinite(table.loc[c, "ap50"])}
    open_rows = np.flatnonzero(pool)
    found = detector.detect([files[i] for i in open_rows]) if open_rows.size else []
    utility = np.array([frame_utility(d) for d in found])
    order = np.argsort(-utility, kind="stable")[:batch]
    return DetectorRound(detector_bytes(detector), warm, metrics,
                         [(int(ids[open_rows[k]]), float(utility[k])) for k in order],
                         {int(ids[i]): box_suggestions(d, classes)
                          for i, d in zip(open_rows, found, strict=True)})


def _image_size(path: str) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size
