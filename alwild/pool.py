"""Reading a pool in bounded-memory chunks, whatever its type.

A pool may be a NumPy array, a NumPy memmap, a SciPy sparse matrix or a pandas
DataFrame. Chunks are views where the type allows; a memmap backed by a file is read
with positioned reads, so the pages of rows already scored never stay resident.

>>> import numpy as np
>>> [(a, b) for a, b, _ in iter_chunks(np.zeros((5, 2)), chunk_size=2)]
[(0, 2), (2, 4), (4, 5)]
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from alwild.errors import UserTypeError, UserValueError

__all__ = [
    "append_rows",
    "n_rows",
    "n_features",
    "take_rows",
    "iter_chunks",
    "map_chunks",
    "nonfinite_rows",
    "raise_if_nonfinite",
    "same_rows",
    "DEFAULT_CHUNK_SIZE",
]

DEFAULT_CHUNK_SIZE = 16_384


def n_rows(X) -> int:
    """Number of samples in a pool of any supported type."""
    if hasattr(X, "shape"):
        return int(X.shape[0])
    return len(X)


def n_features(X) -> int | None:
    """Number of features, or None for one-dimensional pools (e.g. a list of texts)."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) < 2:
        return None
    return int(shape[1])


def take_rows(X, idx: np.ndarray):
    """The rows ``idx`` of ``X``, keeping its type (DataFrame rows by position); a single
    index gives a single row.

    >>> take_rows([[1, 2], [3, 4]], np.int64(1))
    [3, 4]
    """
    idx = np.asarray(idx, dtype=np.intp)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[idx] if idx.ndim else X.iloc[int(idx)]
    if isinstance(X, list):
        return [X[i] for i in idx] if idx.ndim else X[int(idx)]
    mapped = _MemmapFile.of(X)
    if mapped is not None:
        if not idx.ndim:
            return take_rows(X, idx[None])[0]
        if idx.size and (idx.min() < -X.shape[0] or idx.max() >= X.shape[0]):
            raise IndexError(f"row index out of range for a pool of {X.shape[0]} rows")
        return mapped.take(np.where(idx < 0, idx + X.shape[0], idx))
    return X[idx]


class _MemmapFile:
    """Positioned reads of a file-backed 2-D memmap, bypassing its mapping.

    Faulting rows in through the mapping maps whole read-around windows (megabytes per
    random row on some disks) that then count as resident; positioned reads copy exactly
    the bytes asked for.
    """

    def __init__(self, X: np.memmap) -> None:
        self.filename, self.offset = X.filename, X.offset
        self.shape, self.dtype = X.shape, X.dtype
        self.row_bytes = X.shape[1] * X.dtype.itemsize

    @classmethod
    def of(cls, X) -> _MemmapFile | None:
        # Only a memmap that owns its mapping has a trustworthy file offset (a slice of
        # one inherits its parent's offset); others are read through the mapping.
        if not isinstance(X, np.memmap) or not isinstance(X.base, mmap.mmap):
            return None
        if X.filename is None or not X.flags.c_contiguous or X.ndim != 2:
            return None
        if X.mode == "c":  # copy-on-write: changes live in the mapping, not in the file
            return None
        return cls(X)

    def _read_into(self, fd: int, out: np.ndarray, first_row: int) -> None:
        view = memoryview(out).cast("B")
        pos, want, got = self.offset + first_row * self.row_bytes, out.nbytes, 0
        while got < want:
            n = os.preadv(fd, [view[got:]], pos + got)
            if n == 0:
                raise OSError(f"unexpected end of {self.filename} at row {first_row}")
            got += n

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as a new array."""
        out = np.empty((stop - start, self.shape[1]), dtype=self.dtype)
        with open(self.filename, "rb", buffering=0) as fh:
            self._read_into(fh.fileno(), out, start)
        return out

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` (any order) as a new array."""
        out = np.empty((idx.size, self.shape[1]), dtype=self.dtype)
        with open(self.filename, "rb", buffering=0) as fh:
            for i, row in enumerate(idx):
                self._read_into(fh.fileno(), out[i], int(row))
        return out


