"""ActiveLearner: one estimator, its labelled set, and a query strategy."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from alwild.errors import UserTypeError, UserValueError
from alwild.learners.base import QueryMixin
from alwild.pool import (
    DEFAULT_CHUNK_SIZE,
    append_rows,
    n_features,
    n_rows,
    nonfinite_rows,
    take_rows,
)
from alwild.strategies import Strategy
from alwild.strategies.capabilities import estimator_is_fitted, is_classifier_like

__all__ = ["ActiveLearner"]


def _n_labels(y) -> int:
    return int(np.asarray(y).shape[0])


class ActiveLearner(QueryMixin, BaseEstimator):
    """Pool-based active learner around any estimator with ``fit`` and ``predict_proba``
    (or ``predict``); scikit-learn's helpers are used only on scikit-learn estimators.

    Parameters mirror modAL's: ``estimator``, ``query_strategy`` (a name such as
    ``"entropy"``, a strategy object, or a function ``(learner, X, n_instances)``),
    ``X_training``, ``y_training``, ``bootstrap_init``, ``on_transformed`` and
    ``force_all_finite`` (reject NaN and infinity in ``teach`` and ``fit``). Beyond
    modAL: ``chunk_size`` and ``n_jobs`` for bounded-memory pool scoring, ``cold_start``
    for the pick before the model can be trusted (``"diversity"``, ``"kmeans"`` or
    ``"random"``), ``known_classes`` to keep the cold start going until each class has a
    label, and ``random_state`` for reproducible tie-breaking. It is a scikit-learn
    estimator itself (``get_params``, ``clone``, ``fit``, ``score``).

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> learner = ActiveLearner(LogisticRegression(), "margin", X[[0, 3]], y[[0, 3]])
    >>> idx, rows = learner.query(X[1:3])
    >>> learner.teach(rows, y[1:3][idx])
    >>> learner.X_training.shape
    (3, 1)
    """

    bootstrap_init: bool = False  # class defaults: learners pickled before these existed
    force_all_finite: bool = True

    def __init__(
        self,
        estimator: Any,
        query_strategy: Any = "least_confident",
        X_training=None,
        y_training=None,
        bootstrap_init: bool = False,
        on_transformed: bool = False,
        force_all_finite: bool = True,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_jobs: int | None = None,
        cold_start: str = "diversity",
        random_state: int | np.random.Generator | None = None,
        known_classes=None,
        **fit_kwargs,
    ) -> None:
        if not isinstance(force_all_finite, bool):
            raise UserTypeError(f"force_all_finite must be True or False, got {force_all_finite!r}")
        self.estimator = estimator
        self.on_transformed = on_transformed
        self.bootstrap_init = bootstrap_init
        self.force_all_finite = force_all_finite
        self._init_query(query_strategy, chunk_size, n_jobs, cold_start, random_state)
        self.known_classes = None if known_classes is None else np.asarray(known_classes)
        self.X_training = None
        self.y_training = None
        if (X_training is None) != (y_training is None):
            raise UserValueError("give both X_training and y_training, or neither")
        if X_training is not None:
            _check_lengths(X_training, y_training)
            self.X_training, self.y_training = X_training, np.asarray(y_training)
            self._fit_to_known(bootstrap=bootstrap_init, **fit_kwargs)

    def _check_strategy(self, strategy) -> None:
        if isinstance(strategy, Strategy) and strategy.needs_committee:
            raise UserTypeError(
                f"strategy {strategy.name!r} measures disagreement between committee members "
                "and cannot run on a single ActiveLearner: use Committee([learner1, "
                f"learner2, ...], query_strategy={strategy.name!r}), or a single-model "
                "strategy such as 'entropy'"
            )

    @property
    def is_fitted(self) -> bool:
        """Whether the estimator has been fitted."""
        return estimator_is_fitted(self.estimator)

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    @property
    def classes_(self) -> np.ndarray:
        return self.estimator.classes_

    def one_class(self) -> bool:
        """Whether a classifier has labels of a single class only (then queries use the
        cold start, though the estimator may have been fitted on it)."""
        y = self.y_training
        return (y is not None and _n_labels(y) > 0 and is_classifier_like(self.estimator)
                and np.unique(y).size < 2)

    def _fit_to_known(self, bootstrap: bool = False, **fit_kwargs) -> None:
        X, y = self.X_training, self.y_training
        if X is None or _n_labels(y) == 0:
            return
        if self.one_class():
            self._fit_one_class(X, y, **fit_kwargs)
            return
        if bootstrap:
            idx = self._bootstrap_indices(y)
            X, y = take_rows(X, idx), y[idx]
        self.estimator.fit(X, y, **fit_kwargs)

    def _fit_one_class(self, X, y, **fit_kwargs) -> None:
        """Fit on a single class where the estimator can (a forest, k-NN); otherwise wait.

        A copy is tried first: an estimator that refuses one class may have set some
        fitted attributes before refusing.
        """
        try:
            clone(self.estimator, safe=False).fit(X, y, **fit_kwargs)
        except ValueError:
            trained = "the model is not trained yet and"
        else:
            self.estimator.fit(X, y, **fit_kwargs)
            trained = "the model is trained on it, but"
        warnings.warn(
            f"only one class ({np.unique(y)[0]!r}) labelled so far: {trained} queries use "
            f"the {self.cold_start!r} cold start until a second class is labelled",
            stacklevel=4,
        )

    def _bootstrap_indices(self, y: np.ndarray, tries: int = 100) -> np.ndarray:
        """A bootstrap sample a classifier can learn from: redrawn while it holds a single
        class (likely with few labels); the whole set if that keeps happening."""
        n = _n_labels(y)
        classifier = is_classifier_like(self.estimator)
        for _ in range(tries):
            idx = self._rng.choice(n, n, replace=True)
            if not classifier or np.unique(y[idx]).size > 1:
                return idx
        return np.arange(n)

    def _check_new(self, X, y) -> None:
        _check_lengths(X, y)
        if self.force_all_finite:
            bad = nonfinite_rows(X)
            if bad:
                raise UserValueError(
                    f"X has NaN or infinite values (first bad rows: {bad}): drop or impute "
                    "them, or pass force_all_finite=False if the estimator accepts them"
                )

    def _add_training_data(self, X, y) -> None:
        """Append labelled rows to the labelled set (checked first; nothing is fitted)."""
        self._check_new(X, y)
        want = None if self.X_training is None else n_features(self.X_training)
        got = n_features(X)
        if want is not None and got is not None and want != got:
            raise UserValueError(
                f"teach got {got} features but the labelled set has {want}: pass rows with "
                "the same columns as the training data"
            )
        y = np.asarray(y)
        X_all = append_rows(self.X_training, X)
        self.y_training = y if self.y_training is None else np.concatenate([self.y_training, y])
        self.X_training = X_all

    def fit(self, X, y, bootstrap: bool = False, **fit_kwargs) -> ActiveLearner:
        """Replace the labelled set with ``(X, y)`` and fit."""
        self._check_new(X, y)
        self.X_training, self.y_training = X, np.asarray(y)
        self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)
        return self

    def teach(self, X, y, bootstrap: bool = False, only_new: bool = False, **fit_kwargs) -> None:
        """Add labelled samples and refit (on only the new ones with ``only_new=True``).

        The labelled set is only extended once the input is checked; if refitting fails
        the learner keeps its previous labelled set and model.
        """
        old = (self.X_training, self.y_training)
        self._add_training_data(X, y)
        try:
            if only_new:
                self.estimator.fit(X, np.asarray(y), **fit_kwargs)
            else:
                self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)
        except Exception:
            self.X_training, self.y_training = old
            raise

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise self._not_fitted()

    def _not_fitted(self) -> NotFittedError:
        return NotFittedError(
            f"the {type(self.estimator).__name__} is not trained yet: teach it labelled "
            "samples (of at least two classes for a classifier) first"
        )

    def _ask(self, method: str, *args, **kwargs):
        """The estimator's answer; if it is not fitted, an error that says what to do."""
        try:
            return getattr(self.estimator, method)(*args, **kwargs)
        except NotFittedError as err:
            raise self._not_fitted() from err

    def predict(self, X, **kwargs):
        """The estimator's predictions."""
        return self._ask("predict", X, **kwargs)

    def predict_proba(self, X, **kwargs) -> np.ndarray:
        """The estimator's class probabilities."""
        return self._ask("predict_proba", X, **kwargs)

    def score(self, X, y, **kwargs) -> float:
        """The estimator's ``score`` (accuracy for classifiers, R² for regressors)."""
        return float(self._ask("score", X, y, **kwargs))


def _check_lengths(X, y) -> None:
    if y is None:
        raise UserValueError("labels are missing: pass y with one label per row of X")
    nx, ny = n_rows(X), _n_labels(y)
    if nx != ny:
        raise UserValueError(
            f"got {nx} samples but {ny} labels: pass exactly one label per row; "
            "nothing was added"
        )
