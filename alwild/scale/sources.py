"""Pools too large for one machine, described as partitions that workers load themselves.

A :class:`ShardedPool` is a list of :class:`Partition` objects: a name (the shard's
file, or the block of a Dask collection), the global index of its first row, its row
count, and a picklable loader. The client only reads metadata (Parquet footers, ``.npy``
headers, Dask chunk sizes); rows are read by the worker that scores them.

Supported pools: Parquet shards (a glob or a list of paths, local or object-store URLs
such as ``s3://bucket/shards/*.parquet``, read by the workers through fsspec), ``.npy``
files (memory mapped, split into row ranges), a ``dask.array`` or a ``dask.dataframe``.

>>> import numpy as np, dask.array as da
>>> pool = open_pool(da.zeros((10, 3), chunks=(4, 3)))
>>> [(p.offset, p.n_rows) for p in pool.partitions]
[(0, 4), (4, 4), (8, 2)]
"""

from __future__ import annotations

import dataclasses
import functools
import glob
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alwild.errors import UserValueError
from alwild.objectstore import expand_urls, filesystem, is_url

__all__ = [
    "Partition",
    "ShardedPool",
    "open_pool",
    "check_shard_schemas",
    "expected_columns",
    "shard_meta",
    "load_rows",
]

NPY_ROWS_PER_PARTITION = 1 << 20


@dataclasses.dataclass(frozen=True)
class Partition:
    """One piece of the pool: ``load()`` returns its rows (an array or a DataFrame).

    For a Dask collection ``load`` is the block's ``Delayed`` object instead.
    """

    name: str
    offset: int
    n_rows: int
    load: Callable[[], Any] = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class ShardedPool:
    """A pool as partitions, with the feature columns every partition provides."""

    partitions: tuple[Partition, ...]
    columns: tuple[str, ...] | None = None
    width: int | None = None

    @property
    def n_features(self) -> int | None:
        """Number of feature columns, where known without reading rows."""
        return len(self.columns) if self.columns is not None else self.width

    @property
    def n_rows(self) -> int:
        return sum(p.n_rows for p in self.partitions)

    def partition_of(self, index: np.ndarray) -> np.ndarray:
        """Position in ``partitions`` of each global row ``index``."""
        starts = np.array([p.offset for p in self.partitions], dtype=np.int64)
        return np.searchsorted(starts, np.asarray(index, dtype=np.int64), side="right") - 1


def _open_shard(path: str, storage_options: dict | None):
    """A readable file for a local path, or for a URL through its fsspec filesystem."""
    if not is_url(path):
        return open(path, "rb")
    fs, inner = filesystem(path, storage_options)
    return fs.open(inner, "rb")


@dataclasses.dataclass(frozen=True)
class _ParquetShard:
    path: str
    columns: tuple[str, ...]
    as_frame: bool
    storage_options: dict | None = dataclasses.field(default=None, hash=False, compare=False)

    def __call__(self):
        import pyarrow.parquet as pq

        with _open_shard(self.path, self.storage_options) as fh:
            table = pq.read_table(fh, columns=list(self.columns))
        if self.as_frame:
            return table.to_pandas()
        return np.column_stack([table.column(c).to_numpy() for c in self.columns])


@dataclasses.dataclass(frozen=True)
class _NpyRange:
    path: str
    start: int
    stop: int

    def __call__(self) -> np.ndarray:
        rows = np.load(self.path, mmap_mode="r")[self.start : self.stop]
        return np.array(rows)


def load_rows(source):
    """The rows of a partition: call its loader, or take a computed Dask block as is."""
    return source() if callable(source) else source


def expected_columns(model: Any) -> tuple[str, ...] | None:
    """Feature names the model was fitted on (``feature_names_in_``), if it has them."""
    for obj in (model, getattr(model, "estimator", None), *getattr(model, "learner_list", ())):
        obj = getattr(obj, "estimator", obj)
        names = getattr(obj, "feature_names_in_", None)
        if names is not None:
            return tuple(str(c) for c in names)
    return None


