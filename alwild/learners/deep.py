"""DeepActiveLearner: a learner around a network that trains on each new batch only."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from alwild.errors import UserTypeError, UserValueError
from alwild.learners.base import QueryMixin
from alwild.pool import DEFAULT_CHUNK_SIZE, n_rows, take_rows
from alwild.strategies.capabilities import estimator_is_fitted

__all__ = ["DeepActiveLearner"]


def _positive_int(name: str, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UserTypeError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise UserValueError(f"{name} must be at least 1, got {value}")
    return value


class DeepActiveLearner(QueryMixin, BaseEstimator):
    """Active learning with a network wrapped for scikit-learn (skorch's ``NeuralNet``, or
    anything with ``initialize``, ``fit`` and ``partial_fit``), as modAL's.

    It keeps no labelled set: ``teach`` trains on the new batch, by default from the
    current weights (``warm_start=True``: ``partial_fit``), else from scratch (``fit``).
    ``num_epochs`` and ``batch_size`` read and set the network's ``max_epochs`` and
    ``batch_size``. Before the network is trained a query picks at random.

    >>> class Net:
    ...     max_epochs, batch_size = 10, 128
    ...     def initialize(self): return self
    ...     def partial_fit(self, X, y): self.seen_ = len(X); return self
    >>> learner = DeepActiveLearner(Net())
    >>> learner.num_epochs = 3; learner.teach([[0.0], [1.0]], [0, 1]); learner.estimator.seen_
    2
    """

    def __init__(
        self,
        estimator: Any,
        query_strategy: Any = "least_confident",
        on_transformed: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_jobs: int | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.estimator = estimator
        self.on_transformed = on_transformed
        self._init_query(query_strategy, chunk_size, n_jobs, "random", random_state)
        self.X_training = self.y_training = None
        self.estimator.initialize()

    @property
    def is_fitted(self) -> bool:
        """Whether the network has been trained (or initialised, for skorch)."""
        return estimator_is_fitted(self.estimator)

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    def _bootstrapped(self, X, y, bootstrap: bool):
        if not bootstrap:
            return X, y
        idx = self._rng.choice(n_rows(X), n_rows(X), replace=True)
        return take_rows(X, idx), take_rows(y, idx)

    def fit(self, X, y, bootstrap: bool = False, **fit_kwargs) -> DeepActiveLearner:
        """Train the network from scratch on ``(X, y)`` (a bootstrap sample of it)."""
        self.estimator.fit(*self._bootstrapped(X, y, bootstrap), **fit_kwargs)
        return self

    def teach(self, X, y, warm_start: bool = True, bootstrap: bool = False, **fit_kwargs) -> None:
        """Train on the new batch: from the current weights, or from scratch."""
        if not warm_start:
            self.fit(X, y, bootstrap=bootstrap, **fit_kwargs)
            return
        self.estimator.partial_fit(*self._bootstrapped(X, y, bootstrap), **fit_kwargs)

    @property
    def num_epochs(self) -> int:
        """Epochs per ``teach`` (the network's ``max_epochs``)."""
        return self.estimator.max_epochs

    @num_epochs.setter
    def num_epochs(self, value: int) -> None:
        self.estimator.max_epochs = _positive_int("num_epochs", value)

    @property
    def batch_size(self) -> int:
        """The network's training batch size."""
        return self.estimator.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self.estimator.batch_size = _positive_int("batch_size", value)

    def predict(self, X, **kwargs):
        """The network's predictions."""
        return self.estimator.predict(X, **kwargs)

    def predict_proba(self, X, **kwargs) -> np.ndarray:
        """The network's class probabilities."""
        return self.estimator.predict_proba(X, **kwargs)

    def score(self, X, y, **kwargs) -> float:
        """The network's ``score``."""
        return float(self.estimator.score(X, y, **kwargs))
