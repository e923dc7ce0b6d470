"""modAL's ``modAL.utils.validation``: do classifiers know the same classes, and their
probabilities aligned to all the classes (by :mod:`alwild.labels`).

>>> import numpy as np
>>> check_class_proba(np.array([[0.4, 0.6]]), known_labels=[0, 2], all_labels=[0, 1, 2]).tolist()
[[0.4, 0.0, 0.6]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from alwild.labels import align_proba, same_classes

__all__ = ["check_class_labels", "check_class_proba"]


def check_class_labels(*estimators: Any) -> bool:
    """Whether every estimator knows the same classes; NotFittedError if one has none yet.

    >>> from sklearn.dummy import DummyClassifier
    >>> a = DummyClassifier().fit([[0], [1]], [0, 1]); b = DummyClassifier().fit([[0]], [1])
    >>> check_class_labels(a, a), check_class_labels(a, b)
    (True, False)
    """
    try:
        classes = [est.classes_ for est in estimators]
    except AttributeError as err:
        raise NotFittedError(
            "not every estimator is fitted: fit them all before comparing their classes"
        ) from err
    return same_classes(*classes)


def check_class_proba(proba: np.ndarray, known_labels: Sequence,
                      all_labels: Sequence) -> np.ndarray:
    """``proba`` over ``known_labels`` spread over ``all_labels``, zeros for the others."""
    return align_proba(proba, known_labels, all_labels)