def _expand(spec: str | os.PathLike | Sequence, storage_options: dict | None) -> list[str]:
    if is_url(spec) or (not isinstance(spec, (str, os.PathLike)) and any(map(is_url, spec))):
        specs = [spec] if isinstance(spec, str) else list(spec)
        return [url for one in specs for url in expand_urls(str(one), storage_options)]
    if isinstance(spec, (str, os.PathLike)):
        spec = str(spec)
        paths = sorted(glob.glob(spec)) if glob.has_magic(spec) else [spec]
        if not paths:
            raise FileNotFoundError(f"no file matches {spec!r}: check the pool path or pattern")
    else:
        paths = [str(p) for p in spec]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(f"pool file not found: {missing[0]!r}")
    return paths


def check_shard_schemas(paths: Sequence[str], schemas: Sequence[Any],
                        columns: Sequence[str] | None) -> tuple[str, ...]:
    """The feature columns of Parquet shards whose schemas must agree; names the odd shard."""
    first = schemas[0]
    wanted = tuple(columns) if columns is not None else tuple(first.names)
    for path, schema in zip(paths, schemas, strict=True):
        missing = [c for c in wanted if c not in schema.names]
        if missing:
            raise UserValueError(
                f"shard {path!r} lacks the columns {missing} that the model needs "
                f"(it has {list(schema.names)}): fix or remove that shard"
            )
        for c in wanted:
            want_type, got_type = first.field(c).type, schema.field(c).type
            if got_type != want_type:
                raise UserValueError(
                    f"shard {path!r} stores column {c!r} as {got_type}, but {paths[0]!r} "
                    f"stores it as {want_type}: every shard needs the same schema"
                )
        if columns is None and tuple(schema.names) != wanted:
            raise UserValueError(
                f"shard {path!r} has columns {list(schema.names)}, but {paths[0]!r} has "
                f"{list(wanted)}: every shard needs the same schema (or pass columns=...)"
            )
    numeric = [c for c in wanted if not _is_numeric(first.field(c).type)]
    if numeric and columns is None:
        raise UserValueError(
            f"the pool has non-numeric columns {numeric}: fit the model on a DataFrame (so it "
            "knows its feature names) or choose the feature columns explicitly"
        )
    return wanted


def _is_numeric(arrow_type) -> bool:
    import pyarrow.types as pat

    return pat.is_integer(arrow_type) or pat.is_floating(arrow_type) or pat.is_boolean(arrow_type)


def _parquet_pool(paths: list[str], columns, as_frame: bool, read_meta,
                  storage_options: dict | None) -> ShardedPool:
    metas = read_meta(paths)
    wanted = check_shard_schemas(paths, [schema for _, schema in metas], columns)
    parts, offset = [], 0
    for path, (n, _) in zip(paths, metas, strict=True):
        load = _ParquetShard(path, wanted, as_frame, storage_options)
        parts.append(Partition(path, offset, n, load))
        offset += n
    return ShardedPool(tuple(parts), wanted)


def _npy_pool(paths: list[str], rows_per_partition: int) -> ShardedPool:
    parts, offset, width = [], 0, None
    for path in paths:
        arr = np.load(path, mmap_mode="r")
        if arr.ndim != 2:
            raise UserValueError(
                f"{path!r} holds an array of shape {arr.shape}; a pool needs 2-D rows")
        if width is not None and arr.shape[1] != width:
            raise UserValueError(
                f"{path!r} has {arr.shape[1]} columns but {paths[0]!r} has {width}: every "
                "file of the pool needs the same columns"
            )
        width = arr.shape[1]
        for start in range(0, arr.shape[0], rows_per_partition):
            stop = min(start + rows_per_partition, arr.shape[0])
            name = f"{path}[{start}:{stop}]"
            load = _NpyRange(path, start, stop)
            parts.append(Partition(name, offset + start, stop - start, load))
        offset += arr.shape[0]
    return ShardedPool(tuple(parts), width=width)


