"""Selectors that use k-means clusters to spread a batch over the feature space.

:func:`cluster_diverse` (cluster-margin: one pick per cluster of the top candidates),
:func:`cluster_stratified` (round-robin over clusters of the whole pool, so small clusters,
often where a rare class lives, get as many picks as big ones), :func:`kmeans_seeds`
(stratified seeds for a cold start) and :func:`diverse_subset`, the second stage of a
two-stage selection (used in memory by ``cluster_margin`` and on a cluster by
``alwild.scale.diversity.two_stage``).

>>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
>>> sorted(cluster_diverse(np.array([0.9, 0.8, 0.7, 0.6]), X, 2, random_state=0).tolist())
[0, 2]
"""

from __future__ import annotations

import numpy as np

from alwild.errors import UserValueError
from alwild.select.common import as_rng, check_k, dense, row_sq_norms
from alwild.select.kcenter import k_center_greedy
from alwild.select.topk import top_k

__all__ = [
    "cluster_diverse",
    "cluster_stratified",
    "kmeans_seeds",
    "diverse_subset",
    "candidate_count",
    "DIVERSITY_METHODS",
]

DIVERSITY_METHODS = ("k_center", "cluster")
_FIT_ROWS = 5000


def cluster_diverse(
    scores: np.ndarray,
    X,
    k: int,
    n_candidates: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Cluster-margin style diversity: k-means over the top-m candidates, one pick per cluster.

    Takes the ``n_candidates`` (default ``10 * k``) highest-scoring rows, clusters their
    features into ``k`` groups with k-means, and returns the highest-scoring row of each
    group, best first. Uncertain *and* different from each other (Citovsky et al. 2021).

    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> sorted(cluster_diverse(np.array([0.9, 0.8, 0.7, 0.6]), X, 2, random_state=0).tolist())
    [0, 2]
    """
    from sklearn.cluster import KMeans

    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    check_k(k, n)
    rng = as_rng(random_state)
    m = max(min(n, n_candidates if n_candidates is not None else 10 * k), k)
    cand = top_k(scores, m, rng)
    if m == k:
        return cand
    feats = dense(X[cand])
    seed = int(rng.integers(2**31 - 1))
    labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(feats)
    cand_scores = scores[cand]
    picks = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        picks.append(cand[members[np.argmax(cand_scores[members])]])
    picks = np.asarray(picks, dtype=np.intp)
    if picks.size < k:  # k-means may merge duplicate points into fewer clusters
        rest = np.setdiff1d(cand, picks, assume_unique=True)
        extra = rest[top_k(scores[rest], k - picks.size, rng)]
        picks = np.concatenate([picks, extra])
    return picks[np.argsort(-scores[picks], kind="stable")]



def _kmeans_labels(X, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """k-means cluster of every row, fitted on at most ``_FIT_ROWS`` rows."""
    from sklearn.cluster import KMeans

    n = X.shape[0]
    fit_idx = rng.choice(n, _FIT_ROWS, replace=False) if n > _FIT_ROWS else np.arange(n)
    seed = int(rng.integers(2**31 - 1))
    km = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed).fit(dense(X[fit_idx]))
    return km.predict(dense(X))


def cluster_stratified(
    scores: np.ndarray,
    X,
    k: int,
    n_clusters: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """The best-scoring rows of each k-means cluster, taken round-robin over clusters.

    The pool is split into ``n_clusters`` (default ``k``) clusters; picks go to the
    clusters in turn, so small clusters (often where a rare class lives) get as many
    picks as big ones. Within a cluster the highest score goes first.

    >>> X = np.array([[0.0], [0.1], [0.2], [9.0]])
    >>> sorted(cluster_stratified(np.array([0.9, 0.8, 0.7, 0.1]), X, 2, random_state=0).tolist())
    [0, 3]
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    check_k(k, n)
    rng = as_rng(random_state)
    n_clusters = min(n, n_clusters or k)
    labels = _kmeans_labels(X, n_clusters, rng)
    noise = rng.random(n)  # random tie-break inside a cluster
    order = np.lexsort((-noise, -scores, labels))
    rank = np.empty(n, dtype=np.intp)
    starts = np.searchsorted(labels[order], np.arange(labels.max() + 1))
    rank[order] = np.arange(n) - starts[labels[order]]
    # round r takes the r-th best of every cluster; within a round, the better score first
    return np.lexsort((-scores, rank))[:k]


def kmeans_seeds(
    X, k: int, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Stratified seeds for a cold start: the row nearest each of ``k`` k-means centres.

    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> sorted(np.asarray(X[kmeans_seeds(X, 2, random_state=0)]).ravel().round().tolist())
    [0.0, 5.0]
    """
    from sklearn.cluster import KMeans

    n = X.shape[0]
    check_k(k, n)
    rng = as_rng(random_state)
    feats = dense(X)
    seed = int(rng.integers(2**31 - 1))
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(feats)
    d2 = np.maximum(row_sq_norms(feats)[:, None] + row_sq_norms(km.cluster_centers_)[None]
                    - 2.0 * feats @ km.cluster_centers_.T, 0.0)
    picks: list[int] = []
    taken = np.zeros(n, dtype=bool)
    for c in range(k):
        col = np.where(taken, np.inf, d2[:, c])
        pick = int(np.argmin(col))
        picks.append(pick)
        taken[pick] = True
    return np.asarray(picks, dtype=np.intp)



def candidate_count(k: int, n: int, n_candidates: int | None = None) -> int:
    """How many top-scored candidates the first stage of a two-stage selection keeps.

    ``n_candidates`` (default ``10 * k``), but at least ``k`` and at most the ``n`` rows.

    >>> candidate_count(5, 1000), candidate_count(5, 30), candidate_count(5, 1000, 2)
    (50, 30, 5)
    """
    return min(max(n_candidates or 10 * k, k), n)


def diverse_subset(
    scores: np.ndarray,
    X,
    k: int,
    method: str = "cluster",
    labelled=None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """The second stage of a two-stage selection: ``k`` spread-out rows of the candidates.

    ``scores`` and ``X`` are the candidates' scores and features (in row order).
    ``"cluster"`` takes the best-scoring candidate of each of ``k`` k-means clusters
    (:func:`cluster_diverse` over all of them); ``"k_center"`` ignores the scores and
    runs farthest-first from the ``labelled`` rows (:func:`k_center_greedy`).

    >>> X = np.array([[0.0], [0.1], [5.0]])
    >>> diverse_subset(np.zeros(3), X, 1, "k_center", labelled=np.array([[0.0]])).tolist()
    [2]
    """
    if method not in DIVERSITY_METHODS:
        raise UserValueError(f"method must be one of {DIVERSITY_METHODS}, got {method!r}")
    if method == "cluster":
        return cluster_diverse(scores, X, k, np.shape(scores)[0], random_state)
    return k_center_greedy(X, k, labelled, random_state)
