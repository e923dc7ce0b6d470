"""A workspace folder: its settings file, database, media root, model files and secret key.

Layout of ``DIR``::

    alwild.json   settings (database URL)
    project.db    SQLite database (WAL mode) unless a PostgreSQL URL was given
    media/        image files, named by content hash (the only folder media is served from)
    models/       model files written by the app itself, each with an HMAC in the database
    secret.key    random key generated on first use (CSRF tokens, model signatures)

The database file, its journal files, the model files, the settings and the key are
readable by their owner only (0600): the database holds password hashes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from alwild.app.store.orm import RETIRED_COLUMNS, Base
from alwild.errors import UserValueError

__all__ = ["Workspace", "WalSync", "open_workspace", "attach_workspace", "creating", "make_engine",
           "check_db_url", "absolute_db_url", "shown_url", "SETTINGS_FILE"]

SETTINGS_FILE = "alwild.json"
SCHEMES = ("sqlite", "postgresql", "postgres")
PRIVATE = 0o600


def shown_url(url: str) -> str:
    """``url`` with its password hidden, for messages.

    >>> shown_url("postgresql://me:s3cret@db.lan/labels")
    'postgresql://me:***@db.lan/labels'
    """
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def check_db_url(url: str) -> str:
    """``url`` if alwild can keep a workspace in that kind of database; else a UserValueError
    that names the kinds it can.

    >>> check_db_url("postgres://me@db.lan/labels")
    'postgres://me@db.lan/labels'
    """
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise UserValueError(f"database URL {shown_url(url)!r} is not one alwild can use: give "
                             "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE")
    return url


def make_engine(url: str, immediate: bool = True) -> Engine:
    """An engine for ``url``; SQLite gets WAL, full sync, foreign keys and IMMEDIATE writes
    (``immediate=False``: plain deferred transactions, for long read-only snapshots). A
    connection with the execution option ``lossy=True`` commits without waiting for the
    disk (WAL, ``synchronous=NORMAL``): for writes whose loss in a power failure does no
    harm, such as leases; they survive a crashed process all the same.

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                             connect_args={"connect_timeout": 15})
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
        level = "NORMAL" if conn.get_execution_options().get("lossy") else "FULL"
        if conn.connection.info.get("synchronous") != level:  # set only between transactions
            conn.exec_driver_sql(f"PRAGMA synchronous={level}")
            conn.connection.info["synchronous"] = level
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class WalSync:
    """Group commit for an SQLite database in WAL mode: a transaction committed without
    waiting for the disk (``synchronous=NORMAL``) is durable once the write-ahead log has
    been fsynced after it; :meth:`flushed` waits for the next such fsync, which one
    thread runs for every commit made before it started. The event loop serves other
    requests meanwhile, and under load one fsync covers several labels.

    A log that SQLite deleted (after a checkpoint, which syncs the database file first)
    is found by its inode, and the new one opened.

    >>> WalSync(Path("/nonexistent/project.db-wal")).sync()  # no log: nothing to sync
    """

    def __init__(self, wal_path: Path) -> None:
        self.path = wal_path
        self._fd: int | None = None
        self._next: asyncio.Future | None = None
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()  # one thread at a time uses the log's descriptor

    def sync(self) -> None:
        """fsync the write-ahead log now (blocking)."""
        with self._lock:
            self._sync()

    def _sync(self) -> None:
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:  # no log: everything is checkpointed into the database
            return
        if self._fd is not None and os.fstat(self._fd).st_ino != current:
            os.close(self._fd)
            self._fd = None
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)  # the log's name, too
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        os.fsync(self._fd)

    async def flushed(self) -> None:
        """Return once everything committed before this call is on disk."""
        loop = asyncio.get_running_loop()
        if self._running and self._loop is not loop:  # another event loop's batch runs
            await asyncio.to_thread(self.sync)
            return
        if self._next is None:
            self._next = loop.create_future()
            if not self._running:
                self._running, self._loop = True, loop
                loop.create_task(self._flush())
        await asyncio.shield(self._next)

    async def _flush(self) -> None:
        try:
            while self._next is not None:
                batch, self._next = self._next, None
                try:
                    await asyncio.to_thread(self.sync)
                except OSError as err:
                    batch.set_exception(err)
                else:
                    batch.set_result(None)
        finally:
            self._running = False


