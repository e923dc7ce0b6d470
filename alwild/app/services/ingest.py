"""Bringing items in: CSV / Parquet tables, images and image folders, local or fsspec
URLs (``s3://bucket/frames/``).

Tables are read and bulk-inserted a batch of rows at a time, so memory is bounded by a
batch and a million rows take seconds, not minutes. Everything happens in the caller's
transaction: one bad row or file stops the ingest with a message naming it, and the store
is left unchanged: the media files it had copied in are removed again, and table rows never
go into an image project (nor images into a table project). A row or image already in the
project (the same content hash) is skipped, so a re-ingest adds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import secrets
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from alwild.app.services.features import ALLOWED_IMAGE_FORMATS, decode_image
from alwild.app.services.projects import check_kind
from alwild.app.services.row_json import RowTexts, row_texts
from alwild.app.services.table_batches import (
    BATCH_ROWS,
    PARQUET_SUFFIXES,
    iter_table_batches,
    readable_errors,
)
from alwild.app.store.orm import Item, Label, Project, User, now
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError
from alwild.objectstore import filesystem, is_url

__all__ = ["ingest", "IngestReport", "read_table", "store_image", "store_row",
           "import_user", "is_holdout", "row_hash", "clean_record", "find_item",
           "add_row_batch", "bulk_insert"]

TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MAX_FILE_BYTES = 25 * 1024 * 1024
SQLITE_CACHE_KIB = 64 * 1024  # fixed, whatever the size of the table
HASHES_PER_QUERY = 5_000  # bound parameters per IN (...) lookup, below every backend's cap


@dataclass
class IngestReport:
    added: int = 0
    duplicates: int = 0
    labelled: int = 0

    def __str__(self) -> str:
        return (f"{self.added} items added, {self.duplicates} duplicates skipped, "
                f"{self.labelled} with imported labels")


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def clean_record(record: dict) -> dict:
    """A row as it is stored: string keys, NaN and None as None, numpy scalars as Python.

    >>> clean_record({1: float("nan"), "b": "x"})
    {'1': None, 'b': 'x'}
    """
    return {str(k): _clean(v) for k, v in record.items()}


_HASH_JSON = json.JSONEncoder(sort_keys=True, default=str)  # what json.dumps(...) builds


def row_hash(record: dict) -> str:
    """The content hash of a table row: SHA-256 of its JSON with sorted keys.

    >>> row_hash({"b": 1, "a": None}) == row_hash({"a": None, "b": 1})
    True
    """
    return hashlib.sha256(_HASH_JSON.encode(record).encode()).hexdigest()


def _column_values(column: pd.Series) -> tuple[list, str]:
    """The cells of a column as plain Python values, missing ones as None (as ``_clean``),
    and the NumPy kind they share ("" when mixed)."""
    values = column.tolist()
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    if kind in ("i", "u", "b"):
        return values, kind
    if kind == "f":
        return [None if v != v else v for v in values], kind
    if isinstance(column.dtype, pd.StringDtype) and not column.hasnans:
        return values, "s"
    return [_clean(v) for v in values], ""


def _row_texts(frame: pd.DataFrame) -> RowTexts:
    names = [str(c) for c in frame.columns]
    if not names:
        raise UserValueError("the table has no columns: give a header row and values")
    cells = [_column_values(frame.iloc[:, j]) for j in range(len(names))]
    return row_texts(names, [c[0] for c in cells], [c[1] for c in cells])


def is_holdout(content_hash: str, share: float) -> bool:
    """A fixed, content-based choice of the held-out evaluation items.

    >>> is_holdout("0" * 64, 0.1), is_holdout("f" * 64, 0.1)
    (True, False)
    """
    return int(content_hash[:8], 16) % 1000 < round(share * 1000)


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """Parse CSV or Parquet bytes; a malformed CSV names the line."""
    with readable_errors(name):
        if Path(name).suffix.lower() in PARQUET_SUFFIXES:
            return pd.read_parquet(io.BytesIO(data))
        return pd.read_csv(io.BytesIO(data))


def import_user(db: Session) -> User:
    """The system account that owns labels imported from a label column."""
    user = db.scalar(select(User).where(User.username == "import"))
    if user is None:
        user = User(username="import", password_hash="!", role="annotator", active=False)
        db.add(user)
        db.flush()
    return user


def store_row(db: Session, project: Project, record: dict, holdout_share: float,
              source: str = "ingest") -> Item | None:
    """Add one table row as an item; None if the same row is there already."""
    record = clean_record(record)
    digest = row_hash(record)
    if find_item(db, project, digest) is not None:
        return None
    item = Item(uid=secrets.token_urlsafe(12), project_id=project.id, kind="row", data=record,
                content_hash=digest, split="holdout" if is_holdout(digest, holdout_share)
                else "pool", source=source)
    db.add(item)
    return item


def store_image(ws: Workspace, db: Session, project: Project, data: bytes, name: str,
                holdout_share: float, source: str = "ingest",
                written: list[Path] | None = None) -> Item | None:
    """Check, copy into the media root (named by content hash) and add one image item;
    a media file it creates is appended to ``written``."""
    if len(data) > MAX_FILE_BYTES:
        raise UserValueError(f"{name}: {len(data):,} bytes, more than {MAX_FILE_BYTES:,}")
    img = decode_image(data)
    ext, mime = ALLOWED_IMAGE_FORMATS[img.format_name]
    digest = hashlib.sha256(data).hexdigest()
    if find_item(db, project, digest) is not None:
        return None
    rel = f"{digest[:2]}/{digest}.{ext}"
    target = ws.media_root / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        if written is not None:
            written.append(target)
    item = Item(uid=secrets.token_urlsafe(12), project_id=project.id, kind="image",
                data={"file": Path(name).name}, media_path=rel, media_type=mime,
                width=img.width, height=img.height, content_hash=digest,
                split="holdout" if is_holdout(digest, holdout_share) else "pool", source=source)
    db.add(item)
    return item


def find_item(db: Session, project: Project, digest: str) -> Item | None:
    """The item of ``project`` with content hash ``digest``, if there is one."""
    return db.scalar(select(Item).where(Item.project_id == project.id,
                                        Item.content_hash == digest))


def _open_source(source: str, storage_options: dict | None = None):
    """(filesystem, path) for a local path or an fsspec URL such as ``s3://bucket/x.csv``."""
    if not is_url(source) and not Path(source).exists():
        raise FileNotFoundError(f"{source} does not exist")
    fs, path = filesystem(source, storage_options)
    if is_url(source) and not fs.exists(path):
        raise FileNotFoundError(f"{source} does not exist (or the credentials may not read "
                                "it): check the bucket, the prefix and --storage-options")
    return fs, path


