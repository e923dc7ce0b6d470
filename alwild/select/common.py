"""What every selector shares: the random generator, the batch-size check, dense rows.

>>> check_k(2, 5) is None
True
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from alwild.errors import UserValueError

__all__ = ["as_rng", "check_k", "dense", "row_sq_norms"]


def as_rng(random_state: int | np.random.Generator | None = None) -> np.random.Generator:
    """A NumPy generator from a seed, ``None`` or a generator (returned as it is).

    >>> rng = np.random.default_rng(0); as_rng(rng) is rng
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def check_k(k: int, n: int) -> None:
    """Raise a clear error unless ``k`` is a whole number of rows in ``1..n``.

    >>> check_k(6, 5)
    Traceback (most recent call last):
    ...
    alwild.errors.UserValueError: n_instances=6 but the pool has 5 rows: ask for between 1 and 5
    """
    if n == 0:
        raise UserValueError("the pool is empty: there is nothing left to query; "
                         "add unlabelled samples first")
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise UserValueError(f"n_instances={k!r} but the pool has {n} rows: "
                         f"ask for between 1 and {n}")


def row_sq_norms(X, block: int = 4096) -> np.ndarray:
    """Squared Euclidean norm of each row of a dense or sparse ``X``.

    >>> row_sq_norms(np.array([[3.0, 4.0]])).tolist()
    [25.0]
    """
    if not sparse.issparse(X):
        return np.einsum("ij,ij->i", X, X, dtype=float)
    # by row blocks: multiply() of a whole sparse pool allocates about three copies of it
    X = X.tocsr()
    out = np.empty(X.shape[0])
    for i in range(0, X.shape[0], block):
        rows = X[i : i + block]
        out[i : i + block] = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()
    return out


def dense(X) -> np.ndarray:
    """``X`` as a dense float array (sparse matrices are expanded).

    >>> dense(sparse.csr_matrix([[0, 2]])).tolist()
    [[0.0, 2.0]]
    """
    return np.asarray(X.toarray() if sparse.issparse(X) else X, dtype=float)
