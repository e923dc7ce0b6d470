"""modAL-compatible uncertainty sampling: ``uncertainty_sampling``, ``margin_sampling``,
``entropy_sampling`` and the measures ``classifier_uncertainty``, ``classifier_margin``,
``classifier_entropy``.

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
>>> classifier_margin(clf, np.array([[0.5]])).round(2)
array([0.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild import scores
from alwild.strategies import get_strategy

__all__ = [
    "uncertainty_sampling",
    "margin_sampling",
    "entropy_sampling",
    "classifier_uncertainty",
    "classifier_margin",
    "classifier_entropy",
]

uncertainty_sampling = get_strategy("least_confident")
margin_sampling = get_strategy("margin")
entropy_sampling = get_strategy("entropy")


def classifier_uncertainty(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """``1 - max p(y | x)`` for each row of ``X``."""
    return scores.least_confident(classifier.predict_proba(X, **predict_proba_kwargs))


def classifier_margin(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """Gap between the two most likely classes (small = uncertain), as modAL defines it."""
    return 1.0 - scores.margin(classifier.predict_proba(X, **predict_proba_kwargs))


def classifier_entropy(classifier: Any, X, **predict_proba_kwargs) -> np.ndarray:
    """Entropy of the predicted class distribution."""
    return scores.entropy(classifier.predict_proba(X, **predict_proba_kwargs))
