"""modAL's ``modAL.acquisition``: ``max_PI``, ``max_EI``, ``max_UCB`` (faces of the
registered acquisition strategies, returning ``(indices, metrics)``), the utilities
``optimizer_PI``, ``optimizer_EI``, ``optimizer_UCB`` and the functions ``PI``, ``EI``,
``UCB`` of a predictive mean and std, as modAL 0.4.2 defines them. Before the regressor
is fitted the utilities use its prior (mean 0, std 1), as modAL does.

>>> import numpy as np
>>> EI(np.array([0.0]), np.array([1.0]), 0.0, 0.0).round(4)
array([0.3989])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild import scores
from alwild.strategies import ModalFace, get_strategy
from alwild.strategies.capabilities import best_observed, predictive_mean_std

__all__ = ["max_PI", "max_EI", "max_UCB", "optimizer_PI", "optimizer_EI", "optimizer_UCB",
           "PI", "EI", "UCB"]

max_PI = ModalFace(get_strategy("max_PI"), "max_PI")
max_EI = ModalFace(get_strategy("max_EI"), "max_EI")
max_UCB = ModalFace(get_strategy("max_UCB"), "max_UCB")


def _shaped(values: np.ndarray, mean) -> np.ndarray:
    return values.reshape(np.shape(mean))


def PI(mean, std, max_val: float, tradeoff: float) -> np.ndarray:  # noqa: N802 - modAL's name
    """Probability of improving on ``max_val`` by more than ``tradeoff``."""
    return _shaped(scores.probability_of_improvement(mean, std, max_val, tradeoff), mean)


def EI(mean, std, max_val: float, tradeoff: float) -> np.ndarray:  # noqa: N802 - modAL's name
    """Expected improvement on ``max_val`` beyond ``tradeoff``."""
    return _shaped(scores.expected_improvement(mean, std, max_val, tradeoff), mean)


def UCB(mean, std, beta: float) -> np.ndarray:  # noqa: N802 - modAL's name
    """Upper confidence bound ``mean + beta * std``."""
    return _shaped(scores.upper_confidence_bound(mean, std, beta), mean)


def optimizer_PI(optimizer: Any, X, tradeoff: float = 0.0) -> np.ndarray:  # noqa: N802
    """Probability of improving on the best value seen."""
    mean, std = predictive_mean_std(optimizer, X)
    return PI(mean, std, best_observed(optimizer), tradeoff)


def optimizer_EI(optimizer: Any, X, tradeoff: float = 0.0) -> np.ndarray:  # noqa: N802
    """Expected improvement on the best value seen."""
    mean, std = predictive_mean_std(optimizer, X)
    return EI(mean, std, best_observed(optimizer), tradeoff)


def optimizer_UCB(optimizer: Any, X, beta: float = 1.0) -> np.ndarray:  # noqa: N802
    """Upper confidence bound ``mean + beta * std``."""
    mean, std = predictive_mean_std(optimizer, X)
    return UCB(mean, std, beta)
