"""Strategies that keep rare classes in view and correct sampling bias.

``class_quota`` reserves a share of each batch for rarely-predicted classes and
``class_balanced`` hunts for the likeliest members of the least-labelled classes (even
classes the model never predicts); ``cluster_stratified``, ``epsilon_greedy`` and
``density_weighted`` score the pool with entropy in bounded-memory chunks and hand the
scores to a pure selector from :mod:`alwild.select`; ``density_margin`` is information
density on the margin, which stays informative with many classes where entropy does not.

>>> from alwild.strategies import get_strategy
>>> get_strategy("epsilon_greedy", epsilon=0.2).epsilon
0.2
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from alwild import scores as S
from alwild.errors import UserValueError
from alwild.features import features_of
from alwild.pool import n_rows, take_rows
from alwild.select import (
    class_quota,
    cluster_stratified,
    density,
    epsilon_greedy,
    rare_class_hunt,
    similarity_density,
    top_k,
)
from alwild.strategies.base import Strategy, proba_utility, score_pool
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import register

__all__ = ["ClassQuota", "ClassBalanced", "ClusterStratified", "EpsilonGreedy",
           "DensityWeighted"]

_DENSITY_REFERENCE = 1000
_UNCERTAINTY = {"entropy": S.entropy, "margin": S.margin}


def _labelled_counts(model) -> np.ndarray | None:
    """How many labels the model was taught of each of its classes (None if unknown)."""
    y = getattr(model, "y_training", None)
    if y is None or not len(y):
        return None
    classes = model.classes_
    return np.bincount(np.searchsorted(classes, np.asarray(y)), minlength=len(classes))


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
        counts = _labelled_counts(model)
        idx = class_quota(scores, predicted, n_instances, self.rare_share, counts, rng)
        return idx, scores


@dataclasses.dataclass(frozen=True)
class ClassBalanced(Strategy):
    """Margin sampling where a ``rare_share`` of the picks hunts for very rare classes.

    Each hunting pick goes to the least-labelled class still in turn and takes the pool
    row most likely to belong to it (see :func:`alwild.select.rare_class_hunt`), so a
    class with a handful of labels, which the model may never predict, keeps being
    looked for; the other picks are the highest-margin rows.
    """

    name = "class_balanced"
    rare_share: float = 0.3

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        proba = score_pool(model, lambda m, rows: m.predict_proba(rows), X_pool,
                           width=len(model.classes_))
        scores = S.margin(proba)
        counts = _labelled_counts(model)
        if counts is None:
            counts = np.zeros(proba.shape[1], dtype=np.intp)
        idx = rare_class_hunt(scores, proba, n_instances, counts, self.rare_share, rng)
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
    """Information density (Settles & Craven 2008): uncertainty × density^beta.

    ``uncertainty`` is ``"entropy"`` (``density_weighted``) or ``"margin"``
    (``density_margin``). Density is the mean Gaussian-kernel similarity to a random
    sample of at most 1,000 pool rows, computed in chunks, so outliers with high
    uncertainty (often mislabelled or unlearnable rows on noisy data) do not win on
    uncertainty alone. With a ``metric`` (``"euclidean"``, ``"cosine"``, ... or a
    function of two rows) it is modAL's information density instead: the mean of
    ``1 / (1 + distance)``.
    """

    label: str = "density_weighted"
    beta: float = 1.0
    metric: Any = None
    uncertainty: str = "entropy"

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.label

    def __post_init__(self) -> None:
        if self.uncertainty not in _UNCERTAINTY:
            raise UserValueError(f"uncertainty must be one of {sorted(_UNCERTAINTY)}, "
                                 f"got {self.uncertainty!r}")

    def select(self, model, X_pool, n_instances, rng):
        uncertain = score_pool(model, proba_utility(_UNCERTAINTY[self.uncertainty]), X_pool)
        n = n_rows(X_pool)
        ref_idx = np.sort(rng.choice(n, min(n, _DENSITY_REFERENCE), replace=False))
        feats = features_of(model, X_pool)
        ref = features_of(model, take_rows(X_pool, ref_idx))
        if self.metric is None:
            weight = density(feats, ref)
        else:
            weight = similarity_density(feats, ref, self.metric)
        scores = uncertain * weight ** self.beta
        return top_k(scores, n_instances, rng), scores



register("class_quota", ClassQuota)
register("class_balanced", ClassBalanced, aliases=("rare_class_hunt",))
register("cluster_stratified", ClusterStratified, aliases=("stratified",))
register("epsilon_greedy", EpsilonGreedy, aliases=("epsilon",))
register("density_weighted", DensityWeighted, aliases=("information_density",))
register("density_margin", functools.partial(DensityWeighted, label="density_margin",
                                             uncertainty="margin"))
