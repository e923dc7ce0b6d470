"""After a retrain, the worker leaves that project alone for as long as the retrain took
(times ``rest_share``): asks meanwhile wait as its one pending job; other projects' jobs
are not delayed, ``drain`` runs everything now, and the job runs once the rest is over."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from alwild.app.services.jobs import request_job
from alwild.app.store.orm import Job, Project
from alwild.app.worker import Worker
from tests.app.conftest import make_setup


@pytest.fixture
def rows(sqlite_ws, tmp_path):
    return make_setup(sqlite_ws, tmp_path, n=60, seed_labels=20, batch_size=10)


def _ask(ws, project_id: int) -> None:
    with ws.session() as db, db.begin():
        request_job(db, project_id)


def _pending(ws) -> list[int]:
    with ws.session() as db:
        return db.scalars(select(Job.project_id).where(Job.state == "pending")).all()


def test_a_project_rests_after_a_retrain_and_its_next_job_runs_after_the_rest(rows):
    ws = rows.ws
    worker = Worker(ws, rest_share=1.0)
    _ask(ws, rows.project_id)
    start = time.monotonic()
    assert worker.run_once() is not None
    took = time.monotonic() - start
    _ask(ws, rows.project_id)
    assert worker.run_once() is None and _pending(ws) == [rows.project_id]
    time.sleep(took * 1.05 + 0.01)
    assert worker.run_once() is not None and _pending(ws) == []


def test_the_rest_delays_neither_other_projects_nor_drain(rows):
    ws = rows.ws
    with ws.session() as db:
        other = db.scalar(select(Project.id).where(Project.id != rows.project_id))
    worker = Worker(ws, rest_share=1000.0)
    _ask(ws, rows.project_id)
    assert worker.run_once().project_id == rows.project_id
    _ask(ws, rows.project_id)
    _ask(ws, other)
    job = worker.run_once()  # the resting project's job waits, the other one's runs
    assert job is not None and job.project_id == other
    assert _pending(ws) == [rows.project_id]
    assert worker.drain() == 1 and _pending(ws) == []
