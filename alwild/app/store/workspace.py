"""A workspace folder: its settings file, database, media root, model files and secret key.

Layout of ``DIR``::

    alwild.json   settings (database URL)
    project.db    SQLite database (WAL mode) unless a PostgreSQL URL was given
    media/        image files, named by content hash (the only folder media is served from)
    models/       model files written by the app itself, each with an HMAC in the database
    secret.key    random key generated on first use (sessions, CSRF, model signatures)
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from alwild.app.store.orm import Base
from alwild.errors import UserValueError

__all__ = ["Workspace", "open_workspace", "make_engine", "SETTINGS_FILE"]

SETTINGS_FILE = "alwild.json"


def make_engine(url: str, immediate: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, full sync, foreign keys and IMMEDIATE writes
    (``immediate=False``: plain deferred transactions, for long read-only snapshots).

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60},
                           **({} if in_memory else {"pool_size": 20, "max_overflow": 40}))

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Workspace:
    """An opened workspace: paths plus a session factory bound to its database."""

    root: Path
    db_url: str
    engine: Engine = field(repr=False)
    sessions: sessionmaker = field(repr=False)
    readers: sessionmaker = field(repr=False)

    @property
    def media_root(self) -> Path:
        return self.root / "media"

    @property
    def models_root(self) -> Path:
        return self.root / "models"

    @property
    def secret_key(self) -> bytes:
        path = self.root / "secret.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self) -> Session:
        return self.sessions()

    def reader(self) -> Session:
        """A session for read-only snapshots; on SQLite it does not take the write lock."""
        return self.readers()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.readers.kw["bind"] is not self.engine:
            self.readers.kw["bind"].dispose()


def open_workspace(root: str | os.PathLike, db_url: str | None = None,
                   create: bool = False) -> Workspace:
    """Open (or with ``create=True`` create) the workspace in folder ``root``.

    ``db_url`` is only needed when creating: it is remembered in ``alwild.json``.
    """
    root = Path(root).resolve()
    settings_path = root / SETTINGS_FILE
    if settings_path.exists():
        settings = json.loads(settings_path.read_text())
        if db_url and db_url != settings.get("db"):
            raise UserValueError(f"{root} already uses database {settings.get('db')!r}; "
                             "leave out --db or use another folder")
    elif create:
        root.mkdir(parents=True, exist_ok=True)
        settings = {"db": db_url or f"sqlite:///{root / 'project.db'}"}
        fd = os.open(settings_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(settings, fh, indent=2)
    else:
        raise FileNotFoundError(
            f"{root} is not an alwild workspace (no {SETTINGS_FILE}): "
            f"run `alwild init {root} --task classify --labels a,b` first")
    for sub in ("media", "models"):
        (root / sub).mkdir(exist_ok=True)
    engine = make_engine(settings["db"])
    Base.metadata.create_all(engine)
    read_engine = engine if engine.dialect.name != "sqlite" else make_engine(settings["db"],
                                                                                immediate=False)
    ws = Workspace(root, settings["db"], engine, sessionmaker(engine, expire_on_commit=False),
                   sessionmaker(read_engine, expire_on_commit=False))
    ws.secret_key  # noqa: B018 - generate on first use
    return ws
