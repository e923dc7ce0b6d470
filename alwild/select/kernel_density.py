"""Density of the pool around each row, to weight uncertainty by representativeness: a
Gaussian kernel (:func:`density`) or modAL's information density, the mean of
``1 / (1 + distance)`` (:func:`similarity_density`).

>>> X = np.array([[0.0], [0.1], [5.0]])
>>> d = density(X, X); bool(d[0] > d[2])
True
"""

from __future__ import annotations

import numpy as np

from alwild.errors import UserValueError
from alwild.select.common import dense, row_sq_norms

__all__ = ["density", "similarity_density"]


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
    X, reference = dense(X), dense(reference)
    if reference.shape[0] == 0:
        raise UserValueError("density needs at least one reference row")
    r_norm = row_sq_norms(reference)
    if bandwidth is None:
        sample = reference[: min(reference.shape[0], 500)]
        d2 = np.maximum(row_sq_norms(sample)[:, None] + row_sq_norms(sample)[None]
                        - 2.0 * sample @ sample.T, 0.0)
        positive = d2[d2 > 0]
        bandwidth = float(np.sqrt(np.median(positive))) if positive.size else 1.0
    if bandwidth <= 0:
        raise UserValueError(f"bandwidth must be positive, got {bandwidth}")
    out = np.empty(X.shape[0])
    for i in range(0, X.shape[0], chunk_size):
        xi = X[i : i + chunk_size]
        d2 = np.maximum(row_sq_norms(xi)[:, None] + r_norm[None] - 2.0 * xi @ reference.T, 0.0)
        out[i : i + chunk_size] = np.exp(-d2 / (2.0 * bandwidth**2)).mean(axis=1)
    return out



def similarity_density(X, reference, metric="euclidean", chunk_size: int = 2048) -> np.ndarray:
    """Mean similarity ``1 / (1 + d(x, r))`` of each row of ``X`` to the rows of
    ``reference`` (information density as modAL defines it), for any ``metric`` that
    scikit-learn's ``pairwise_distances`` takes (a name or a function of two rows).

    >>> similarity_density(np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])).tolist()
    [0.75, 0.75]
    """
    from sklearn.metrics import pairwise_distances

    if reference.shape[0] == 0:
        raise UserValueError("information density needs at least one reference row")
    out = np.empty(X.shape[0])
    for i in range(0, X.shape[0], chunk_size):
        d = pairwise_distances(X[i : i + chunk_size], reference, metric=metric)
        out[i : i + chunk_size] = (1.0 / (1.0 + d)).mean(axis=1)
    return out
