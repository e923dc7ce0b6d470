"""Streaming intake: the library's StreamLearner and BudgetManager decide which arriving
items are queued; caps hold, also after a restart; ``alwild watch`` feeds a live server."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
from sqlalchemy import select

from alwild.app.services.features import records_frame
from alwild.app.services.training import train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, ModelVersion, Project
from alwild.app.store.workspace import open_workspace
from alwild.learners import StreamLearner
from alwild.stream import BudgetManager
from tests.app.conftest import DATA, auth, make_setup
from tests.app.server_proc import ROOT, Server


def _arrivals(n: int, start: int = 0) -> list[dict]:
    frame = pd.read_csv(DATA / "titanic.csv").drop(columns=["Survived"]).iloc[start:start + n]
    frame["PassengerId"] += 10_000  # new passengers: not duplicates of ingested rows
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def test_stream_decisions_match_the_librarys_stream_learner(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=100, seed_labels=60)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    rows = _arrivals(200, start=300)
    answers = [client.post("/api/items", headers=auth(s.admin_token),
                           json={"project": s.slug, "data": r}) for r in rows]
    assert all(a.status_code == 201 for a in answers), answers[0].text
    got = [a.json()["queued"] for a in answers]
    assert 0 < sum(got) <= 0.1 * len(rows)
    assert [a.json()["budget"]["spent"] for a in answers] == list(np.cumsum(got))
    # the same decisions from an independent StreamLearner on the same model and rows
    with sqlite_ws.session() as db:
        mv = db.scalar(select(ModelVersion))
        model = load_model(sqlite_ws.models_root, mv.path, mv.digest, sqlite_ws.secret_key)
        project = db.get(Project, s.project_id)
        ref = StreamLearner(model[-1], policy="variable_uncertainty",
                            budget=BudgetManager(share=0.1, window=1000),
                            random_state=project.id)
        X = model[:-1].transform(records_frame(rows, model[:-1].feature_names_in_))
        asks = [ref.ask(X[i]) for i in range(len(rows))]
        assert got == [a[1] for a in asks]
        assert np.allclose([a.json()["score"] for a in answers], [a[2] for a in asks])
        queued = db.scalars(select(Item.uid).where(Item.source == "stream",
                                                   Item.queued.is_(True))).all()
    front = client.get(f"/api/projects/{s.slug}/queue", headers=auth(s.admin_token)).json()
    assert {e["uid"] for e in front[: len(queued)]} == set(queued)
    again = client.post("/api/items", headers=auth(s.admin_token),
                        json={"project": s.slug, "data": rows[0]}).json()
    assert again["duplicate"] and not again["queued"]


def test_hourly_cap_holds_and_survives_a_restart(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=80, seed_labels=40)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    h = auth(s.admin_token)
    assert client.patch(f"/api/projects/{s.slug}", headers=h, json={
        "stream_share": 1.0, "stream_max_per_hour": 3}).status_code == 200
    first = [client.post("/api/items", headers=h, json={"project": s.slug, "data": r}).json()
             for r in _arrivals(40, start=400)]
    assert sum(a["queued"] for a in first) == 3
    restarted = client_for(sqlite_ws)  # a new app: the budget is rebuilt from the store
    later = [restarted.post("/api/items", headers=h, json={"project": s.slug,
                                                           "data": r}).json()
             for r in _arrivals(20, start=500)]
    assert sum(a["queued"] for a in later) == 0


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
    server = Server(tmp_path / "ws").start()
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
    assert len(stream) == 6 and all(i.asked is not None for i in stream)


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
