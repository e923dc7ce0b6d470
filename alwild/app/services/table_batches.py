"""Reading a CSV or Parquet table in batches of rows, so memory is bounded by a batch and
not by the file.

A CSV is read twice when it spans several batches: the first pass only settles each
column's type over the whole file (a column of whole numbers that has a gap or a decimal
further down is read as floats everywhere), so the values of a row, and so its content
hash, do not depend on the batch size.

>>> import fsspec
>>> with fsspec.open("memory://batches-doc/t.csv", "w") as fh:
...     _ = fh.write("a,b\\n1,x\\n2,y\\n3.5,z\\n")
>>> fs = fsspec.filesystem("memory")
>>> [b["a"].tolist() for b in iter_table_batches(fs, "/batches-doc/t.csv", batch_rows=2)]
[[1.0, 2.0], [3.5]]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from alwild.errors import UserValueError

__all__ = ["iter_table_batches", "readable_errors", "BATCH_ROWS", "PARQUET_SUFFIXES"]

BATCH_ROWS = 20_000
PARQUET_SUFFIXES = {".parquet", ".pq"}
NUMERIC_KINDS = set("iuf")


@contextmanager
def readable_errors(name: str):
    """Turn a parser's error into one line that names the file (and the line of a CSV)."""
    try:
        yield
    except pd.errors.ParserError as err:
        raise UserValueError(f"{name}: malformed CSV ({str(err).strip()}); fix that line and "
                             "ingest again") from None
    except UserValueError:
        raise
    except Exception as err:  # the readers raise many types for a file that is no table
        raise UserValueError(f"{name}: cannot read the table: {err}") from None


def _parquet_batches(fs, path: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as fh:
        shard = pq.ParquetFile(fh)
        schema = shard.schema_arrow
        for batch in shard.iter_batches(batch_size=batch_rows):
            yield pa.Table.from_batches([batch], schema=schema).to_pandas()


def _settled_types(kinds: dict[str, set[str]]) -> dict[str, str]:
    """The type to read each column as where batches disagreed: floats if every batch saw
    numbers, else text.

    >>> _settled_types({"a": {"i", "f"}, "b": {"i"}, "c": {"i", "O"}})
    {'a': 'float64', 'c': 'str'}
    """
    return {c: "float64" if k <= NUMERIC_KINDS else "str"
            for c, k in kinds.items() if len(k) > 1}


def _csv_batches(fs, path: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    kinds: dict[str, set[str]] = {}
    first = None
    with fs.open(path, "rb") as fh:
        for n, frame in enumerate(pd.read_csv(fh, chunksize=batch_rows)):
            first = frame if n == 0 else None
            for column, dtype in frame.dtypes.items():
                kinds.setdefault(str(column), set()).add(dtype.kind)
    if first is not None:  # the whole file was one batch
        yield first
        return
    with fs.open(path, "rb") as fh:
        yield from pd.read_csv(fh, chunksize=batch_rows, dtype=_settled_types(kinds) or None)


def iter_table_batches(fs, path: str, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The rows of the CSV or Parquet file ``path`` on filesystem ``fs``, ``batch_rows`` at a
    time; a malformed file raises a UserValueError naming it (and the CSV line)."""
    parquet = Path(path).suffix.lower() in PARQUET_SUFFIXES
    batches = (_parquet_batches if parquet else _csv_batches)(fs, path, batch_rows)
    while True:
        with readable_errors(path):
            frame = next(batches, None)
        if frame is None:
            return
        yield frame
