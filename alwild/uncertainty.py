"""modAL's ``modAL.uncertainty``: ``uncertainty_sampling``, ``margin_sampling``,
``entropy_sampling`` (faces of the registered strategies ``least_confident``, ``margin``
and ``entropy``) and the measures ``classifier_uncertainty``, ``classifier_margin``,
``classifier_entropy``, as modAL 0.4.2 defines them.

A sampling function returns ``(indices, metrics)``, the metric of each chosen row in
modAL's terms (for ``margin_sampling`` the margin itself, which it minimises). Ties go to
a random row; ``random_tie_break=False`` gives modAL's first-index rule.

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
>>> classifier_margin(clf, np.array([[0.5]])).round(2)
array([0.])
>>> idx, margin = margin_sampling(clf, np.array([[0.5], [5.0]]))
>>> idx.tolist(), margin.round(2).tolist()
([0], [0.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from alwild import scores
from alwild.pool import n_rows
from alwild.strategies import ModalFace, get_strategy

__all__ = [
    "uncertainty_sampling",
    "margin_sampling",
    "entropy_sampling",
    "classifier_uncertainty",
    "classifier_margin",
    "classifier_entropy",
]


def _gap(margin_score: np.ndarray) -> np.ndarray:
    """modAL's margin (the gap between the two best classes) from alwild's margin score."""
    return 1.0 - margin_score


uncertainty_sampling = ModalFace(get_strategy("least_confident"), "uncertainty_sampling")
margin_sampling = ModalFace(get_strategy("margin"), "margin_sampling", _gap)
entropy_sampling = ModalFace(get_strategy("entropy"), "entropy_sampling")


def _proba_uncertainty(proba: np.ndarray) -> np.ndarray:
    """``1 - max p`` of each row of class probabilities."""
    return scores.least_confident(proba)


def _proba_margin(proba: np.ndarray) -> np.ndarray:
    """The gap between the two most likely classes of each row (0 with one class)."""
    return 1.0 - scores.margin(proba) if np.shape(proba)[1] > 1 else np.zeros(len(proba))


def _proba_entropy(proba: np.ndarray) -> np.ndarray:
    """Entropy of each row of class probabilities."""
    return scores.entropy(proba)


def _measure(classifier: Any, X, rule, unfitted: float, kwargs: dict) -> np.ndarray:
    try:
        return rule(classifier.predict_proba(X, **kwargs))
    except NotFittedError:
        return np.full(n_rows(X), unfitted)


def classifier_uncertainty(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """``1 - max p(y | x)`` for each row of ``X`` (1 before the classifier is fitted)."""
    return _measure(classifier, X, _proba_uncertainty, 1.0, predict_proba_kwargs)


def classifier_margin(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """Gap between the two most likely classes (small = uncertain), as modAL defines it
    (0 before the classifier is fitted)."""
    return _measure(classifier, X, _proba_margin, 0.0, predict_proba_kwargs)


def classifier_entropy(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """Entropy of the predicted class distribution (0 before the classifier is fitted)."""
    return _measure(classifier, X, _proba_entropy, 0.0, predict_proba_kwargs)