def iter_chunks(X, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[tuple[int, int, object]]:
    """Yield ``(start, stop, rows)`` over the pool, ``chunk_size`` rows at a time."""
    if chunk_size < 1:
        raise UserValueError(f"chunk_size must be a positive integer, got {chunk_size}")
    n = n_rows(X)
    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    mapped = _MemmapFile.of(X)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        if mapped is not None:
            yield start, stop, mapped.rows(start, stop)
        elif isinstance(X, (pd.DataFrame, pd.Series)):
            yield start, stop, X.iloc[start:stop]
        else:
            yield start, stop, X[start:stop]


def map_chunks(
    fn: Callable[[object], np.ndarray],
    X,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    n_jobs: int | None = None,
    width: int = 1,
) -> np.ndarray:
    """Apply ``fn`` (rows -> one float per row) to every chunk; return the scores.

    Chunks run on ``n_jobs`` threads (default: every core) with BLAS limited to one
    thread each, so the cores are used without oversubscription. At most ``n_jobs``
    chunks are in flight; the result is one float64 per pool row (``width`` per row when
    ``fn`` returns several columns). A chunk whose scoring fails, or gives NaN, because
    of NaN or infinite features is reported by the pool rows at fault.
    """
    n = n_rows(X)
    out = np.empty(n if width == 1 else (n, width), dtype=np.float64)
    jobs = n_jobs or os.cpu_count() or 1
    chunks = iter_chunks(X, chunk_size)

    def run(item) -> None:
        start, stop, rows = item
        try:
            values = fn(rows)
        except ValueError as err:
            raise_if_nonfinite(rows, start, err)
            raise
        if np.isnan(values).any():
            raise_if_nonfinite(rows, start, None)
        out[start:stop] = values

    if jobs == 1 or n <= chunk_size:
        for item in chunks:
            run(item)
        return out
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(jobs) as ex:
        pending = []
        for item in chunks:
            pending.append(ex.submit(run, item))
            if len(pending) >= jobs:
                pending.pop(0).result()
        for fut in pending:
            fut.result()
    return out


def raise_if_nonfinite(rows, start: int = 0, cause: Exception | None = None) -> None:
    """Raise a ValueError naming the first rows (offset by ``start``) with NaN or infinity."""
    bad = nonfinite_rows(rows)
    if bad:
        where = [start + b for b in bad]
        raise UserValueError(
            f"the pool has NaN or infinite values (first bad rows: {where}); drop or impute "
            "them before querying, or use an estimator that accepts missing values "
            "(e.g. make_pipeline(SimpleImputer(), estimator))"
        ) from cause


def nonfinite_rows(rows, limit: int = 5) -> list[int]:
    """Positions of the first ``limit`` rows holding NaN or infinity (numeric data only)."""
    if isinstance(rows, (pd.DataFrame, pd.Series)):
        num = rows.select_dtypes("number") if isinstance(rows, pd.DataFrame) else rows
        vals = num.to_numpy(dtype=float, na_value=np.nan)
        if vals.ndim == 1:
            vals = vals[:, None]
        bad = ~np.isfinite(vals).all(axis=1)
        return np.flatnonzero(bad)[:limit].tolist()
    if sparse.issparse(rows):
        if rows.format not in ("csr", "csc", "coo"):
            rows = rows.tocsr()
        data_bad = ~np.isfinite(rows.data)
        if not data_bad.any():
            return []
        coo = rows.tocoo()
        return sorted(set(coo.row[~np.isfinite(coo.data)].tolist()))[:limit]
    arr = np.asarray(rows)
    if not np.issubdtype(arr.dtype, np.number):
        return []
    arr = arr.reshape(arr.shape[0], -1)
    return np.flatnonzero(~np.isfinite(arr).all(axis=1))[:limit].tolist()


def same_rows(a, b) -> bool:
    """Whether ``a`` and ``b`` hold the same rows in the same order, whatever their
    containers (NumPy, SciPy sparse, pandas, lists, torch); a missing value matches a
    missing one.

    >>> same_rows(np.array([[1.0, np.nan]]), pd.DataFrame([[1.0, np.nan]]))
    True
    >>> same_rows([[1, 2], [3, 4]], np.array([[3, 4], [1, 2]]))
    False
    """
    x, z = _as_array(a), _as_array(b)
    if x.shape != z.shape:
        return False
    try:
        return bool(np.array_equal(x, z, equal_nan=True))
    except TypeError:  # object arrays (text, categories): element by element
        return bool(np.all((x == z) | (pd.isna(x) & pd.isna(z))))


def _as_array(X) -> np.ndarray:
    """``X``'s values as one NumPy array (for comparing, not for computing)."""
    if type(X).__module__.startswith("torch"):
        return X.detach().cpu().numpy()
    if sparse.issparse(X):
        return X.toarray()
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.to_numpy()
    if not isinstance(X, list):
        return np.asarray(X)
    try:  # as objects: NumPy would turn a row of numbers and text into text
        return np.array(X, dtype=object)
    except ValueError:  # rows nested unevenly: one object per row
        out = np.empty(len(X), dtype=object)
        out[:] = X
        return out


def append_rows(X, rows):
    """``X`` with ``rows`` appended, keeping the container type (a NumPy array, SciPy
    sparse matrix, DataFrame, list or torch tensor).

    >>> append_rows(np.zeros((1, 2)), np.ones((1, 2))).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    if X is None:
        return rows
    if np.isscalar(X) or np.isscalar(rows):
        raise UserTypeError(
            f"cannot append rows to or from a {type(X).__name__}: use NumPy arrays, SciPy "
            "sparse matrices, pandas DataFrames, lists or torch tensors"
        )
    if type(X).__module__.startswith("torch"):
        import torch

        return torch.cat([X, rows])
    if isinstance(X, (pd.DataFrame, pd.Series)):
        if not isinstance(rows, (pd.DataFrame, pd.Series)):
            rows = pd.DataFrame(rows, columns=X.columns)
        return pd.concat([X, rows], ignore_index=True)
    if sparse.issparse(X) or sparse.issparse(rows):
        return sparse.vstack([X, rows], format="csr")
    if isinstance(X, list):
        return X + list(rows)
    return np.concatenate([np.asarray(X), np.asarray(rows)], axis=0)

