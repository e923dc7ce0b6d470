"""Group commit on SQLite: a label session commits without waiting for the disk, and its
``durable()`` returns only after an fsync of the write-ahead log that started after the
commit; callers at the same moment share one fsync, a caller that comes while an fsync
runs gets the next one, and a log that SQLite replaced is found again."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest
from sqlalchemy import func, select, text

from alwild.app.services.training import train_project
from alwild.app.store.orm import Label, User
from alwild.app.store.workspace import WalSync
from tests.app.conftest import auth, make_setup


@pytest.fixture
def fsyncs(monkeypatch):
    """The files fsynced (by inode), in order; the real fsync still runs."""
    done: list[int] = []
    real = os.fsync

    def counting(fd):
        real(fd)
        done.append(os.fstat(fd).st_ino)

    monkeypatch.setattr(os, "fsync", counting)
    return done


def _add_user(db, name: str) -> None:
    db.add(User(username=name, password_hash="!", role="annotator"))
    db.commit()


def test_a_label_session_answers_after_an_fsync_of_the_log_that_follows_its_commit(
        sqlite_ws, fsyncs):
    workspace = sqlite_ws
    db = workspace.label_session()
    assert db.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: no wait at commit
    _add_user(db, "a")
    before = len(fsyncs)
    asyncio.run(db.info["durable"]())
    wal = os.stat(workspace.wal.path).st_ino
    assert wal in fsyncs[before:]
    db.close()
    with workspace.reader() as check:
        assert check.scalar(select(User.username)) == "a"


def test_callers_at_once_share_one_fsync_and_a_later_caller_gets_the_next(tmp_path, fsyncs):
    (tmp_path / "x-wal").write_bytes(b"log")
    wal = WalSync(tmp_path / "x-wal")
    started, release = threading.Event(), threading.Event()
    plain = wal.sync

    def slow_sync():
        started.set()
        release.wait(5)
        plain()

    wal.sync = slow_sync  # the first fsync is held until the late caller has come

    async def scenario():
        first = [asyncio.create_task(wal.flushed()) for _ in range(5)]
        await asyncio.sleep(0)
        await asyncio.to_thread(started.wait, 5)  # the first fsync runs now
        late = asyncio.create_task(wal.flushed())
        await asyncio.sleep(0.05)
        assert not late.done()
        release.set()
        await asyncio.gather(*first)
        await late

    asyncio.run(scenario())
    log = os.stat(tmp_path / "x-wal").st_ino
    assert fsyncs.count(log) == 2  # the five together, then the late one


def test_a_replaced_log_is_opened_again(tmp_path, fsyncs):
    path = tmp_path / "db-wal"
    path.write_bytes(b"old")
    wal = WalSync(path)
    wal.sync()
    old = os.stat(path).st_ino
    path.unlink()
    wal.sync()  # no log at all: nothing to sync
    path.write_bytes(b"new")
    new = os.stat(path).st_ino
    wal.sync()
    assert new != old and fsyncs[-1] == new and old in fsyncs


def test_a_saved_label_is_answered_after_its_log_is_synced(sqlite_ws, tmp_path, client_for,
                                                          monkeypatch):
    s = make_setup(sqlite_ws, tmp_path, n=40, batch_size=10)
    train_project(sqlite_ws, s.project_id)
    synced_at: list[int] = []  # labels stored when each fsync of the log ran
    plain = sqlite_ws.wal.sync

    def recording_sync():
        with sqlite_ws.reader() as db:
            synced_at.append(db.scalar(select(func.count(Label.id))))
        plain()

    monkeypatch.setattr(sqlite_ws.wal, "sync", recording_sync)
    client, h = client_for(sqlite_ws), auth(s.annotator_token)
    for n in range(1, 4):
        uid = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"]
        resp = client.post(f"/api/items/{uid}/labels", headers=h,
                           json={"request_id": f"r{n}", "value": "died"})
        assert resp.status_code == 200
        assert synced_at and synced_at[-1] == n  # the fsync came after this label's commit
