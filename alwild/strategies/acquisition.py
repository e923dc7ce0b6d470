"""Acquisition functions of Bayesian optimisation on a regressor with a predictive std.

>>> from alwild.strategies import get_strategy
>>> get_strategy("ei", tradeoff=0.1).name
'max_EI'
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from alwild import scores as S
from alwild.strategies.base import TopKStrategy
from alwild.strategies.capabilities import best_observed, predictive_mean_std, require_std
from alwild.strategies.registry import register

__all__ = ["Acquisition"]


@dataclasses.dataclass(frozen=True)
class Acquisition(TopKStrategy):
    """Bayesian-optimisation acquisition on a regressor with a predictive std (PI, EI, UCB);
    an unfitted regressor scores with its prior, mean 0 and std 1."""

    kind: str = "ei"
    tradeoff: float = 0.0
    beta: float = 1.0

    @property
    def name(self) -> str:  # type: ignore[override]
        return {"pi": "max_PI", "ei": "max_EI", "ucb": "max_UCB"}[self.kind]

    def check(self, model: Any) -> None:
        require_std(model, self.name)

    def row_scores(self, model, rows):
        mean, std = predictive_mean_std(model, rows)
        if self.kind == "ucb":
            return S.upper_confidence_bound(mean, std, self.beta)
        best = best_observed(model)
        fn = S.probability_of_improvement if self.kind == "pi" else S.expected_improvement
        return fn(mean, std, best, self.tradeoff)



register("max_PI", functools.partial(Acquisition, kind="pi"), aliases=("pi",))
register("max_EI", functools.partial(Acquisition, kind="ei"), aliases=("ei",))
register("max_UCB", functools.partial(Acquisition, kind="ucb"), aliases=("ucb",))
