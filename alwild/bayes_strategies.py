"""Bayesian deep-learning strategies: MC-sample scores, BatchBALD and BADGE, registered by name.

They need a model with ``predict_proba_samples(X) -> (T, n, C)`` (the MC-dropout torch
adapter or a deep ensemble in ``alwild.models``) or a ``Committee``; BADGE needs class
probabilities and the input of the last linear layer (``embed(X)``; for a linear
scikit-learn model that input is the features themselves).

>>> "batchbald" in available_strategies() and "badge" in available_strategies()
True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild import bayes_select, select
from alwild import scores as S
from alwild.pool import take_rows
from alwild.strategies import (
    ScoreStrategy,
    Strategy,
    _score_pool,
    available_strategies,
    register,
)
from alwild.support import features_of, mc_proba, require_mc, require_proba

__all__ = ["BatchBALD", "Badge", "available_strategies"]


def _mc_utility(score):
    return lambda model, rows: score(mc_proba(model, rows))


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
        scores = _score_pool(model, _mc_utility(S.bald), X_pool)
        m = min(scores.size, max(n_instances, self.n_candidates or 20 * n_instances))
        cand = np.sort(select.top_k(scores, m, rng))
        samples = mc_proba(model, take_rows(X_pool, cand))
        local = bayes_select.batchbald(samples, n_instances, self.max_configs, random_state=rng)
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
        grads = bayes_select.badge_embeddings(proba, _hidden(model, X_pool))
        idx = bayes_select.kmeans_pp_seeds(grads, n_instances, rng)
        return idx, np.linalg.norm(grads, axis=1)


def _mc(label: str, score):
    return lambda **p: ScoreStrategy(label=label, utility=_mc_utility(score), needs="mc", **p)


register("mean_std", _mc("mean_std", S.mean_std), aliases=("mc_mean_std",))
register("variation_ratios", _mc("variation_ratios", S.variation_ratios))
register("max_entropy", _mc("max_entropy", S.consensus_entropy), aliases=("predictive_entropy",))
register("batchbald", BatchBALD, aliases=("batch_bald",))
register("badge", Badge)
