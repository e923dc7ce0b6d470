"""Streaming intake across real processes: the web process stores streamed items and
never decides them (with no worker they stay pending, also after the web process is
killed); the training worker decides them, also while a retrain runs; a worker killed (SIGKILL)
again and again while items stream in, or inside a decision's transaction, loses none,
decides none twice and keeps the budget.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
from sqlalchemy import select

from alwild.app.services.intake import STREAM_LOCK_KEY
from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, Job, Project, StreamDecision
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import auth, make_setup
from tests.app.server_proc import ROOT, Server
from tests.app.services.test_intake import _arrivals
from tests.app.test_worker_faults import _until, _worker_pid, _workspace


def _post(server: Server, s, rows: list[dict], slug: str | None = None) -> list[str]:
    with httpx.Client(base_url=server.url, headers=auth(s.admin_token), timeout=30) as c:
        answers = [c.post("/api/items", json={"project": slug or s.slug, "data": r})
                   for r in rows]
    assert all(a.status_code == 201 for a in answers), answers[0].text
    return [a.json()["uid"] for a in answers]


def _states(server: Server, s, uids: list[str]) -> list[dict]:
    with httpx.Client(base_url=server.url, headers=auth(s.admin_token), timeout=30) as c:
        return [c.get(f"/api/items/{u}/intake").json() for u in uids]


def _decisions(ws) -> list:
    with ws.session() as db:
        return db.execute(select(StreamDecision.item_id, StreamDecision.asked,
                                 StreamDecision.spent, StreamDecision.decided_at)
                          .order_by(StreamDecision.id)).all()


def _set_budget(ws, project_id: int, **budget) -> None:
    with ws.session() as db, db.begin():
        project = db.get(Project, project_id)
        for key, value in budget.items():
            setattr(project, key, value)


def test_without_a_worker_streamed_items_stay_pending_and_survive_a_web_crash(tmp_path):
    ws, s = _workspace(tmp_path, n=100, seed_labels=60)
    server = Server(tmp_path / "ws", options=("--no-worker",)).start()
    uids = _post(server, s, _arrivals(30, start=300))
    time.sleep(1.5)  # time a scoring web process would have used
    assert {a["status"] for a in _states(server, s, uids)} == {"pending"}
    server.kill()  # right after the answers: what was acknowledged is stored
    assert _decisions(ws) == []
    with ws.session() as db:
        stored = db.scalars(select(Item).where(Item.uid.in_(uids))).all()
    assert len(stored) == 30 and all(i.asked is None and not i.queued for i in stored)
    server = Server(tmp_path / "ws", server.port, options=("--no-worker",)).start()
    worker = subprocess.Popen([sys.executable, "-m", "alwild", "worker", "--workspace",
                               str(tmp_path / "ws")], env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        def decided():
            """the worker decided every streamed item"""
            return all(a["status"] != "pending" for a in _states(server, s, uids))
        _until(decided)
        states = _states(server, s, uids)
        assert {a["status"] for a in states} <= {"queued", "passed"}
        assert 0 < sum(a["queued"] for a in states) <= 0.1 * len(uids)
    finally:
        worker.terminate()
        worker.wait(20)
        server.stop()


def test_the_worker_decides_streamed_items_while_a_retrain_runs(tmp_path, pg_database):
    """A retrain held up at its registration (a real lock on PostgreSQL's model table, for
    as long as the test wants) does not hold up the stream's decisions; once it registers,
    the next items are scored by the new model."""
    ws = open_workspace(tmp_path / "ws", db_url=pg_database, create=True)
    s = make_setup(ws, tmp_path, n=100, seed_labels=60)
    train_project(ws, s.project_id)
    server = Server(tmp_path / "ws").start()
    blocker = ws.engine.connect()
    try:
        with blocker.begin():
            blocker.exec_driver_sql("LOCK TABLE model_versions IN EXCLUSIVE MODE")
            assert httpx.post(f"{server.url}/api/projects/{s.slug}/retrain",
                              headers=auth(s.admin_token)).status_code == 202
            _until(lambda: _job_state(ws) == "running", step=0.01)
            uids = _post(server, s, _arrivals(20, start=300))

            def decided():
                """the streamed rows are decided while the retrain waits"""
                return all(a["status"] != "pending" for a in _states(server, s, uids))
            _until(decided, timeout=30)
            assert _job_state(ws) == "running"
        _until(lambda: _job_state(ws) == "done")
        later = _post(server, s, _arrivals(5, start=400))
        _until(lambda: len(_decisions(ws)) == 25)
    finally:
        blocker.close()
        server.stop()
    with ws.session() as db:
        versions = dict(db.execute(select(Item.uid, StreamDecision.model_version)
                                   .join(StreamDecision, StreamDecision.item_id == Item.id)
                                   ).all())
    ws.dispose()
    assert {versions[u] for u in uids} == {1} and {versions[u] for u in later} == {2}


def _job_state(ws) -> str | None:
    with ws.session() as db:
        return db.scalar(select(Job.state).order_by(Job.id.desc()).limit(1))


def test_a_worker_killed_again_and_again_loses_no_item_and_keeps_the_budget(tmp_path):
    ws, s = _workspace(tmp_path, n=100, seed_labels=60)
    _set_budget(ws, s.project_id, stream_share=0.5, stream_max_per_hour=12)
    server = Server(tmp_path / "ws").start()
    uids: list[str] = []
    sender = threading.Thread(target=lambda: uids.extend(
        _post(server, s, _arrivals(400, start=200))))
    kills, pending_at_kill, rng = 0, [], random.Random(7)
    try:
        sender.start()
        while sender.is_alive():
            worker = _worker_pid(server)
            time.sleep(rng.uniform(0.05, 0.4))
            with ws.session() as db:
                pending_at_kill.append(db.scalar(select(Item.id).where(
                    Item.source == "stream", Item.asked.is_(None)).limit(1)) is not None)
            os.kill(worker, signal.SIGKILL)
            kills += 1
            _until(lambda killed=worker: _worker_pid(server) != killed)
        sender.join()

        def decided():
            """every streamed item is decided after the last restart"""
            return len(_decisions(ws)) == 400
        _until(decided)
        states = _states(server, s, uids)
    finally:
        server.stop()
    rows = _decisions(ws)
    assert kills >= 2 and any(pending_at_kill)
    with ws.session() as db:
        stream = db.scalars(select(Item.id).where(Item.source == "stream")).all()
    assert sorted(r.item_id for r in rows) == sorted(stream)  # each item decided once
    asked = np.cumsum([r.asked for r in rows])
    assert [r.spent for r in rows] == asked.tolist()
    assert 0 < asked[-1] <= 12
    assert all(a <= 0.5 * (i + 1) + 1e-9 for i, a in enumerate(asked))
    assert sum(a["queued"] for a in states) == asked[-1]


def _holds_decision_lock(conn) -> bool:
    """Whether a worker's stream decision transaction holds its lock now (only those
    take advisory locks of that key)."""
    return conn.exec_driver_sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = %(key)s", {"key": STREAM_LOCK_KEY}).scalar() > 0


def _worker(tmp_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "alwild", "worker", "--workspace",
                             str(tmp_path / "ws")], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_inside_a_decision_leaves_its_whole_batch_pending(tmp_path,
                                                                        pg_database):
    """SIGKILL while the worker's decision transaction holds its lock (seen in PostgreSQL's
    pg_locks, the worker stopped there with SIGSTOP first): none of that batch is decided,
    the next worker decides every item once and the budget holds across both."""
    ws = open_workspace(tmp_path / "ws", db_url=pg_database, create=True)
    s = make_setup(ws, tmp_path, n=100, seed_labels=60)
    train_project(ws, s.project_id)
    _set_budget(ws, s.project_id, stream_share=0.5, stream_max_per_hour=12)
    server = Server(tmp_path / "ws", options=("--no-worker",)).start()
    watcher = ws.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        uids = _post(server, s, _arrivals(400, start=150))
        landed = False
        for _ in range(5):  # until a stop lands inside a decision transaction
            worker = _worker(tmp_path)
            deadline = time.monotonic() + 60
            while worker.poll() is None and time.monotonic() < deadline:
                if _holds_decision_lock(watcher):
                    break
            os.kill(worker.pid, signal.SIGSTOP)
            landed = _holds_decision_lock(watcher)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(30)
            if landed:
                break
        assert landed, "no SIGKILL landed inside a decision transaction in 5 tries"
        _until(lambda: not _holds_decision_lock(watcher))  # rolled back
        with ws.session() as db:
            decided = db.scalars(select(Item.id).where(Item.source == "stream",
                                                       Item.asked.is_not(None))).all()
        assert sorted(decided) == sorted(r.item_id for r in _decisions(ws))  # all or none
        assert len(decided) < 400
        worker = _worker(tmp_path)
        try:
            _until(lambda: len(_decisions(ws)) == 400)
        finally:
            worker.terminate()
            worker.wait(20)
        states = _states(server, s, uids)
    finally:
        watcher.close()
        server.stop()
    rows = _decisions(ws)
    ws.dispose()
    assert len({r.item_id for r in rows}) == 400
    asked = np.cumsum([r.asked for r in rows])
    assert [r.spent for r in rows] == asked.tolist() and 0 < asked[-1] <= 12
    assert sum(a["queued"] for a in states) == asked[-1]