def _image_files(fs, root: str) -> list[str]:
    files = sorted(p for p in fs.find(root) if Path(p).suffix.lower() in IMAGE_SUFFIXES)
    from fsspec.implementations.local import LocalFileSystem

    if isinstance(fs, LocalFileSystem):
        real_root = os.path.realpath(root)
        for p in files:
            if os.path.commonpath([os.path.realpath(p), real_root]) != real_root:
                raise UserValueError(f"{p} is a link that points outside {root}: copy the file "
                                 "in instead of linking it")
    if not files:
        raise UserValueError(f"{root} has no .jpg, .png or .webp files")
    return files


def ingest(ws: Workspace, db: Session, project: Project, source: str,
           label_column: str | None = None, holdout_share: float = 0.1,
           batch_rows: int = BATCH_ROWS, storage_options: dict | None = None) -> IngestReport:
    """Add the rows of a table, or the images of a folder, to ``project``.

    A table is read and inserted ``batch_rows`` at a time, all in the caller's transaction:
    memory is bounded by a batch, and a failure anywhere leaves the project as it was.
    ``storage_options`` go to the fsspec filesystem of a URL (credentials, endpoint).

    >>> with ws.session() as db, db.begin():  # doctest: +SKIP
    ...     print(ingest(ws, db, project, "s3://survey/frames/",
    ...                  storage_options={"endpoint_url": "http://127.0.0.1:9000"}))
    30 items added, 0 duplicates skipped, 0 with imported labels
    """
    if not 0 <= holdout_share < 1:
        raise UserValueError("holdout share must be in [0, 1)")
    fs, path = _open_source(source, storage_options)
    written: list[Path] = []
    try:
        return _add_all(ws, db, project, source, fs, path, label_column, holdout_share,
                        batch_rows, written)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # its folder, unless other files are in it
                target.parent.rmdir()
        raise


def _add_all(ws: Workspace, db: Session, project: Project, source: str, fs, path: str,
             label_column: str | None, holdout_share: float, batch_rows: int,
             written: list[Path]) -> IngestReport:
    suffix = Path(path).suffix.lower()
    if fs.isdir(path) or suffix in IMAGE_SUFFIXES:
        files = _image_files(fs, path) if fs.isdir(path) else [path]
        return _add_images(ws, db, project, fs, files, holdout_share, written)
    if suffix in TABLE_SUFFIXES:
        check_kind(db, project, "row")
        report = IngestReport()
        owner = import_user(db) if label_column else None
        with _index_cache(db):
            for frame in iter_table_batches(fs, path, batch_rows):
                add_row_batch(db, project, frame, label_column, holdout_share, report, owner)
        return report
    raise UserValueError(f"{source}: give a .csv or .parquet file, an image, or a folder of "
                         "images")


@contextlib.contextmanager
def _index_cache(db: Session):
    """On SQLite, a page cache of SQLITE_CACHE_KIB while a table goes in (the content-hash
    index takes random inserts), then the connection's own size again."""
    conn = db.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def _add_images(ws: Workspace, db: Session, project: Project, fs, files: list[str],
                holdout_share: float, written: list[Path]) -> IngestReport:
    check_kind(db, project, "image")
    report = IngestReport()
    for p in files:
        try:
            item = store_image(ws, db, project, fs.cat_file(p), p, holdout_share,
                               written=written)
        except ValueError as err:
            raise UserValueError(f"{p}: {err}") from None
        report.added += item is not None
        report.duplicates += item is None
    return report


