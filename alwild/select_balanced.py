"""Selectors that keep rare regions and classes in view. Pure functions on arrays.

Plain top-k uncertainty keeps querying the hard cases of the common classes and can
miss a rare class entirely; these selectors spread a batch over the feature space
(:func:`cluster_stratified`), leave room for exploration (:func:`epsilon_greedy`), or
weight uncertainty by how representative a row is (:func:`density`).

>>> import numpy as np
>>> epsilon_greedy(np.array([0.1, 0.9, 0.5]), 2, epsilon=0.0, random_state=0).tolist()
[1, 2]
"""

from __future__ import annotations

import numpy as np

from alwild.select import _check_k, _dense, _rng, _row_sq_norms, top_k

__all__ = ["cluster_stratified", "epsilon_greedy", "density", "kmeans_seeds"]

_FIT_ROWS = 5000


def _kmeans_labels(X, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """k-means cluster of every row, fitted on at most ``_FIT_ROWS`` rows."""
    from sklearn.cluster import KMeans

    n = X.shape[0]
    fit_idx = rng.choice(n, _FIT_ROWS, replace=False) if n > _FIT_ROWS else np.arange(n)
    seed = int(rng.integers(2**31 - 1))
    km = KMeans(n_clusters=n_clusters, n_init=1, random_state=seed).fit(_dense(X[fit_idx]))
    return km.predict(_dense(X))


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
    _check_k(k, n)
    rng = _rng(random_state)
    n_clusters = min(n, n_clusters or k)
    labels = _kmeans_labels(X, n_clusters, rng)
    noise = rng.random(n)  # random tie-break inside a cluster
    order = np.lexsort((-noise, -scores, labels))
    rank = np.empty(n, dtype=np.intp)
    starts = np.searchsorted(labels[order], np.arange(labels.max() + 1))
    rank[order] = np.arange(n) - starts[labels[order]]
    # round r takes the r-th best of every cluster; within a round, the better score first
    return np.lexsort((-scores, rank))[:k]


def epsilon_greedy(
    scores: np.ndarray,
    k: int,
    epsilon: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Top-k, except that each pick is, with probability ``epsilon``, a uniform random row.

    >>> len(set(epsilon_greedy(np.arange(10.0), 5, epsilon=1.0, random_state=0).tolist()))
    5
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    _check_k(k, n)
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
    rng = _rng(random_state)
    n_random = int(rng.binomial(k, epsilon))
    greedy = top_k(scores, k - n_random, rng) if k > n_random else np.empty(0, np.intp)
    if n_random == 0:
        return greedy
    rest = np.setdiff1d(np.arange(n), greedy, assume_unique=True)
    explore = rng.choice(rest, n_random, replace=False)
    return np.concatenate([greedy, explore])


def density(
    X, reference, bandwidth: float | None = None, chunk_size: int = 2048
) -> np.ndarray:
    """Mean Gaussian-kernel similarity of each row of ``X`` to the rows of ``reference``.

    ``exp(-d² / (2 h²))`` with ``h`` the ``bandwidth`` (default: the median distance
    between reference rows). In ``(0, 1]``; high where the data is dense.

    >>> X = np.array([[0.0], [0.1], [5.0]])
    >>> d = density(X, X); bool(d[0] > d[2])
    True
    """
    X, reference = _dense(X), _dense(reference)
    if reference.shape[0] == 0:
        raise ValueError("density needs at least one reference row")
    r_norm = _row_sq_norms(reference)
    if bandwidth is None:
        sample = reference[: min(reference.shape[0], 500)]
        d2 = np.maximum(_row_sq_norms(sample)[:, None] + _row_sq_norms(sample)[None]
                        - 2.0 * sample @ sample.T, 0.0)
        positive = d2[d2 > 0]
        bandwidth = float(np.sqrt(np.median(positive))) if positive.size else 1.0
    if bandwidth <= 0:
        raise ValueError(f"bandwidth must be positive, got {bandwidth}")
    out = np.empty(X.shape[0])
    for i in range(0, X.shape[0], chunk_size):
        xi = X[i : i + chunk_size]
        d2 = np.maximum(_row_sq_norms(xi)[:, None] + r_norm[None] - 2.0 * xi @ reference.T, 0.0)
        out[i : i + chunk_size] = np.exp(-d2 / (2.0 * bandwidth**2)).mean(axis=1)
    return out


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
    _check_k(k, n)
    rng = _rng(random_state)
    feats = _dense(X)
    seed = int(rng.integers(2**31 - 1))
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(feats)
    d2 = np.maximum(_row_sq_norms(feats)[:, None] + _row_sq_norms(km.cluster_centers_)[None]
                    - 2.0 * feats @ km.cluster_centers_.T, 0.0)
    picks: list[int] = []
    taken = np.zeros(n, dtype=bool)
    for c in range(k):
        col = np.where(taken, np.inf, d2[:, c])
        pick = int(np.argmin(col))
        picks.append(pick)
        taken[pick] = True
    return np.asarray(picks, dtype=np.intp)
