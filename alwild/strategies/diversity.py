"""Diversity and batch-mode strategies: ranked batch, core-set and cluster-margin.

``coreset`` needs no model (it works cold, on the features or a pipeline's encoding);
``ranked_batch`` trades uncertainty against novelty; ``cluster_margin`` spreads the
batch over k-means clusters of the most uncertain rows.

>>> from alwild.strategies import get_strategy
>>> get_strategy("k_center").name
'coreset'
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild import scores as S
from alwild.features import features_of, labelled_features
from alwild.pool import take_rows
from alwild.select import candidate_count, diverse_subset, k_center_greedy, ranked_batch, top_k
from alwild.strategies.base import Strategy, proba_utility, score_pool
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import register

__all__ = ["RankedBatch", "CoreSet", "ClusterMargin"]


@dataclasses.dataclass(frozen=True)
class RankedBatch(Strategy):
    """Ranked batch-mode sampling (Cardoso et al. 2017): uncertainty traded off with novelty."""

    name = "ranked_batch"

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        uncertainty = score_pool(model, proba_utility(S.least_confident), X_pool)
        feats = features_of(model, X_pool)
        idx = ranked_batch(uncertainty, feats, n_instances, labelled_features(model))
        return idx, uncertainty


@dataclasses.dataclass(frozen=True)
class CoreSet(Strategy):
    """Core-set / k-center greedy on features (or the pipeline's transformed features)."""

    name = "coreset"
    needs_model = False

    def select(self, model, X_pool, n_instances, rng):
        feats = features_of(model, X_pool)
        idx = k_center_greedy(feats, n_instances, labelled_features(model), rng)
        return idx, None



@dataclasses.dataclass(frozen=True)
class ClusterMargin(Strategy):
    """Cluster-margin: k-means over the top ``n_candidates`` by margin, one pick per cluster."""

    name = "cluster_margin"
    n_candidates: int | None = None

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        scores = score_pool(model, proba_utility(S.margin), X_pool)
        m = candidate_count(n_instances, scores.size, self.n_candidates)
        order = np.sort(top_k(scores, m, rng))
        feats = features_of(model, take_rows(X_pool, order))
        local = diverse_subset(scores[order], feats, n_instances, "cluster", None, rng)
        return order[local], scores


register("ranked_batch", RankedBatch, aliases=("uncertainty_batch_sampling",))
register("coreset", CoreSet, aliases=("k_center", "k_center_greedy"))
register("cluster_margin", ClusterMargin)
