"""Bringing items in: CSV / Parquet tables and image folders, local or fsspec URLs.

Everything is checked before anything is written; one bad row or file stops the ingest
with a message naming it, and the store is left unchanged: the media files it had copied
in are removed again, and table rows never go into an image project (nor images into a
table project).
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
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.features import ALLOWED_IMAGE_FORMATS, decode_image, image_features
from alwild.app.services.projects import check_kind
from alwild.app.store.orm import Item, Label, Project, User
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["ingest", "IngestReport", "read_table", "store_image", "store_row",
           "import_user", "is_holdout", "row_hash", "clean_record", "find_item"]

TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MAX_FILE_BYTES = 25 * 1024 * 1024


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


def row_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def is_holdout(content_hash: str, share: float) -> bool:
    """A fixed, content-based choice of the held-out evaluation items.

    >>> is_holdout("0" * 64, 0.1), is_holdout("f" * 64, 0.1)
    (True, False)
    """
    return int(content_hash[:8], 16) % 1000 < round(share * 1000)


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """Parse CSV or Parquet bytes; a malformed CSV names the line."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(io.BytesIO(data))
        return pd.read_csv(io.BytesIO(data))
    except pd.errors.ParserError as err:
        raise UserValueError(f"{name}: malformed CSV ({str(err).strip()}); fix that line and "
                         "ingest again") from None
    except (UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise UserValueError(f"{name}: cannot read the table: {err}") from None
    except Exception as err:
        raise UserValueError(f"{name}: cannot read the table: {err}") from None


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
                features=image_features(img).tobytes(),
                split="holdout" if is_holdout(digest, holdout_share) else "pool", source=source)
    db.add(item)
    return item


def find_item(db: Session, project: Project, digest: str) -> Item | None:
    """The item of ``project`` with content hash ``digest``, if there is one."""
    return db.scalar(select(Item).where(Item.project_id == project.id,
                                        Item.content_hash == digest))


def _open_source(source: str):
    """(filesystem, path) for a local path or an fsspec URL such as ``s3://bucket/x.csv``."""
    if "://" in source:
        import fsspec

        try:
            return fsspec.core.url_to_fs(source)
        except ImportError as err:
            raise UserValueError(f"{source}: {err} (install the fsspec backend for it)") from None
    from fsspec.implementations.local import LocalFileSystem

    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{source} does not exist")
    return LocalFileSystem(), str(path.resolve())


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
           label_column: str | None = None, holdout_share: float = 0.1) -> IngestReport:
    """Add the rows of a table, or the images of a folder, to ``project``."""
    if not 0 <= holdout_share < 1:
        raise UserValueError("holdout share must be in [0, 1)")
    fs, path = _open_source(source)
    written: list[Path] = []
    try:
        return _add_all(ws, db, project, source, fs, path, label_column, holdout_share,
                        written)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # its folder, unless other files are in it
                target.parent.rmdir()
        raise


def _add_all(ws: Workspace, db: Session, project: Project, source: str, fs, path: str,
             label_column: str | None, holdout_share: float,
             written: list[Path]) -> IngestReport:
    report = IngestReport()
    pending: list[tuple[Item, str | None]] = []
    if fs.isdir(path):
        check_kind(db, project, "image")
        for p in _image_files(fs, path):
            try:
                item = store_image(ws, db, project, fs.cat_file(p), p, holdout_share,
                                   written=written)
            except ValueError as err:
                raise UserValueError(f"{p}: {err}") from None
            pending.append((item, None))
    elif Path(path).suffix.lower() in TABLE_SUFFIXES:
        check_kind(db, project, "row")
        frame = read_table(fs.cat_file(path), path)
        labels = None
        if label_column is not None:
            if label_column not in frame.columns:
                raise UserValueError(
                    f"no column {label_column!r}; columns are {list(frame.columns)}")
            labels = frame.pop(label_column)
        for i, record in enumerate(frame.to_dict(orient="records")):
            value = None if labels is None else _clean(labels.iloc[i])
            pending.append((store_row(db, project, record, holdout_share),
                            None if value is None else str(value)))
    else:
        raise UserValueError(f"{source}: give a .csv or .parquet file or a folder of images")
    db.flush()
    owner = import_user(db) if label_column else None
    for item, value in pending:
        if item is None:
            report.duplicates += 1
            continue
        report.added += 1
        if value is not None:
            add_imported_label(db, project, item, owner, value)
            report.labelled += 1
    return report


def add_imported_label(db: Session, project: Project, item: Item, owner: User, value: str,
                       boxes: list | None = None) -> None:
    if project.task == "classify" and value not in project.labels:
        raise UserValueError(f"imported label {value!r} is not one of {project.labels}")
    db.add(Label(item_id=item.id, user_id=owner.id, value=value, boxes=boxes or [],
                 image_width=item.width, image_height=item.height,
                 request_id="import-" + secrets.token_hex(12)))
    item.n_labels += 1
