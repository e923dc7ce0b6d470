"""What strategies ask of a model: capability checks with clear errors.

A "model" here is whatever a strategy is handed: a learner, a committee, or a bare
scikit-learn estimator (modAL-style direct calls). Every strategy fails the same clear
way when the model cannot give what it needs.

>>> from sklearn.svm import SVC
>>> require_proba(SVC(), "entropy")
Traceback (most recent call last):
...
alwild.errors.UserTypeError: strategy 'entropy' needs class probabilities (predict_proba), ...
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from alwild.errors import UserTypeError, UserValueError

__all__ = [
    "estimator_is_fitted",
    "require_proba",
    "require_committee",
    "require_std",
    "require_mc",
    "mc_proba",
    "best_observed",
]


def estimator_is_fitted(estimator: Any) -> bool:
    """Whether a scikit-learn estimator has been fitted.

    >>> from sklearn.linear_model import LogisticRegression
    >>> estimator_is_fitted(LogisticRegression())
    False
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _estimator(model: Any) -> Any:
    return getattr(model, "estimator", model)


def _describe(model: Any) -> str:
    return type(_estimator(model)).__name__


def require_proba(model: Any, strategy: str) -> None:
    """Raise unless ``model`` can give class probabilities."""
    if hasattr(model, "learner_list"):
        for member in model.learner_list:
            require_proba(member, strategy)
        return
    if not hasattr(_estimator(model), "predict_proba"):
        raise UserTypeError(
            f"strategy {strategy!r} needs class probabilities (predict_proba), which "
            f"{_describe(model)} does not provide: use a probabilistic classifier, "
            "e.g. SVC(probability=True) or CalibratedClassifierCV(your_estimator), "
            "or the 'random' or 'coreset' strategy"
        )


def require_committee(model: Any, strategy: str, proba: bool = True) -> None:
    """Raise unless ``model`` is a committee of classifiers (with ``predict_proba``
    unless ``proba=False``: vote entropy needs only the members' votes)."""
    if not hasattr(model, "member_proba"):
        raise UserTypeError(
            f"strategy {strategy!r} measures disagreement between committee members, but "
            f"got a single {type(model).__name__}: use Committee([learner1, learner2, ...], "
            f"query_strategy={strategy!r}), or a single-model strategy such as 'entropy'"
        )
    if proba:
        require_proba(model, strategy)


def require_std(model: Any, strategy: str) -> None:
    """Raise unless ``model.predict(X, return_std=True)`` is available."""
    target = model if hasattr(model, "learner_list") else _estimator(model)
    if hasattr(target, "steps"):  # a Pipeline hands predict's keywords to its last step
        target = target.steps[-1][1]
    predict = getattr(target, "predict", None)
    params = inspect.signature(predict).parameters if predict is not None else {}
    if "return_std" not in params:
        raise UserTypeError(
            f"strategy {strategy!r} needs a regressor with a predictive standard deviation "
            f"(predict(X, return_std=True)), which {type(target).__name__} lacks: use e.g. "
            "GaussianProcessRegressor or BayesianRidge, or a CommitteeRegressor"
        )


def require_mc(model: Any, strategy: str) -> None:
    """Raise unless Monte-Carlo probability samples can be drawn from ``model``."""
    if hasattr(model, "member_proba") or hasattr(_estimator(model), "predict_proba_samples"):
        return
    raise UserTypeError(
        f"strategy {strategy!r} needs Monte-Carlo probability samples: use a Committee "
        "(an ensemble) or an estimator with predict_proba_samples, such as the MC-dropout "
        "torch adapter in alwild.models"
    )


def mc_proba(model: Any, rows) -> np.ndarray:
    """Probability samples of shape (n_samples_mc, n_rows, n_classes)."""
    if hasattr(model, "member_proba"):
        return model.member_proba(rows)
    return _estimator(model).predict_proba_samples(rows)


def best_observed(model: Any) -> float:
    """Best target value seen so far (for improvement-based acquisition)."""
    if getattr(model, "y_max", None) is not None:
        return float(model.y_max)
    y = getattr(model, "y_training", None)
    if y is None or len(y) == 0:
        raise UserValueError(
            "improvement-based acquisition (PI/EI) needs at least one observed target: "
            "teach the learner some labelled data first, or use max_UCB"
        )
    return float(np.max(y))

