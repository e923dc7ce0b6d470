"""Passive learning: random sampling, the baseline every saving is measured against.

>>> from alwild.strategies import get_strategy
>>> get_strategy("passive").needs_model
False
"""

from __future__ import annotations

import dataclasses

from alwild import scores as S
from alwild.pool import n_rows
from alwild.select import top_k
from alwild.strategies.base import Strategy
from alwild.strategies.registry import register

__all__ = ["RandomSampling"]


@dataclasses.dataclass(frozen=True)
class RandomSampling(Strategy):
    """Passive learning: every pool row is equally likely."""

    name = "random"
    needs_model = False

    def select(self, model, X_pool, n_instances, rng):
        scores = S.random_scores(n_rows(X_pool), rng)
        return top_k(scores, n_instances, rng), scores

    def proposal(self, model, X_pool, n_instances, rng):
        return None, None  # uniform over the rows a mixture has not taken yet



register("random", RandomSampling, aliases=("passive",))
