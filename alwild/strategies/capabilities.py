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
from sklearn.base import is_regressor

from alwild.errors import UserTypeError, UserValueError

__all__ = [
    "is_sklearn_estimator",
    "estimator_is_fitted",
    "is_classifier_like",
    "predictive_mean_std",
    "require_proba",
    "require_committee",
    "require_std",
    "require_mc",
    "require_multilabel",
    "mc_proba",
    "best_observed",
]


def is_sklearn_estimator(estimator: Any) -> bool:
    """Whether ``estimator`` is a scikit-learn estimator (its helpers apply to it).

    >>> from sklearn.linear_model import LogisticRegression
    >>> is_sklearn_estimator(LogisticRegression()), is_sklearn_estimator(object())
    (True, False)
    """
    from sklearn.base import BaseEstimator

    return isinstance(estimator, BaseEstimator)


def estimator_is_fitted(estimator: Any) -> bool:
    """Whether an estimator has been fitted.

    A scikit-learn estimator is asked by scikit-learn; any other object with ``fit`` is
    fitted when it says so (``__sklearn_is_fitted__``) or, by scikit-learn's own
    convention, when it has an attribute ending in ``_`` (``classes_``, ``coef_``, ...).

    >>> from sklearn.linear_model import LogisticRegression
    >>> estimator_is_fitted(LogisticRegression())
    False
    >>> class Duck:
    ...     def fit(self, X, y): self.classes_ = sorted(set(y)); return self
    >>> estimator_is_fitted(Duck()), estimator_is_fitted(Duck().fit([[0]], [1]))
    (False, True)
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if estimator is None:
        return False
    if is_sklearn_estimator(estimator):
        try:
            check_is_fitted(estimator)
        except NotFittedError:
            return False
        return True
    if hasattr(estimator, "__sklearn_is_fitted__"):
        return bool(estimator.__sklearn_is_fitted__())
    return any(k.endswith("_") and not k.startswith("__")
               for k in getattr(estimator, "__dict__", {}))


def is_classifier_like(estimator: Any) -> bool:
    """Whether ``estimator`` classifies: scikit-learn's answer for its estimators, else
    whether it gives class probabilities.

    >>> from sklearn.linear_model import LinearRegression
    >>> is_classifier_like(LinearRegression())
    False
    """
    from sklearn.base import is_classifier

    if is_sklearn_estimator(estimator):
        return is_classifier(estimator)
    return hasattr(estimator, "predict_proba")


def predictive_mean_std(model: Any, X) -> tuple[np.ndarray, np.ndarray]:
    """``model.predict(X, return_std=True)``; before the model is fitted, its prior: mean
    0 and std 1 for every row (as a column, the shape modAL gives).

    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> [a.ravel().tolist() for a in predictive_mean_std(GaussianProcessRegressor(), [[0.0]])]
    [[0.0], [1.0]]
    """
    from sklearn.exceptions import NotFittedError

    try:
        return model.predict(X, return_std=True)
    except NotFittedError:
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        return np.zeros((n, 1)), np.ones((n, 1))


def _estimator(model: Any) -> Any:
    """A learner's estimator, or the model itself (a meta-estimator's ``estimator`` is its
    unfitted template, not the model)."""
    return model.estimator if hasattr(model, "query_strategy") else model


def _describe(model: Any) -> str:
    return type(_estimator(model)).__name__


def require_proba(model: Any, strategy: str) -> None:
    """Raise unless ``model`` can give class probabilities."""
    if hasattr(model, "learner_list"):
        for member in model.learner_list:
            require_proba(member, strategy)
        return
    if not hasattr(_estimator(model), "predict_proba"):
        if is_regressor(_estimator(model)):
            raise UserTypeError(
                f"strategy {strategy!r} needs class probabilities, and {_describe(model)} is "
                "a regressor: for a regression target use 'max_std' with a regressor that "
                "gives a standard deviation (BayesianRidge, GaussianProcessRegressor), or "
                "the 'random' or 'coreset' strategy"
            )
        raise UserTypeError(
            f"strategy {strategy!r} needs class probabilities (predict_proba), which "
            f"{_describe(model)} does not provide: use a probabilistic classifier, "
            "e.g. SVC(probability=True) or CalibratedClassifierCV(your_estimator), "
            "or the 'random' or 'coreset' strategy"
        )


def require_committee(model: Any, strategy: str, proba: bool = True) -> None:
    """Raise unless ``model`` is a committee of classifiers: one with modAL's committee
    methods ``vote`` and ``vote_proba`` (and ``predict_proba`` unless ``proba=False``:
    vote entropy needs only the members' votes)."""
    if not (hasattr(model, "vote") and hasattr(model, "vote_proba")):
        raise UserTypeError(
            f"strategy {strategy!r} measures disagreement between committee members, but "
            f"got a single {type(model).__name__}: use Committee([learner1, learner2, ...], "
            f"query_strategy={strategy!r}), or a single-model strategy such as 'entropy'"
        )
    if proba:
        require_proba(model, strategy)


def require_std(model: Any, strategy: str) -> None:
    """Raise unless ``model.predict(X, return_std=True)`` is available (or ``predict``
    takes any keyword)."""
    target = model if hasattr(model, "learner_list") else _estimator(model)
    if hasattr(target, "steps"):  # a Pipeline hands predict's keywords to its last step
        target = target.steps[-1][1]
    predict = getattr(target, "predict", None)
    params = inspect.signature(predict).parameters if predict is not None else {}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if "return_std" not in params and not takes_any:
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


def _is_multilabel(model: Any) -> bool:
    est = _estimator(model)
    if hasattr(est, "steps"):
        est = est.steps[-1][1]
    if getattr(est, "multilabel_", False):
        return True
    y = getattr(model, "y_training", None)
    return y is not None and np.ndim(y) == 2 and np.shape(y)[1] > 1


def require_multilabel(model: Any, strategy: str, needs: str = "predict") -> None:
    """Raise unless ``model`` is a multi-label classifier (label sets as rows of 0/1) with
    ``needs`` (``"predict"``, ``"predict_proba"`` or ``"decision_function"``)."""
    if not _is_multilabel(model):
        raise UserTypeError(
            f"strategy {strategy!r} is for multi-label classifiers, and {_describe(model)} "
            "was not fitted on label sets: fit e.g. OneVsRestClassifier(SVC()) on a 0/1 "
            "label-indicator matrix, or use a single-label strategy such as 'entropy'"
        )
    if not hasattr(_estimator(model), needs):
        raise UserTypeError(
            f"strategy {strategy!r} needs {needs}, which {_describe(model)} does not "
            "provide: use e.g. OneVsRestClassifier(SVC(probability=True))"
        )


def mc_proba(model: Any, rows) -> np.ndarray:
    """Probability samples of shape (n_samples_mc, n_rows, n_classes)."""
    if hasattr(model, "member_proba"):
        return model.member_proba(rows)
    return _estimator(model).predict_proba_samples(rows)


def best_observed(model: Any) -> float:
    """Best target value seen so far (for improvement-based acquisition)."""
    y_max = getattr(model, "y_max", None)
    if y_max is not None and np.isfinite(y_max):
        return float(y_max)
    y = getattr(model, "y_training", None)
    if y is None or len(y) == 0:
        raise UserValueError(
            "improvement-based acquisition (PI/EI) needs at least one observed target: "
            "teach the learner some labelled data first, or use max_UCB"
        )
    return float(np.max(y))