@dataclass
class Workspace:
    """An opened workspace: paths plus a session factory bound to its database."""

    root: Path
    db_url: str
    engine: Engine = field(repr=False)
    sessions: sessionmaker = field(repr=False)
    readers: sessionmaker = field(repr=False)
    lossy: sessionmaker = field(repr=False)
    wal: WalSync | None = field(default=None, repr=False)
    lookups: sessionmaker | None = field(default=None, repr=False)

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

    def lease_session(self) -> Session:
        """A session for writes that may be lost in a power failure without harm (item
        leases, job heartbeats): on SQLite its commits do not wait for the disk. Labels
        go through it only as :meth:`label_session`, whose requests wait for an fsync."""
        return self.lossy()

    def label_session(self) -> Session:
        """A session for a request that saves labels and answers only once they are on
        disk: on SQLite its commit does not wait for the disk, and the request awaits
        ``session.info["durable"]()`` (a group fsync of the log, :class:`WalSync`)
        before it answers; on PostgreSQL the commit itself is durable."""
        if self.wal is None:
            return self.sessions()
        db = self.lossy()
        db.info["durable"] = self.wal.flushed
        return db

    def reader(self) -> Session:
        """A session for read-only snapshots; on SQLite it does not take the write lock."""
        return self.readers()

    def lookup(self) -> Session:
        """A session for single-statement reads (who is asking): each statement is its own
        snapshot, so on PostgreSQL it runs without BEGIN and ROLLBACK round trips
        (autocommit); on SQLite it is :meth:`reader`."""
        return (self.lookups or self.readers)()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.readers.kw["bind"] is not self.engine:
            self.readers.kw["bind"].dispose()




def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    name = make_url(url).database
    return None if name in (None, "", ":memory:") else Path(name).resolve()


def absolute_db_url(url: str) -> str:
    """``url`` with a relative SQLite path made absolute against the current folder (what
    the user meant when they typed it), so that the workspace opens from any folder.

    >>> absolute_db_url("sqlite:////data/labels.db")
    'sqlite:////data/labels.db'
    >>> absolute_db_url("postgresql://me@db.lan/labels")
    'postgresql://me@db.lan/labels'
    """
    if _sqlite_file(url) is None or _is_absolute(url):
        return url
    parsed = make_url(url)
    return parsed.set(database=os.path.abspath(parsed.database)).render_as_string(
        hide_password=False)


def _is_absolute(sqlite_url: str) -> bool:
    return Path(make_url(sqlite_url).database).is_absolute()


def _check_db_file(url: str, fix: str) -> None:
    """A UserValueError if ``url`` names an SQLite file that does not exist (opening it
    would silently start an empty database); ``fix`` says where to correct the URL."""
    db = _sqlite_file(url)
    if db is None or db.exists():
        return
    relative = ("; its path is relative, so it depends on the folder alwild runs in"
                if not _is_absolute(url) else "")
    raise UserValueError(f"the workspace's SQLite database {db} does not exist{relative}: "
                         f"restore it from a backup, or {fix}")


def _owner_only(paths: list[Path]) -> list[tuple[Path, int]]:
    """Take group and other permissions off those of ``paths`` this user owns; returns the
    changed paths with their old modes."""
    changed = []
    for path in paths:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            path.chmod(PRIVATE)
            changed.append((path, info.st_mode & 0o7777))
    return changed


def _private_files(root: Path, url: str) -> list[Path]:
    db = _sqlite_file(url)
    journals = [] if db is None else [db.with_name(db.name + s) for s in ("", "-wal", "-shm")]
    models = root / "models"
    return journals + (sorted(p for p in models.rglob("*") if p.is_file())
                       if models.is_dir() else [])


def _add_missing_indexes(engine: Engine) -> None:
    """Indexes added to tables an older workspace already has (``create_all`` only makes
    those of new tables). One that the old rows violate is left out, with a warning."""
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            try:
                index.create(engine, checkfirst=True)
            except IntegrityError as err:
                warnings.warn(f"index {index.name} not added: the existing rows break it "
                              f"({str(err.orig).splitlines()[0]})", stacklevel=2)


def _drop_retired_columns(engine: Engine) -> None:
    """Drop the columns of an older workspace that this version no longer writes (an old
    ``NOT NULL`` column without a default would refuse new rows, and a stale value must
    not be read)."""
    found = inspect(engine)
    tables = set(found.get_table_names())
    for table, column in RETIRED_COLUMNS:
        if table in tables and column in {c["name"] for c in found.get_columns(table)}:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')


def _connect(url: str) -> Engine:
    """An engine on ``url`` with the tables created; a UserValueError if that cannot be."""
    check_db_url(url)
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        raise UserValueError(f"database URL {shown_url(url)!r} cannot be used ({err}): give "
                             "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE"
                             ) from None
    try:
        Base.metadata.create_all(engine)
        _add_missing_indexes(engine)
        _drop_retired_columns(engine)
    except DBAPIError as err:
        engine.dispose()
        reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        raise UserValueError(f"cannot open database {shown_url(url)!r} ({reason}): check the "
                             "URL, that the server runs and that you may write there") from None
    return engine


def _open(root: Path, url: str, made: _Made | None = None) -> Workspace:
    """The workspace on ``url``; its database files are made private only once the
    database has opened (a file that is not one is left as it was). ``made``: a creation
    under way, which puts the old modes back if it fails."""
    for sub in ("media", "models"):
        (root / sub).mkdir(exist_ok=True)
    engine = _connect(url)
    for path, mode in _owner_only(_private_files(root, url)):
        if made is not None:
            made.mode(path, mode)
    read_engine = engine if engine.dialect.name != "sqlite" else make_engine(url,
                                                                                immediate=False)
    db_file = _sqlite_file(url)
    return Workspace(root, url, engine, sessionmaker(engine, expire_on_commit=False),
                     sessionmaker(read_engine, expire_on_commit=False),
                     sessionmaker(engine.execution_options(lossy=True),
                                  expire_on_commit=False),
                     None if db_file is None else WalSync(db_file.with_name(
                         db_file.name + "-wal")),
                     None if engine.dialect.name == "sqlite" else sessionmaker(
                         engine.execution_options(isolation_level="AUTOCOMMIT"),
                         expire_on_commit=False))


