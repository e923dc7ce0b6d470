"""Ranked batch-mode selection (Cardoso et al. 2017): uncertainty traded off with novelty.

>>> ranked_batch(np.array([0.9, 0.1]), np.array([[0.0], [1.0]]), 1).tolist()
[0]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from alwild.select.common import check_k, row_sq_norms
from alwild.select.kcenter import min_sq_distances

__all__ = ["ranked_batch"]


def ranked_batch(
    uncertainty: np.ndarray,
    X,
    k: int,
    labelled: np.ndarray | None = None,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Ranked batch-mode selection (Cardoso et al. 2017).

    Each step picks ``argmax alpha * (1 - similarity) + (1 - alpha) * uncertainty`` where
    ``similarity = 1 / (1 + distance to the nearest labelled or already-picked row)`` and
    ``alpha = n_unlabelled / (n_unlabelled + n_labelled)``, where each pick moves a row
    from the unlabelled to the labelled count (as in the paper and modAL). Distances are
    cached.

    >>> ranked_batch(np.array([0.1, 0.1, 0.1]), np.array([[0.0], [1.0], [5.0]]), 1,
    ...              labelled=np.array([[0.0]])).tolist()
    [2]
    """
    uncertainty = np.asarray(uncertainty, dtype=float)
    n = X.shape[0]
    check_k(k, n)
    n_labelled = 0 if labelled is None else labelled.shape[0]
    if n_labelled == 0:
        first = int(np.argmax(uncertainty))
        min_d = np.full(n, np.inf)
    else:
        first = None
        min_d = min_sq_distances(X, labelled, chunk_size)
    x_norm = row_sq_norms(X)
    picks = np.empty(k, dtype=np.intp)
    taken = np.zeros(n, dtype=bool)
    for step in range(k):
        if step == 0 and first is not None:
            pick = first
        else:
            alpha = (n - step) / (n + n_labelled)
            similarity = 1.0 / (1.0 + np.sqrt(min_d))
            utility = alpha * (1.0 - similarity) + (1.0 - alpha) * uncertainty
            utility[taken] = -np.inf
            pick = int(np.argmax(utility))
        picks[step] = pick
        taken[pick] = True
        centre = X[pick : pick + 1]
        cross = X @ (centre.T.toarray() if sparse.issparse(centre) else centre.T)
        d = np.maximum(x_norm + x_norm[pick] - 2.0 * np.asarray(cross).ravel(), 0.0)
        np.minimum(min_d, d, out=min_d)
    return picks

