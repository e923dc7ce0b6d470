"""The training worker as its own process, and its faults: `alwild serve` starts it and the
web process never trains; a worker killed mid-training (SIGKILL) has its job retried once
the lease runs out, with no broken or duplicated model version and no stuck "training"; a
web process killed right after the label that closed a round leaves the retrain pending in
the database, and the next start runs it."""

from __future__ import annotations

import os
import re
import signal
import time

import httpx
from sqlalchemy import func, select

from alwild.app.services.jobs import train_status
from alwild.app.services.training import TEMP_PREFIX, train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Job, ModelVersion, QueryRound
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import auth, make_setup
from tests.app.server_proc import Server


def _workspace(tmp_path, **settings):
    ws = open_workspace(tmp_path / "ws", create=True)
    s = make_setup(ws, tmp_path, **settings)
    train_project(ws, s.project_id)
    return ws, s


def _until(condition, timeout: float = 60.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {condition.__doc__ or condition}")


def _worker_pid(server: Server) -> int:
    server._read()
    return int(re.findall(r"training worker started \(pid (\d+)\)", "".join(server.output))[-1])


def _jobs(ws) -> list[Job]:
    with ws.session() as db:
        return db.scalars(select(Job).order_by(Job.id)).all()


def _label(server: Server, s, token: str, n: int, prefix: str) -> None:
    with httpx.Client(base_url=server.url, headers=auth(token), timeout=30) as c:
        for i in range(n):
            uid = c.post(f"/api/projects/{s.slug}/claim").json()["uid"]
            r = c.post(f"/api/items/{uid}/labels", json={"request_id": f"{prefix}{i}",
                                                         "value": "died"})
            assert r.status_code == 200, r.text


def _versions_sound(ws) -> list[int]:
    """Each registered version loads (its signature matches) and none is a temp file."""
    with ws.session() as db:
        versions = db.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()
    for v in versions:
        assert not v.path.startswith(TEMP_PREFIX)
        load_model(ws.models_root, v.path, v.digest, ws.secret_key)
    return [v.version for v in versions]


def test_serve_runs_a_separate_worker_that_opens_the_next_round(tmp_path):
    ws, s = _workspace(tmp_path, n=120, seed_labels=40, batch_size=30, retrain_every=5)
    server = Server(tmp_path / "ws").start()
    try:
        worker = _worker_pid(server)
        assert worker != server.proc.pid
        _label(server, s, s.annotator_token, 5, "w")

        def opened():
            """round 2 opened by the worker"""
            with ws.session() as db:
                return db.scalar(select(func.max(QueryRound.number))) == 2
        _until(opened)
        done = [j for j in _jobs(ws) if j.state == "done"]
        assert done and all(j.owner.endswith(f":{worker}") for j in done)
    finally:
        server.stop()
    _until(lambda: _gone(worker), timeout=20)  # serve stops its worker on exit
    assert _versions_sound(ws) == [1, 2]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as fh:  # a zombie has exited too
        return fh.read().split()[2] == "Z"


def test_a_worker_killed_mid_training_has_its_job_retried(tmp_path):
    ws, s = _workspace(tmp_path, n=891, seed_labels=200, batch_size=300, retrain_every=1000)
    server = Server(tmp_path / "ws", options=("--worker-lease", "3")).start()
    try:
        landed = None
        for _ in range(6):  # until a kill lands between claim and registration
            worker = _worker_pid(server)
            r = httpx.post(f"{server.url}/api/projects/{s.slug}/retrain",
                           headers=auth(s.admin_token))
            assert r.status_code == 202

            def claimed():
                """the worker claimed the job"""
                return any(j.state == "running" for j in _jobs(ws))
            _until(claimed, step=0.005)
            os.kill(worker, signal.SIGSTOP)
            job = [j for j in _jobs(ws) if j.state in ("running", "pending")]
            os.kill(worker, signal.SIGKILL)
            if job and job[-1].state == "running":
                landed = job[-1]
                break
            _until(lambda killed=worker: _worker_pid(server) != killed)
        assert landed is not None, "no kill landed mid-training in 6 tries"
        with ws.session() as db:
            rounds_before = db.scalar(select(func.max(QueryRound.number)))
            assert train_status(db, s.project_id)[0] in ("training", "pending")

        def retried():
            """the killed job was claimed again and done"""
            with ws.session() as db:
                return db.get(Job, landed.id).state == "done"
        _until(retried)
        job = [j for j in _jobs(ws) if j.id == landed.id][0]
        assert job.attempts == landed.attempts + 1 and job.owner != landed.owner
        with ws.session() as db:
            assert db.scalar(select(func.max(QueryRound.number))) == rounds_before + 1
            assert train_status(db, s.project_id) == ("idle", None)
        versions = _versions_sound(ws)
        assert versions == list(range(1, len(versions) + 1))
    finally:
        server.stop()


def test_a_retrain_asked_for_just_before_a_web_crash_runs_after_restart(tmp_path):
    ws, s = _workspace(tmp_path, n=120, seed_labels=40, batch_size=30, retrain_every=5)
    server = Server(tmp_path / "ws", options=("--no-worker",)).start()
    _label(server, s, s.annotator_token, 5, "c")  # the fifth label closes the round
    server.kill()
    assert [j.state for j in _jobs(ws)] == ["pending"]
    server = Server(tmp_path / "ws", server.port).start()
    try:
        def opened():
            """the pending retrain ran after the restart"""
            with ws.session() as db:
                return db.scalar(select(func.max(QueryRound.number))) == 2
        _until(opened)
        claim = httpx.post(f"{server.url}/api/projects/{s.slug}/claim",
                           headers=auth(s.annotator_token))
        assert claim.status_code == 200
    finally:
        server.stop()
