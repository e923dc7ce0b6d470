"""Streaming intake: the web process only stores arriving items (pending); the worker's
StreamDecider decides them in batches with the library's StreamLearner and BudgetManager;
caps hold, also after a restart and between two deciders at once; ``alwild watch`` feeds a
live server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from alwild.app.services.features import records_frame
from alwild.app.services.ingest import store_row
from alwild.app.services.intake import StreamDecider, pending_count, replayed
from alwild.app.services.training import train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, ModelVersion, Project, StreamDecision
from alwild.app.store.workspace import open_workspace
from alwild.learners import StreamLearner
from alwild.stream import BudgetManager
from tests.app.conftest import DATA, auth, make_setup
from tests.app.pg import new_database
from tests.app.server_proc import ROOT, Server


def _arrivals(n: int, start: int = 0) -> list[dict]:
    frame = pd.read_csv(DATA / "titanic.csv").drop(columns=["Survived"]).iloc[start:start + n]
    frame["PassengerId"] += 10_000  # new passengers: not duplicates of ingested rows
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def _intake(client, h, uids: list[str]) -> list[dict]:
    return [client.get(f"/api/items/{u}/intake", headers=h).json() for u in uids]


def test_stream_decisions_match_the_librarys_stream_learner(ws, tmp_path, client_for):
    s = make_setup(ws, tmp_path, n=100, seed_labels=60)
    train_project(ws, s.project_id)
    client = client_for(ws)
    h = auth(s.admin_token)
    rows = _arrivals(200, start=300)
    answers = [client.post("/api/items", headers=h, json={"project": s.slug, "data": r})
               for r in rows]
    assert all(a.status_code == 201 for a in answers), answers[0].text
    assert {a.json()["status"] for a in answers} == {"pending"}
    uids = [a.json()["uid"] for a in answers]
    assert {a["status"] for a in _intake(client, h, uids)} == {"pending"}
    with ws.session() as db:
        assert pending_count(db, s.project_id) == 200
    assert StreamDecider(ws, batch=37).drain() == 200  # batches that split the stream
    decided = _intake(client, h, uids)
    got = [a["queued"] for a in decided]
    assert {a["status"] for a in decided} == {"queued", "passed"}
    assert [a["status"] == "queued" for a in decided] == got
    assert 0 < sum(got) <= 0.1 * len(rows)
    assert [a["budget"]["spent"] for a in decided] == list(np.cumsum(got))
    # the same decisions from an independent StreamLearner on the same model and rows
    with ws.session() as db:
        mv = db.scalar(select(ModelVersion))
        model = load_model(ws.models_root, mv.path, mv.digest, ws.secret_key)
        project = db.get(Project, s.project_id)
        ref = StreamLearner(model[-1], policy="variable_uncertainty",
                            budget=BudgetManager(share=0.1, window=1000),
                            random_state=project.id)
        X = model[:-1].transform(records_frame(rows, model[:-1].feature_names_in_))
        asks = [ref.ask(X[i]) for i in range(len(rows))]
        assert got == [a[1] for a in asks]
        assert np.allclose([a["score"] for a in decided], [a[2] for a in asks])
        queued = db.scalars(select(Item.uid).where(Item.source == "stream",
                                                   Item.queued.is_(True))).all()
        assert set(db.scalars(select(StreamDecision.model_version))) == {mv.version}
    front = client.get(f"/api/projects/{s.slug}/queue", headers=h).json()
    assert {e["uid"] for e in front[: len(queued)]} == set(queued)
    again = client.post("/api/items", headers=h,
                        json={"project": s.slug, "data": rows[0]}).json()
    assert again["duplicate"] and again["status"] == "duplicate" and not again["queued"]
    assert StreamDecider(ws).drain() == 0  # nothing is decided twice


def test_hourly_cap_holds_and_survives_a_restart(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=80, seed_labels=40)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    h = auth(s.admin_token)
    assert client.patch(f"/api/projects/{s.slug}", headers=h, json={
        "stream_share": 1.0, "stream_max_per_hour": 3}).status_code == 200
    first = [client.post("/api/items", headers=h, json={"project": s.slug, "data": r}
                         ).json()["uid"] for r in _arrivals(40, start=400)]
    StreamDecider(sqlite_ws, batch=7).drain()
    assert sum(a["queued"] for a in _intake(client, h, first)) == 3
    later = [client.post("/api/items", headers=h, json={"project": s.slug, "data": r}
                         ).json()["uid"] for r in _arrivals(20, start=500)]
    StreamDecider(sqlite_ws).drain()  # a new decider: the budget is rebuilt from the store
    assert sum(a["queued"] for a in _intake(client, h, later)) == 0


def _stream_project(root: Path, db_url: str | None, share: float, per_hour: int | None):
    ws = open_workspace(root / "ws", db_url=db_url, create=True)
    s = make_setup(ws, root, n=20)  # no model: every item scores 1.0, the budget decides
    with ws.session() as db, db.begin():
        project = db.get(Project, s.project_id)
        project.stream_share, project.stream_max_per_hour = share, per_hour
    return ws, s


def _send(ws, project_id: int, rows: list[dict]) -> None:
    with ws.session() as db, db.begin():
        project = db.get(Project, project_id)
        for r in rows:
            store_row(db, project, r, holdout_share=0.0, source="stream")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(share=st.sampled_from([0.05, 0.2, 0.5, 1.0]),
       per_hour=st.one_of(st.none(), st.integers(0, 12)),
       sends=st.lists(st.integers(1, 40), min_size=1, max_size=4),
       batches=st.tuples(st.integers(1, 6), st.integers(1, 6)))
def test_two_deciders_at_once_never_exceed_the_budget(kind, pg_admin_url, share, per_hour,
                                                      sends, batches):
    """Items arrive while two deciders (two workers) decide them concurrently: each item
    is decided once, and the stored sequence of decisions keeps the share and the cap."""
    if kind == "postgresql" and pg_admin_url is None:
        pytest.skip("PostgreSQL could not be started here")
    url = new_database(pg_admin_url) if kind == "postgresql" else None
    with tempfile.TemporaryDirectory() as tmp:
        ws, s = _stream_project(Path(tmp), url, share, per_hour)
        _send(ws, s.project_id, _arrivals(sends[0]))  # both start on the same items
        start = sends[0]
        deciders = [StreamDecider(ws, batch=b) for b in batches]
        ready, stop, errors = threading.Barrier(len(deciders)), threading.Event(), []

        def decide(d: StreamDecider) -> None:
            ready.wait()
            try:
                while d.run_once() or not stop.is_set():
                    pass
            except Exception as err:  # a failed decision fails the test
                errors.append(err)

        threads = [threading.Thread(target=decide, args=(d,)) for d in deciders]
        for t in threads:
            t.start()
        for n in sends[1:]:
            _send(ws, s.project_id, _arrivals(n, start))
            start += n
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors
        deciders[0].drain()
        with ws.session() as db:
            assert pending_count(db, s.project_id) == 0
            rows = db.execute(select(StreamDecision.item_id, StreamDecision.asked,
                                     StreamDecision.spent, StreamDecision.seen)
                              .order_by(StreamDecision.id)).all()
            budget, _, _ = replayed(db, db.get(Project, s.project_id))
        ws.dispose()
    assert len(rows) == len({r.item_id for r in rows}) == start
    asked = np.cumsum([r.asked for r in rows])
    assert [r.spent for r in rows] == asked.tolist()  # no decision saw a stale budget
    assert [r.seen for r in rows] == list(range(1, start + 1))
    assert all(a <= share * (i + 1) + 1e-9 for i, a in enumerate(asked))
    assert per_hour is None or asked[-1] <= per_hour
    reference = BudgetManager(share=share, window=1000, max_per_hour=per_hour)
    assert asked[-1] == sum(reference.allow(True, now=0.0) for _ in range(start))
    assert budget.spent == asked[-1]


def test_stream_intake_refuses_annotators_wrong_kinds_and_non_images(sqlite_ws, tmp_path,
                                                                      client_for):
    s = make_setup(sqlite_ws, tmp_path, n=40, seed_labels=20)
    client = client_for(sqlite_ws)
    row = {"project": s.slug, "data": _arrivals(1)[0]}
    assert client.post("/api/items", headers=auth(s.annotator_token), json=row
                       ).status_code == 403
    bad = client.post("/api/items/image", headers=auth(s.admin_token),
                      data={"project": s.slug}, files={"file": ("x.jpg", b"GIF89a...")})
    assert bad.status_code == 400 and "table rows" in bad.json()["detail"]
    with sqlite_ws.session() as db:
        ingested = db.scalar(select(Item.uid).where(Item.source == "ingest").limit(1))
    answer = client.get(f"/api/items/{ingested}/intake", headers=auth(s.admin_token))
    assert answer.status_code == 404 and "streaming intake" in answer.json()["detail"]


def test_watch_streams_new_files_into_a_live_server(tmp_path):
    ws = open_workspace(tmp_path / "ws", create=True)
    s = make_setup(ws, tmp_path, task="detect", batch_size=5)
    train_project(ws, s.project_id)
    ws.dispose()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    crops = sorted((DATA / "insulators" / "images").glob("*.jpg"))[:6]
    for p in crops:
        shutil.copy(p, inbox / p.name)
    (inbox / "notes.txt").write_text("ignored")
    server = Server(tmp_path / "ws", options=("--no-worker",)).start()
    try:
        cmd = [sys.executable, "-m", "alwild", "watch", str(inbox), "--project", s.slug,
               "--url", server.url, "--token", s.admin_token, "--once"]
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert first.returncode == 0, first.stderr
        assert first.stdout.count("item(s)") == 6
        second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert second.returncode == 0 and second.stdout == ""
    finally:
        server.stop()
    ws = open_workspace(tmp_path / "ws")
    with ws.session() as db:
        stream = db.scalars(select(Item).where(Item.source == "stream")).all()
    ws.dispose()
    assert len(stream) == 6 and all(i.asked is None for i in stream)  # no worker ran
    ws = open_workspace(tmp_path / "ws")
    assert StreamDecider(ws).drain() == 6
    ws.dispose()


def test_image_intake_types_uploads_by_content(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, task="detect")
    client = client_for(sqlite_ws)
    h = auth(s.admin_token)
    fake = client.post("/api/items/image", headers=h, data={"project": s.slug},
                       files={"file": ("frame.jpg", b"<svg onload=alert(1)>", "image/jpeg")})
    assert fake.status_code == 400 and "does not decode" in fake.json()["detail"]
    real = (DATA / "insulators" / "images" / "idd_100009_0.jpg").read_bytes()
    ok = client.post("/api/items/image", headers=h, data={"project": s.slug},
                     files={"file": ("looks-like.png", real, "image/png")})
    assert ok.status_code == 201
    media = client.get(f"/api/items/{ok.json()['uid']}/media", headers=h)
    assert media.headers["content-type"] == "image/jpeg" and media.content == real
    with sqlite_ws.session() as db:
        assert db.scalar(select(Item).where(Item.source == "stream")).media_path.endswith(".jpg")


def test_an_item_decided_before_the_decision_table_tells_its_old_decision(sqlite_ws, tmp_path,
                                                                          client_for):
    """A streamed item an older version decided (``asked`` set, no StreamDecision row) is
    not pending again: the worker leaves it, its state says what was decided."""
    s = make_setup(sqlite_ws, tmp_path, n=20)
    with sqlite_ws.session() as db, db.begin():
        item = store_row(db, db.get(Project, s.project_id), _arrivals(1)[0], holdout_share=0.0,
                         source="stream")
        item.asked, item.score = True, 0.75
        uid = item.uid
    assert StreamDecider(sqlite_ws).drain() == 0
    state = client_for(sqlite_ws).get(f"/api/items/{uid}/intake",
                                      headers=auth(s.admin_token)).json()
    assert (state["status"], state["queued"], state["score"], state["budget"]) == (
        "queued", True, 0.75, None)
