"""BayesianOptimizer: an ActiveLearner on a regressor that tracks the best point seen."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from alwild.learners.active import ActiveLearner
from alwild.pool import take_rows

__all__ = ["BayesianOptimizer"]


class BayesianOptimizer(ActiveLearner):
    """Maximise an unknown function with a regressor that has a predictive std.

    ``y_max`` and ``X_max`` hold the best labelled point (``-inf`` and None before any);
    ``teach`` raises them when a new point beats them, ``fit`` starts them afresh from
    its data. The default strategy is expected improvement (``max_EI``), as in modAL;
    before the regressor is fitted, the acquisition functions use its prior.

    >>> import numpy as np
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> X = np.linspace(0, 1, 11).reshape(-1, 1)
    >>> opt = BayesianOptimizer(GaussianProcessRegressor(), X_training=X[[0, 10]],
    ...                         y_training=np.array([0.0, 1.0]))
    >>> opt.get_max()[1]
    np.float64(1.0)
    """

    def __init__(self, estimator: Any, query_strategy: Any = "max_EI", **kwargs) -> None:
        self.X_max, self.y_max = None, -np.inf
        super().__init__(estimator, query_strategy, **kwargs)
        if self.y_training is not None:
            self._set_max(self.X_training, self.y_training)

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # __init__ passes its keywords on to ActiveLearner's: report those parameters
        return BaseEstimator._get_param_names.__func__(ActiveLearner)

    @property
    def model_ready(self) -> bool:
        """Fitted and with at least one observation (a GP can predict from its prior, but
        improvement is measured against the best value seen)."""
        return bool(np.isfinite(self.y_max)) and super().model_ready

    def _set_max(self, X, y) -> None:
        """Make the best of ``(X, y)`` the maximum if it beats the best so far."""
        y = np.asarray(y)
        if y.size == 0:
            return
        values = y.reshape(y.shape[0], -1)[:, 0]  # one target per row, (n,) or (n, 1)
        best = int(np.argmax(values))
        if values[best] > self.y_max:
            self.y_max = values[best]
            self.X_max = take_rows(X, np.intp(best))

    def fit(self, X, y, bootstrap: bool = False, **fit_kwargs) -> BayesianOptimizer:
        """Replace the labelled set with ``(X, y)``, fit, and take its best point."""
        super().fit(X, y, bootstrap=bootstrap, **fit_kwargs)
        self.X_max, self.y_max = None, -np.inf
        self._set_max(X, y)
        return self

    def teach(self, X, y, bootstrap: bool = False, only_new: bool = False, **fit_kwargs) -> None:
        """Add observations, refit, and raise the maximum if one of them beats it."""
        super().teach(X, y, bootstrap=bootstrap, only_new=only_new, **fit_kwargs)
        self._set_max(X, y)

    def get_max(self) -> tuple[Any, float]:
        """The best labelled point and its value."""
        return self.X_max, self.y_max
