"""Strategies that keep rare classes in view and correct sampling bias.

``class_quota`` reserves a share of each batch for rarely-predicted classes;
``cluster_stratified``, ``epsilon_greedy`` and ``density_weighted`` score the pool with
entropy in bounded-memory chunks and hand the scores to a pure selector from
:mod:`alwild.select`.

>>> from alwild.strategies import get_strategy
>>> get_strategy("epsilon_greedy", epsilon=0.2).epsilon
0.2
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from alwild import scores as S
from alwild.features import features_of
from alwild.pool import n_rows, take_rows
from alwild.select import (
    class_quota,
    cluster_stratified,
    density,
    epsilon_greedy,
    similarity_density,
    top_k,
)
from alwild.strategies.base import Strategy, proba_utility, score_pool
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import register

__all__ = ["ClassQuota", "ClusterStratified", "EpsilonGreedy", "DensityWeighted"]

_DENSITY_REFERENCE = 1000


@dataclasses.dataclass(frozen=True)
class ClassQuota(Strategy):
    """Entropy sampling with a share of each batch reserved for rarely-predicted classes."""

    name = "class_quota"
    rare_share: float = 0.3

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        def both(m, rows):
            proba = m.predict_proba(rows)
            return np.column_stack([S.entropy(proba), proba.argmax(axis=1)])

        out = score_pool(model, both, X_pool, width=2)
        scores, predicted = out[:, 0], out[:, 1].astype(np.intp)
        y = getattr(model, "y_training", None)
        counts = None
        if y is not None and len(y):
            classes = model.classes_
            pos = np.searchsorted(classes, np.asarray(y))
            counts = np.bincount(pos, minlength=len(classes))
        idx = class_quota(scores, predicted, n_instances, self.rare_share, counts, rng)
        return idx, scores



@dataclasses.dataclass(frozen=True)
class _EntropyBased(Strategy):
    def check(self, model):
        require_proba(model, self.name)

    def _entropy(self, model, X_pool) -> np.ndarray:
        return score_pool(model, proba_utility(S.entropy), X_pool)


@dataclasses.dataclass(frozen=True)
class ClusterStratified(_EntropyBased):
    """Entropy within k-means clusters of the pool, picks spread round-robin over clusters.

    ``n_clusters`` defaults to the batch size.
    """

    name = "cluster_stratified"
    n_clusters: int | None = None

    def select(self, model, X_pool, n_instances, rng):
        scores = self._entropy(model, X_pool)
        feats = features_of(model, X_pool)
        idx = cluster_stratified(scores, feats, n_instances, self.n_clusters, rng)
        return idx, scores


@dataclasses.dataclass(frozen=True)
class EpsilonGreedy(_EntropyBased):
    """Entropy sampling where an ``epsilon`` share of picks explores uniformly at random."""

    name = "epsilon_greedy"
    epsilon: float = 0.1

    def select(self, model, X_pool, n_instances, rng):
        scores = self._entropy(model, X_pool)
        return epsilon_greedy(scores, n_instances, self.epsilon, rng), scores


@dataclasses.dataclass(frozen=True)
class DensityWeighted(_EntropyBased):
    """Information density (Settles & Craven 2008): entropy × density^beta.

    Density is the mean Gaussian-kernel similarity to a random sample of at most 1,000
    pool rows, so outliers with high uncertainty do not win on uncertainty alone. With a
    ``metric`` (``"euclidean"``, ``"cosine"``, ... or a function of two rows) it is
    modAL's information density instead: the mean of ``1 / (1 + distance)``.
    """

    name = "density_weighted"
    beta: float = 1.0
    metric: Any = None

    def select(self, model, X_pool, n_instances, rng):
        entropy = self._entropy(model, X_pool)
        n = n_rows(X_pool)
        ref_idx = np.sort(rng.choice(n, min(n, _DENSITY_REFERENCE), replace=False))
        feats = features_of(model, X_pool)
        ref = features_of(model, take_rows(X_pool, ref_idx))
        if self.metric is None:
            weight = density(feats, ref)
        else:
            weight = similarity_density(feats, ref, self.metric)
        scores = entropy * weight ** self.beta
        return top_k(scores, n_instances, rng), scores



register("class_quota", ClassQuota)
register("cluster_stratified", ClusterStratified, aliases=("stratified",))
register("epsilon_greedy", EpsilonGreedy, aliases=("epsilon",))
register("density_weighted", DensityWeighted, aliases=("information_density",))
