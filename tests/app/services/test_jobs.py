"""Retrain jobs and the one registrar, on SQLite and (when it can start) PostgreSQL:
idempotent requests, leases that run out, claims that never hand a job out twice, a lost
lease that registers nothing, and versions allocated by the database whoever trains."""

from __future__ import annotations

import html
import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from alwild.app.services.jobs import (
    MAX_ATTEMPTS,
    LeaseLost,
    claim_job,
    fail_job,
    failure_sentence,
    finish_job,
    request_job,
    train_status,
)
from alwild.app.services.training import TEMP_PREFIX, train_project
from alwild.app.store.orm import Job, ModelVersion, QueryRound
from alwild.app.worker import Worker, train_now
from tests.app.conftest import auth, login, make_setup


@pytest.fixture
def rows(ws, tmp_path):
    return make_setup(ws, tmp_path, n=80, seed_labels=40, batch_size=10)


def _jobs(ws, state: str | None = None) -> list[Job]:
    with ws.session() as db:
        query = select(Job).order_by(Job.id)
        return db.scalars(query if state is None else query.where(Job.state == state)).all()


@pytest.fixture
def small(sqlite_ws, tmp_path):
    return make_setup(sqlite_ws, tmp_path, n=20)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["request", "claim"]), min_size=1, max_size=12))
def test_at_most_one_job_waits_per_project_whatever_the_order(small, steps):
    ws = small.ws
    with ws.session() as db, db.begin():
        db.execute(delete(Job))
    for step in steps:
        if step == "request":
            with ws.session() as db, db.begin():
                request_job(db, small.project_id)
        else:
            claim_job(ws, "w", lease=600)
        states = [j.state for j in _jobs(ws)]
        # one waits at most, and a project being trained is not claimed a second time
        assert states.count("pending") <= 1 and states.count("running") <= 1
    assert ("request" in steps) == bool(_jobs(ws))


def test_concurrent_claims_hand_each_job_to_one_worker(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=10)
    with ws.session() as db, db.begin():
        request_job(db, s.project_id)
    got: list = []
    barrier = threading.Barrier(8)

    def claim(k: int) -> None:
        barrier.wait()
        got.append(claim_job(ws, f"w{k}", lease=600))

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [c for c in got if c is not None]
    assert len(claimed) == 1 and _jobs(ws, "running")[0].owner == claimed[0].owner


def test_a_job_whose_lease_ran_out_is_claimed_again_then_given_up(rows):
    ws = rows.ws
    with ws.session() as db, db.begin():
        request_job(db, rows.project_id)
    first = claim_job(ws, "killed", lease=600)
    assert claim_job(ws, "other", lease=600) is None  # the lease holds
    for attempt in range(2, MAX_ATTEMPTS + 1):
        with ws.session() as db, db.begin():
            db.execute(update(Job).values(lease_expires=0.0))
        again = claim_job(ws, f"next{attempt}", lease=600)
        assert again.id == first.id and again.attempts == attempt
        with ws.session() as db:
            assert train_status(db, rows.project_id) == ("training", None)
    with ws.session() as db, db.begin():
        db.execute(update(Job).values(lease_expires=0.0))
        assert train_status(db, rows.project_id) == ("pending", None)
    assert claim_job(ws, "last", lease=600) is None
    with ws.session() as db:
        state, sentence = train_status(db, rows.project_id)
    assert state == "failed" and f"stopped {MAX_ATTEMPTS} times" in sentence


def test_a_lost_lease_registers_nothing_and_leaves_no_file(rows):
    ws = rows.ws
    with ws.session() as db, db.begin():
        request_job(db, rows.project_id)
    job = claim_job(ws, "slow", lease=600)
    with ws.session() as db, db.begin():  # it ran out and another worker took it over
        db.execute(update(Job).values(owner="other"))
    Worker(ws)._run(job)
    with ws.session() as db:
        assert db.scalar(select(func.count(ModelVersion.id))) == 0
        assert db.scalar(select(func.count(QueryRound.id))) == 0
    assert list(ws.models_root.iterdir()) == []


def test_the_database_refuses_a_second_model_with_the_same_version(rows):
    ws = rows.ws
    train_project(ws, rows.project_id)
    with ws.session() as db, db.begin():
        first = db.scalar(select(ModelVersion))
        dup = {c.name: getattr(first, c.name) for c in ModelVersion.__table__.columns
               if c.name != "id"}
    with pytest.raises(IntegrityError), ws.session() as db, db.begin():
        db.add(ModelVersion(**dup))


def test_trainers_at_once_get_distinct_versions_and_rounds(rows):
    """The worker, `alwild train` and the Retrain button all register through
    train_project: run at once, they get versions 1..n and rounds 1..n, each file its own."""
    ws = rows.ws
    errors: list = []

    def train() -> None:
        try:
            train_project(ws, rows.project_id)
        except Exception as err:  # a thread's error is lost unless kept: asserted below
            errors.append(err)

    threads = [threading.Thread(target=train) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with ws.session() as db:
        versions = db.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()
        rounds = db.scalars(select(QueryRound.number).order_by(QueryRound.number)).all()
    assert [v.version for v in versions] == [1, 2, 3, 4] and rounds == [1, 2, 3, 4]
    assert len({v.path for v in versions}) == 4
    assert all((ws.models_root / v.path).exists() for v in versions)
    assert list(ws.models_root.glob(f"{TEMP_PREFIX}*")) == []


def test_train_now_runs_the_job_and_reports_its_result(rows):
    ws = rows.ws
    result = train_now(ws, rows.project_id)
    assert result.version == 1 and result.round_number == 1
    [job] = _jobs(ws)
    assert job.state == "done" and job.result["version"] == 1 and job.owner.startswith("train:")


def test_finishing_someone_elses_job_raises(rows):
    ws = rows.ws
    with ws.session() as db, db.begin():
        request_job(db, rows.project_id)
    job = claim_job(ws, "mine", lease=600)
    with ws.session() as db, db.begin():
        db.execute(update(Job).values(state="failed"))
    with pytest.raises(LeaseLost), ws.session() as db, db.begin():
        finish_job(db, job, {})


def test_a_database_refusal_is_shown_as_a_sentence_not_sql(rows, client_for):
    ws = rows.ws
    train_project(ws, rows.project_id)
    with ws.session() as db:
        first = db.scalar(select(ModelVersion))
        dup = {c.name: getattr(first, c.name) for c in ModelVersion.__table__.columns
               if c.name != "id"}
    try:
        with ws.session() as db, db.begin():
            db.add(ModelVersion(**dup))
    except IntegrityError as err:
        raw, sentence = str(err), failure_sentence(err)
    assert "INSERT INTO" in raw and "INSERT" not in sentence and "[SQL" not in sentence
    assert sentence.startswith("the database refused to store the new model (")
    with ws.session() as db, db.begin():
        request_job(db, rows.project_id)
    fail_job(ws, claim_job(ws, "w", lease=600), sentence)
    page = client_for(ws).get(f"/api/projects/{rows.slug}/progress",
                              headers=auth(rows.admin_token)).json()
    assert page["train_state"] == "failed" and page["train_error"] == sentence
    browser = client_for(ws)  # and the queue page a person sees says it in words
    login(browser, "boss", "boss-password-1")
    queue = browser.get(f"/p/{rows.slug}").text
    banner = re.search(r'<p class="banner error" role="alert">(.*?)</p>', queue, re.S)
    assert banner and sentence in html.unescape(banner.group(1))
    assert "INSERT" not in queue and "[SQL" not in queue
