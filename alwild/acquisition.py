"""modAL-compatible acquisition functions for Bayesian optimisation: ``max_PI``,
``max_EI``, ``max_UCB`` (strategies) and ``optimizer_PI``, ``optimizer_EI``,
``optimizer_UCB`` (the utilities)."""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild import scores
from alwild.strategies import get_strategy
from alwild.strategies.capabilities import best_observed

__all__ = ["max_PI", "max_EI", "max_UCB", "optimizer_PI", "optimizer_EI", "optimizer_UCB"]

max_PI = get_strategy("max_PI")
max_EI = get_strategy("max_EI")
max_UCB = get_strategy("max_UCB")


def optimizer_PI(optimizer: Any, X, tradeoff: float = 0.0) -> np.ndarray:
    """Probability of improving on the best value seen."""
    mean, std = optimizer.predict(X, return_std=True)
    return scores.probability_of_improvement(mean, std, best_observed(optimizer), tradeoff)


def optimizer_EI(optimizer: Any, X, tradeoff: float = 0.0) -> np.ndarray:
    """Expected improvement on the best value seen."""
    mean, std = optimizer.predict(X, return_std=True)
    return scores.expected_improvement(mean, std, best_observed(optimizer), tradeoff)


def optimizer_UCB(optimizer: Any, X, beta: float = 1.0) -> np.ndarray:
    """Upper confidence bound ``mean + beta * std``."""
    mean, std = optimizer.predict(X, return_std=True)
    return scores.upper_confidence_bound(mean, std, beta)
