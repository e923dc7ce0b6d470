"""Stochastic batch acquisition: draw the batch in proportion to a power of the score.

Top-k takes the k rows a model finds most informative now, so a batch piles onto one
region, and on noisy labels it keeps chasing rows no model can learn. Kirsch et al.
("Stochastic Batch Acquisition: A Simple Baseline for Deep Active Learning", TMLR 2023)
draw the batch instead, without replacement, each row with probability proportional to
``score ** beta`` (*power* acquisition) for a score in ``[0, 1]``: ``beta = 0`` is random
sampling, ``beta → ∞`` is top-k, and the paper's default ``beta = 1`` spreads a batch
over every uncertain row in proportion to its uncertainty.

``power_margin`` does this on margin's ``1 - (p_top1 - p_top2)``: a row the model is
sure of (score 0) is drawn only once no other is left. Every row's draw probability is
known, so ``auto``'s importance weights hold when it is one of ``auto``'s arms
(:meth:`PowerSampling.proposal`); the draw itself is :func:`alwild.select.draw_slots`.

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.strategies import get_strategy
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> clf = LogisticRegression().fit(X, y)
>>> strategy = get_strategy("power_margin")
>>> strategy.beta
1.0
>>> idx = strategy(clf, np.array([[1.5], [1.4], [40.0]]), n_instances=2, random_state=0)
>>> sorted(idx.tolist())
[0, 1]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from alwild import scores as S
from alwild.errors import UserValueError
from alwild.pool import n_rows
from alwild.select import Proportional, draw_slots
from alwild.strategies.base import Strategy, Utility, proba_utility, score_pool
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import register

__all__ = ["PowerSampling", "power_log_weights"]


def power_log_weights(scores: np.ndarray, beta: float) -> np.ndarray:
    """``beta · log(score)``, the log of power acquisition's weight ``score ** beta``
    (``-inf`` for a score of 0; all 0 when ``beta = 0``, random sampling).

    >>> power_log_weights(np.array([0.0, 0.5, 1.0]), 2.0).tolist()
    [-inf, -1.3862943611198906, 0.0]
    """
    scores = np.asarray(scores, dtype=float)
    if not np.isfinite(beta) or beta < 0:
        raise UserValueError(f"beta must be a finite number >= 0, got {beta}")
    if np.any(~np.isfinite(scores)) or np.any(scores < 0):
        raise UserValueError("power acquisition needs scores >= 0 (such as 1 - margin)")
    if beta == 0:
        return np.zeros(scores.shape)
    with np.errstate(divide="ignore"):
        return beta * np.log(scores)


@dataclasses.dataclass(frozen=True)
class PowerSampling(Strategy):
    """Draw the batch without replacement, each row with probability proportional to
    ``utility(model, rows) ** beta`` among the rows not yet drawn."""

    label: str = "power_margin"
    utility: Utility = dataclasses.field(default=proba_utility(S.margin), repr=False)
    beta: float = 1.0

    def __post_init__(self) -> None:
        power_log_weights(np.zeros(0), self.beta)  # a bad beta fails when it is set

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.label

    def check(self, model: Any) -> None:
        require_proba(model, self.label)

    def proposal(self, model, X_pool, n_instances, rng):
        scores = score_pool(model, self.utility, X_pool)
        return Proportional(power_log_weights(scores, self.beta)), scores

    def select(self, model, X_pool, n_instances, rng):
        arm, scores = self.proposal(model, X_pool, n_instances, rng)
        rows, *_ = draw_slots(np.ones(1), [arm], n_rows(X_pool), n_instances, rng)
        return rows, scores


register("power_margin", PowerSampling)
