"""modAL's ``modAL.utils.data``: the data types a pool may have, and stacking them, by
:func:`alwild.pool.append_rows`.

>>> import numpy as np
>>> data_vstack([np.zeros((1, 2)), np.ones((1, 2))]).tolist()
[[0.0, 0.0], [1.0, 1.0]]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Union

import numpy as np
import pandas as pd
import scipy.sparse as sp

from alwild.errors import UserTypeError
from alwild.pool import append_rows, n_rows, take_rows

__all__ = ["modALinput", "data_vstack", "data_hstack", "add_row", "retrieve_rows", "drop_rows",
           "enumerate_data", "data_shape"]

modALinput = Union[sp.csr_matrix, pd.DataFrame, np.ndarray, list]  # noqa: UP007 - modAL's name


def data_vstack(blocks: Sequence[modALinput]) -> modALinput:
    """The blocks stacked row-wise, in the type of the first; TypeError for other types."""
    return functools.reduce(append_rows, blocks)


def retrieve_rows(X: modALinput, idx) -> modALinput:
    """The rows ``idx`` of ``X`` (a single index gives a single row).

    >>> retrieve_rows([[1, 2], [3, 4]], 0)
    [1, 2]
    """
    return take_rows(X, idx)


def data_hstack(blocks: Sequence[modALinput]) -> modALinput:
    """The blocks side by side (columns appended), in the type of the first.

    >>> data_hstack([np.zeros((2, 1)), np.ones((2, 1))]).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    first = blocks[0]
    if any(sp.issparse(b) for b in blocks):
        return sp.hstack(blocks)
    if isinstance(first, pd.DataFrame):
        return pd.concat(blocks, axis=1)
    if isinstance(first, (np.ndarray, list)):
        out = np.hstack(blocks)
        return out.tolist() if isinstance(first, list) else out
    if type(first).__module__.startswith("torch"):
        import torch

        return torch.cat(blocks, dim=1)
    raise UserTypeError(f"cannot stack {type(first).__name__} blocks: use NumPy arrays, SciPy "
                        "sparse matrices, pandas DataFrames, lists or torch tensors")


def add_row(X: modALinput, row) -> modALinput:
    """``X`` with one more row.

    >>> add_row(np.zeros((1, 2)), np.ones(2)).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    if isinstance(X, (np.ndarray, list)):
        row = np.reshape(row, (1, -1))
        return append_rows(X, row.tolist() if isinstance(X, list) else row)
    return append_rows(X, row)


def drop_rows(X: modALinput, idx) -> modALinput:
    """``X`` without the rows ``idx``.

    >>> drop_rows([[1], [2], [3]], [0, 2])
    [[2]]
    """
    keep = np.ones(n_rows(X), dtype=bool)
    keep[idx] = False
    return take_rows(X, np.flatnonzero(keep))


def enumerate_data(X: modALinput):
    """``(i, row i)`` for every row of ``X`` (a DataFrame's rows as Series).

    >>> [i for i, _ in enumerate_data(np.zeros((2, 3)))]
    [0, 1]
    """
    return ((i, take_rows(X, np.intp(i))) for i in range(n_rows(X)))


def data_shape(X: modALinput) -> tuple:
    """The shape of ``X`` (a list of rows as an array's).

    >>> data_shape([[1, 2], [3, 4], [5, 6]])
    (3, 2)
    """
    return tuple(X.shape) if hasattr(X, "shape") else np.shape(X)
