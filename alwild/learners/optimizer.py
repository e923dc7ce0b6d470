"""BayesianOptimizer: an ActiveLearner on a regressor that tracks the best point seen."""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild.learners.active import ActiveLearner
from alwild.pool import take_rows

__all__ = ["BayesianOptimizer"]


class BayesianOptimizer(ActiveLearner):
    """Maximise an unknown function with a regressor that has a predictive std.

    ``y_max`` and ``X_max`` follow the best labelled point; the default strategy is
    expected improvement (``max_EI``), as in modAL.

    >>> import numpy as np
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> X = np.linspace(0, 1, 11).reshape(-1, 1)
    >>> opt = BayesianOptimizer(GaussianProcessRegressor(), X_training=X[[0, 10]],
    ...                         y_training=np.array([0.0, 1.0]))
    >>> opt.get_max()[1]
    1.0
    """

    def __init__(self, estimator: Any, query_strategy: Any = "max_EI", **kwargs) -> None:
        super().__init__(estimator, query_strategy, **kwargs)

    @property
    def is_fitted(self) -> bool:
        """Fitted and with at least one observation (a GP can predict from its prior, but
        improvement is measured against the best value seen)."""
        return self.y_max is not None and super().is_fitted

    @property
    def y_max(self) -> float | None:
        if self.y_training is None or len(self.y_training) == 0:
            return None
        return float(np.max(self.y_training))

    @property
    def X_max(self):
        """The best labelled row (a DataFrame gives a Series)."""
        if self.y_max is None:
            return None
        row = take_rows(self.X_training, np.array([int(np.argmax(self.y_training))]))
        return row.iloc[0] if hasattr(row, "iloc") else row[0]

    def get_max(self) -> tuple[Any, float | None]:
        """The best labelled point and its value."""
        return self.X_max, self.y_max
