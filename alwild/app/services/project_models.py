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
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from alwild.app.services.features import make_estimator, records_frame
from alwild.app.services.suggestions import Suggestion
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["embedding_dir", "image_embeddings", "make_model", "embedding_head",
           "holdout_metrics", "model_inputs", "class_suggestions", "HEAD_EPOCHS", "WARM_EPOCHS"]

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


def model_inputs(ws: Workspace, kind: str, records: list, media_paths: list[str]):
    """What the model of a ``kind`` project reads for these items: a table of the rows'
    values, or the images' embeddings.

    >>> model_inputs(None, "row", [{"a": 1}], []).shape
    (1, 1)
    """
    if kind == "row":
        return records_frame(records)
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
