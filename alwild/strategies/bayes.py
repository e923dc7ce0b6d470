"""Bayesian strategies: scores of Monte-Carlo samples (BALD & co.), BatchBALD and BADGE.

They need a model with ``predict_proba_samples(X) -> (T, n, C)`` (the MC-dropout torch
adapter or a deep ensemble in ``alwild.models``) or a ``Committee``; BADGE needs class
probabilities and the input of the last linear layer (``embed(X)``; for a linear
scikit-learn model that input is the features themselves).

>>> from alwild.strategies import available_strategies
>>> "batchbald" in available_strategies() and "badge" in available_strategies()
True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild import scores as S
from alwild.features import features_of
from alwild.pool import take_rows
from alwild.select import badge_embeddings, batchbald, kmeans_pp_seeds, top_k
from alwild.strategies.base import Strategy, mc_utility, score_pool, score_strategy
from alwild.strategies.capabilities import mc_proba, require_mc, require_proba
from alwild.strategies.registry import register

__all__ = ["BatchBALD", "Badge"]


@dataclasses.dataclass(frozen=True)
class BatchBALD(Strategy):
    """Greedy BatchBALD over the ``n_candidates`` rows of highest BALD.

    BALD is scored over the whole pool in bounded-memory chunks; the joint selection then
    needs MC samples of the candidates only. The samples must be consistent parameter
    draws across rows (an ensemble, or MC dropout with ``consistent=True``, the default
    of the torch adapter).
    """

    name = "batchbald"
    n_candidates: int | None = None
    max_configs: int = 4096

    def check(self, model):
        require_mc(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        scores = score_pool(model, mc_utility(S.bald), X_pool)
        m = min(scores.size, max(n_instances, self.n_candidates or 20 * n_instances))
        cand = np.sort(top_k(scores, m, rng))
        samples = mc_proba(model, take_rows(X_pool, cand))
        local = batchbald(samples, n_instances, self.max_configs, random_state=rng)
        return cand[local], scores


def _hidden(model, rows) -> np.ndarray:
    est = getattr(model, "estimator", model)
    if hasattr(est, "embed"):
        return np.asarray(est.embed(rows))
    feats = features_of(model, rows)
    return feats.toarray() if hasattr(feats, "toarray") else feats


@dataclasses.dataclass(frozen=True)
class Badge(Strategy):
    """BADGE: k-means++ over gradient embeddings of the last layer (Ash et al. 2020)."""

    name = "badge"

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        proba = model.predict_proba(X_pool)
        grads = badge_embeddings(proba, _hidden(model, X_pool))
        idx = kmeans_pp_seeds(grads, n_instances, rng)
        return idx, np.linalg.norm(grads, axis=1)



register("bald", score_strategy("bald", mc_utility(S.bald), "mc"))
register("mean_std", score_strategy("mean_std", mc_utility(S.mean_std), "mc"),
         aliases=("mc_mean_std",))
register("variation_ratios",
         score_strategy("variation_ratios", mc_utility(S.variation_ratios), "mc"))
register("max_entropy", score_strategy("max_entropy", mc_utility(S.consensus_entropy), "mc"),
         aliases=("predictive_entropy",))
register("batchbald", BatchBALD, aliases=("batch_bald",))
register("badge", Badge)
