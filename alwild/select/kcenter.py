"""Core-set selection: k-center greedy (farthest-first) and the distances it needs.

>>> k_center_greedy(np.array([[0.0], [1.0], [10.0]]), 1, labelled=np.array([[0.0]])).tolist()
[2]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from alwild.select.common import as_rng, check_k, row_sq_norms

__all__ = ["k_center_greedy", "min_sq_distances"]


def min_sq_distances(X, centers, chunk_size: int = 4096) -> np.ndarray:
    """Squared Euclidean distance from each row of ``X`` to its nearest row of ``centers``.

    Computed in chunks of rows of ``X`` and of ``centers`` so that no more than
    ``chunk_size**2`` distances exist at once.

    >>> min_sq_distances(np.array([[0.0], [3.0]]), np.array([[1.0]])).tolist()
    [1.0, 4.0]
    """
    n = X.shape[0]
    out = np.full(n, np.inf)
    if centers.shape[0] == 0:
        return out
    c_norm = row_sq_norms(centers)
    for i in range(0, n, chunk_size):
        xi = X[i : i + chunk_size]
        best = np.full(xi.shape[0], np.inf)
        for j in range(0, centers.shape[0], chunk_size):
            cross = xi @ centers[j : j + chunk_size].T
            cross = cross.toarray() if sparse.issparse(cross) else np.asarray(cross)
            # ||x - c||^2 = ||x||^2 + (||c||^2 - 2 x.c): minimise the part that varies with c
            cross *= -2.0
            cross += c_norm[None, j : j + chunk_size]
            np.minimum(best, cross.min(axis=1), out=best)
        out[i : i + chunk_size] = best + row_sq_norms(xi)
    return np.maximum(out, 0.0)


def k_center_greedy(
    X,
    k: int,
    labelled: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Core-set batch by farthest-first traversal (k-center greedy, Sener & Savarese 2018).

    ``X`` holds the candidate rows (raw features or any embedding); ``labelled`` holds
    the rows already labelled (the initial centres). Each pick is the candidate farthest
    from every centre so far; distances to the centres are cached and updated with one
    matrix-vector product per pick. With no labelled rows the first pick is random.

    >>> X = np.array([[0.0], [1.0], [10.0]])
    >>> k_center_greedy(X, 1, labelled=np.array([[0.0]])).tolist()
    [2]
    """
    n = X.shape[0]
    check_k(k, n)
    rng = as_rng(random_state)
    if labelled is None or labelled.shape[0] == 0:
        min_d = np.full(n, np.inf)
    else:
        min_d = min_sq_distances(X, labelled, chunk_size)
    x_norm = row_sq_norms(X)
    picks = np.empty(k, dtype=np.intp)
    for step in range(k):
        if np.isinf(min_d).all():
            pick = int(rng.integers(n))
        else:
            farthest = np.flatnonzero(min_d == min_d.max())
            pick = int(farthest[rng.integers(farthest.size)] if farthest.size > 1 else farthest[0])
        picks[step] = pick
        centre = X[pick : pick + 1]
        cross = X @ (centre.T.toarray() if sparse.issparse(centre) else centre.T)
        d = x_norm + x_norm[pick] - 2.0 * np.asarray(cross).ravel()
        np.minimum(min_d, d, out=min_d)
        min_d[pick] = -np.inf
    return picks

