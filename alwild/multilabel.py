"""modAL's ``modAL.multilabel``: ``SVM_binary_minimum``, ``max_loss``, ``mean_max_loss``,
``min_confidence``, ``avg_confidence``, ``max_score`` and ``avg_score``, faces of the
registered multi-label strategies, returning ``(indices, metrics)`` with modAL's
metrics (for ``SVM_binary_minimum`` the smallest distance to a boundary, which it
minimises; for ``min_confidence`` the lowest label probability).

modAL 0.4.2's ``SVM_binary_minimum`` takes the row *farthest* from every boundary when
``random_tie_break=True``; here it always takes the nearest, as the method intends.

>>> import numpy as np
>>> from sklearn.multiclass import OneVsRestClassifier
>>> from sklearn.svm import LinearSVC
>>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> clf = OneVsRestClassifier(LinearSVC()).fit(X, X.astype(int))
>>> SVM_binary_minimum(clf, np.array([[0.5, 0.5], [3.0, 3.0]]))[0].tolist()
[0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild import scores
from alwild.strategies import ModalFace, get_strategy

__all__ = ["SVM_binary_minimum", "max_loss", "mean_max_loss", "min_confidence",
           "avg_confidence", "max_score", "avg_score"]


def _negated(values: np.ndarray) -> np.ndarray:
    return 0.0 - values


SVM_binary_minimum = ModalFace(get_strategy("svm_binary_minimum"), "SVM_binary_minimum",
                               _negated)
max_loss = ModalFace(get_strategy("max_loss"), "max_loss")
mean_max_loss = ModalFace(get_strategy("mean_max_loss"), "mean_max_loss")
min_confidence = ModalFace(get_strategy("min_confidence"), "min_confidence", _negated)
avg_confidence = ModalFace(get_strategy("avg_confidence"), "avg_confidence")
max_score = ModalFace(get_strategy("max_score"), "max_score")
avg_score = ModalFace(get_strategy("avg_score"), "avg_score")


def _SVM_loss(classifier: Any, X, most_certain_classes=None) -> np.ndarray:  # noqa: N802
    """The losses of ``mean_max_loss`` (``most_certain_classes=None``) or ``max_loss``."""
    predictions = np.asarray(classifier.predict(X))
    if most_certain_classes is None:
        return scores.mean_max_loss(predictions)
    return scores.max_loss(predictions, np.asarray(most_certain_classes))