def _ids_of_hashes(db: Session, project: Project, digests: list[str]) -> dict[str, int]:
    """``{content hash: item id}`` of those of ``digests`` that ``project`` holds."""
    ids: dict[str, int] = {}
    for start in range(0, len(digests), HASHES_PER_QUERY):
        ids.update(db.execute(select(Item.content_hash, Item.id).where(
            Item.project_id == project.id,
            Item.content_hash.in_(digests[start:start + HASHES_PER_QUERY]))).all())
    return ids


def _label_values(frame: pd.DataFrame, label_column: str | None,
                  project: Project) -> list[str | None]:
    """The imported label of each row (None where the cell is empty), checked."""
    if label_column is None:
        return [None] * len(frame)
    if label_column not in frame.columns:
        raise UserValueError(f"no column {label_column!r}; columns are {list(frame.columns)}")
    values = [None if (v := _clean(x)) is None else str(v) for x in frame.pop(label_column)]
    if project.task == "classify":
        wrong = sorted({v for v in values if v is not None} - set(project.labels))
        if wrong:
            raise UserValueError(f"imported label {wrong[0]!r} is not one of {project.labels}")
    return values


def add_row_batch(db: Session, project: Project, frame: pd.DataFrame,
                  label_column: str | None, holdout_share: float, report: IngestReport,
                  owner: User | None = None, source: str = "ingest") -> None:
    """Add the rows of ``frame`` that ``project`` lacks, with one bulk insert (and one for
    the labels of ``label_column``, owned by ``owner``); counts go into ``report``.

    A row is the same row when its values are (its content hash, :func:`row_hash`):
    within the batch, with earlier batches and with what the project held before.

    >>> report = IngestReport()
    >>> add_row_batch(db, project, pd.DataFrame({"x": [1, 2, 1]}), None, 0.1,
    ...               report)  # doctest: +SKIP
    >>> str(report)  # doctest: +SKIP
    '2 items added, 1 duplicates skipped, 0 with imported labels'
    """
    values = _label_values(frame, label_column, project)
    if frame.empty:
        return
    texts = _row_texts(frame)
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in texts.sorted_keys]
    seen = set(_ids_of_hashes(db, project, digests))
    items, labelled, at = [], {}, now()
    batch = secrets.token_urlsafe(6)  # one uid prefix per batch: its uids are index neighbours
    for text, digest, value in sorted(zip(texts.plain, digests, values, strict=True),
                                      key=itemgetter(1)):
        if digest in seen:
            report.duplicates += 1
            continue
        seen.add(digest)
        items.append({"uid": batch + secrets.token_urlsafe(12), "project_id": project.id,
                      "kind": "row", "data": text, "content_hash": digest,
                      "split": "holdout" if is_holdout(digest, holdout_share) else "pool",
                      "source": source, "queued": False, "queue_rank": 0,
                      "n_labels": int(value is not None), "lease_expires": 0.0,
                      "created_at": at})
        if value is not None:
            labelled[digest] = value
    bulk_insert(db, Item.__table__, items)
    report.added += len(items)
    if labelled:
        _add_label_batch(db, project, owner, labelled, at)
        report.labelled += len(labelled)


def _add_label_batch(db: Session, project: Project, owner: User, values: dict[str, str],
                     at: float) -> None:
    ids = _ids_of_hashes(db, project, list(values))
    bulk_insert(db, Label.__table__, [
        {"item_id": ids[d], "user_id": owner.id, "value": v, "boxes": "[]", "seconds": 0.0,
         "request_id": "import-" + secrets.token_hex(12), "version": 1, "created_at": at,
         "updated_at": at} for d, v in values.items()])


def bulk_insert(db: Session, table, rows: list[dict]) -> None:
    """Insert ``rows`` (every row the same keys; JSON columns as JSON text) into ``table``
    with one ``executemany`` of the database driver, in the session's transaction.

    Values reach the driver as they are: no per-row processing by SQLAlchemy, and no
    Python-side column defaults (give every column that has one).

    >>> bulk_insert(db, Skip.__table__, [{"item_id": 1, "user_id": 2}])  # doctest: +SKIP
    """
    if not rows:
        return
    conn = db.connection()
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    params = list(map(itemgetter(*compiled.positiontup), rows)) if compiled.positional \
        else rows
    conn.exec_driver_sql(str(compiled), params)


def add_imported_label(db: Session, project: Project, item: Item, owner: User, value: str,
                       boxes: list | None = None) -> None:
    if project.task == "classify" and value not in project.labels:
        raise UserValueError(f"imported label {value!r} is not one of {project.labels}")
    db.add(Label(item_id=item.id, user_id=owner.id, value=value, boxes=boxes or [],
                 image_width=item.width, image_height=item.height,
                 request_id="import-" + secrets.token_hex(12)))
    item.n_labels += 1