class _Made:
    """The paths one call created, so that they can be removed again if it fails."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.modes: list[tuple[Path, int]] = []

    def mode(self, path: Path, old: int) -> None:
        """``path`` (not made by this call) had mode ``old`` before this call changed it."""
        self.modes.append((path, old))

    def folder(self, path: Path) -> None:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        if missing:
            self.paths.append(missing[-1])

    def file(self, path: Path, text: str = "") -> None:
        """Create ``path`` (it must not exist) readable by its owner only."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
        self.paths.append(path)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)

    def remove(self) -> None:
        for path in reversed(self.paths):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for path, mode in self.modes:
            if path.exists() and path not in self.paths:
                path.chmod(mode)


@contextmanager
def _undone_on_error() -> Iterator[_Made]:
    made = _Made()
    try:
        yield made
    except BaseException:
        made.remove()
        raise


def _existing(root: Path, db_url: str | None) -> Workspace:
    settings = json.loads((root / SETTINGS_FILE).read_text())
    if db_url and absolute_db_url(db_url) != settings.get("db"):
        raise UserValueError(f"{root} already uses database {shown_url(settings.get('db'))!r}; "
                             "leave out --db or use another folder")
    _check_db_file(settings["db"], f'fix "db" in {root / SETTINGS_FILE}')
    ws = _open(root, settings["db"])
    ws.secret_key  # noqa: B018 - generate on first use
    return ws


def _create(root: Path, db_url: str | None, made: _Made) -> Workspace:
    url = absolute_db_url(check_db_url(db_url or f"sqlite:///{root / 'project.db'}"))
    made.folder(root)
    for sub in ("media", "models"):
        made.folder(root / sub)
    db_file = _sqlite_file(url)
    if db_file is not None and not db_file.exists():
        try:
            made.file(db_file)
        except OSError as err:
            raise UserValueError(f"cannot create the SQLite database {db_file} ({err.strerror}):"
                                 " give a path in a folder that exists and you may write to"
                                 ) from None
        for suffix in ("-wal", "-shm", "-journal"):
            made.paths.append(db_file.with_name(db_file.name + suffix))
    ws = _open(root, url, made)
    try:
        made.file(root / SETTINGS_FILE, json.dumps({"db": url}, indent=2))
        if not (root / "secret.key").exists():
            made.file(root / "secret.key", secrets.token_hex(32))
    except BaseException:
        ws.dispose()
        raise
    return ws


def open_workspace(root: str | os.PathLike, db_url: str | None = None,
                   create: bool = False) -> Workspace:
    """Open (or with ``create=True`` create) the workspace in folder ``root``.

    ``db_url`` is only needed when creating: it is remembered in ``alwild.json``. A creation
    that fails removes what it made, so a re-run with a corrected URL starts clean.
    """
    root = Path(root).resolve()
    if (root / SETTINGS_FILE).exists():
        return _existing(root, db_url)
    if not create:
        raise FileNotFoundError(
            f"{root} is not an alwild workspace (no {SETTINGS_FILE}): "
            f"run `alwild init {root} --task classify --labels a,b` first")
    with _undone_on_error() as made:
        return _create(root, db_url, made)


def attach_workspace(root: str | os.PathLike, db_url: str | None = None) -> Workspace:
    """The workspace in ``root`` reached through ``db_url`` (the same database, by the
    address this host knows it by; default: the one in ``alwild.json``). For a training
    worker on another host: ``root`` is the shared workspace folder (its model files and
    secret key), nothing is created.

    >>> attach_workspace("/mnt/labels", "postgresql://me@db.lan/labels")  # doctest: +SKIP
    """
    root = Path(root).resolve()
    settings = root / SETTINGS_FILE
    if not settings.exists() or not (root / "secret.key").exists():
        raise UserValueError(f"{root} is not an alwild workspace (no {SETTINGS_FILE} and "
                             "secret.key): give the folder `alwild serve` uses, shared with "
                             "this host, with --workspace")
    url = absolute_db_url(db_url) if db_url else json.loads(settings.read_text())["db"]
    _check_db_file(url, "give --db the path this host reaches it by" if db_url
                   else f'fix "db" in {settings}')
    return _open(root, url)


@contextmanager
def creating(root: str | os.PathLike, db_url: str | None = None) -> Iterator[Workspace]:
    """The workspace in ``root`` (created if needed) for one block of changes, disposed
    after it. If the block fails, whatever this call created is removed again: a workspace
    it made is gone, one that was there is left as it was.
    """
    root = Path(root).resolve()
    with _undone_on_error() as made:
        ws = (_existing(root, db_url) if (root / SETTINGS_FILE).exists()
              else _create(root, db_url, made))
        try:
            yield ws
        finally:
            ws.dispose()