def _dask_array_pool(arr) -> ShardedPool:
    if arr.ndim != 2:
        raise UserValueError(f"a pool needs 2-D rows; got a dask array of shape {arr.shape}")
    if len(arr.chunks[1]) > 1:
        arr = arr.rechunk({1: -1})
    blocks = arr.to_delayed().ravel()
    parts, offset = [], 0
    for i, (block, n) in enumerate(zip(blocks, arr.chunks[0], strict=True)):
        parts.append(Partition(f"dask.array block {i}", offset, int(n), block))
        offset += int(n)
    return ShardedPool(tuple(parts), width=int(arr.shape[1]))


def _to_array(block: pd.DataFrame) -> np.ndarray:
    return block.to_numpy()


def _dask_frame_pool(frame, columns, as_frame: bool, client) -> ShardedPool:
    wanted = tuple(columns) if columns is not None else tuple(str(c) for c in frame.columns)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise UserValueError(f"the dask dataframe lacks the columns {missing} that the model needs")
    frame = frame[list(wanted)]
    lengths = frame.map_partitions(len).compute(**({"scheduler": client} if client else {}))
    blocks = frame.to_delayed()
    if not as_frame:
        import dask

        blocks = [dask.delayed(_to_array)(b) for b in blocks]
    parts, offset = [], 0
    for i, (block, n) in enumerate(zip(blocks, lengths, strict=True)):
        parts.append(Partition(f"dask.dataframe partition {i}", offset, int(n), block))
        offset += int(n)
    return ShardedPool(tuple(parts), wanted)


def shard_meta(path: str, storage_options: dict | None = None) -> tuple[int, Any]:
    """Row count and Arrow schema of one Parquet shard (a path or URL), from its footer
    only."""
    import pyarrow.parquet as pq

    try:
        with _open_shard(path, storage_options) as fh:
            meta = pq.read_metadata(fh)
    except Exception as err:  # pyarrow raises several types for a corrupt footer
        raise UserValueError(f"shard {path!r} is not a readable Parquet file: {err}") from err
    return int(meta.num_rows), meta.schema.to_arrow_schema()


def _local_meta(paths: list[str], storage_options: dict | None) -> list[tuple[int, Any]]:
    return [shard_meta(p, storage_options) for p in paths]


def open_pool(
    spec,
    columns: Sequence[str] | None = None,
    rows_per_partition: int = NPY_ROWS_PER_PARTITION,
    as_frame: bool | None = None,
    client=None,
    read_meta: Callable[[list[str]], list[tuple[int, Any]]] | None = None,
    storage_options: dict | None = None,
) -> ShardedPool:
    """Describe a pool as partitions without reading its rows.

    ``spec`` is a glob or list of ``.parquet``/``.npy`` paths, a ``dask.array`` or a
    ``dask.dataframe``. ``columns`` picks the feature columns (default: all, which must
    be numeric); rows are given to the model as a DataFrame when ``as_frame`` (default:
    when ``columns`` are given), else as a float array. ``read_meta`` reads Parquet
    footers (the query runs it on the workers). Shards may be object-store URLs
    (``s3://bucket/shards/*.parquet``); ``storage_options`` go to their fsspec filesystem
    (credentials otherwise come from the environment, on each worker).
    """
    if isinstance(spec, ShardedPool):
        return spec
    frame = columns is not None if as_frame is None else as_frame
    if hasattr(spec, "dask") and hasattr(spec, "to_delayed"):
        if isinstance(getattr(spec, "_meta", None), pd.DataFrame):
            return _dask_frame_pool(spec, columns, frame, client)
        return _dask_array_pool(spec)
    paths = _expand(spec, storage_options)
    kinds = {os.path.splitext(p)[1].lower() for p in paths}
    if kinds == {".npy"} and any(map(is_url, paths)):
        raise UserValueError("a pool in an object store must be Parquet shards (*.parquet); "
                             ".npy files are read memory-mapped, from a local disk only")
    if kinds == {".npy"}:
        return _npy_pool(paths, rows_per_partition)
    if kinds <= {".parquet", ".pq"}:
        meta = read_meta or functools.partial(_local_meta, storage_options=storage_options)
        return _parquet_pool(paths, columns, frame, meta, storage_options)
    raise UserValueError(
        f"cannot read a pool from files of type {sorted(kinds)}: use Parquet shards "
        "(*.parquet) or NumPy arrays (*.npy), all of one kind"
    )
