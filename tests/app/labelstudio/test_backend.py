"""The ML-backend protocol on FastAPI's TestClient, over a real SQLite workspace and real
images served over HTTP: health, setup, predict, and training on annotation webhooks."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from alwild.app.labelstudio.server import BackendSettings, create_backend_app
from alwild.app.services.project_models import box_suggestions, detector_from_bytes
from alwild.app.services.suggestions import Suggestion, replace_suggestions, suggestions_for
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, Label, LabelStudioTask, ModelVersion, Project
from alwild.app.store.workspace import open_workspace
from tests.app.labelstudio.conftest import BOXES, CHOICES

LS_PROJECT = "7.1700000000"


@pytest.fixture
def ws(tmp_path):
    workspace = open_workspace(tmp_path / "ws", create=True)
    yield workspace
    workspace.dispose()


@pytest.fixture
def client(ws):
    with TestClient(create_backend_app(ws, BackendSettings(ranked=1000))) as c:
        yield c


def _tasks(image_server, rows, start=1):
    return [{"id": start + i, "data": {"image": f"{image_server}/{r['file']}"}}
            for i, r in enumerate(rows)]


def _annotation(aid, task, value, user=1):
    return {"action": "ANNOTATION_CREATED", "project": {"id": 7, "label_config": CHOICES},
            "task": task, "annotation": {"id": aid, "task": task["id"], "completed_by": user,
                                         "result": [{"from_name": "label", "to_name": "image",
                                                     "type": "choices",
                                                     "value": {"choices": [value]}}]}}


def _predict(client, tasks, config=CHOICES):
    answer = client.post("/predict", json={"tasks": tasks, "project": LS_PROJECT,
                                           "label_config": config})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def _wait(client):
    assert client.app.state.backend.worker.wait_idle(120)


def test_health_and_setup_make_the_project(client, ws):
    assert client.get("/health").json()["status"] == "UP"
    answer = client.post("/setup", json={"project": LS_PROJECT, "schema": CHOICES})
    assert answer.json() == {"model_version": "alwild-untrained"}
    with ws.session() as db:
        project = db.scalar(select(Project).where(Project.slug == "labelstudio-7"))
        assert (project.task, project.labels) == ("classify", ["normal", "defect"])


def test_predictions_rank_every_task_then_follow_the_model_after_webhooks(
        client, ws, image_server, crops):
    tasks = _tasks(image_server, crops[:40])
    first = _predict(client, tasks)
    assert len(first) == 40
    assert {p["model_version"] for p in first} == {"alwild-round1"}
    # with no label yet the ranking is the cold start's: every task has its own place
    assert sorted(p["score"] for p in first) == [i / 40 for i in range(40)]
    assert all(p["result"] == [] for p in first)

    labelled = [i for i in range(40) if i % 4 == 0]  # 10 tasks, both classes among them
    assert {crops[i]["label"] for i in labelled} == {"normal", "defect"}
    for n, i in enumerate(labelled):
        answer = client.post("/webhook", json=_annotation(100 + n, tasks[i], crops[i]["label"]))
        assert answer.status_code == 201, answer.text
    _wait(client)
    with ws.session() as db:
        stored = db.execute(select(LabelStudioTask.task_id, Label.value).join(
            Label, Label.item_id == LabelStudioTask.item_id)).all()
    assert sorted(stored) == sorted((tasks[i]["id"], crops[i]["label"]) for i in labelled)

    version = client.post("/setup", json={"project": LS_PROJECT, "schema": CHOICES}).json()
    assert version["model_version"] != "alwild-round1"
    after = _predict(client, tasks)
    assert {p["model_version"] for p in after} == {version["model_version"]}
    open_ = [p for i, p in enumerate(after) if i not in labelled]
    assert all(after[i]["score"] == 1.0 for i in labelled)
    assert sorted(p["score"] for p in open_) == [i / 30 for i in range(30)]
    # entropy on two classes: the lowest score is the guess nearest 50:50
    by_score = sorted(open_, key=lambda p: p["score"])
    confidence = [p["result"][0]["score"] for p in by_score]
    assert confidence == sorted(confidence)
    assert {p["result"][0]["value"]["choices"][0] for p in open_} <= {"normal", "defect"}
    assert [p["score"] for p in after] != [p["score"] for p in first]


def test_edits_and_deletions_follow_label_studio(client, ws, image_server, crops):
    task = _tasks(image_server, crops[:1])[0]
    client.post("/webhook", json=_annotation(5, task, "normal"))
    edit = _annotation(5, task, "defect")
    edit["action"] = "ANNOTATION_UPDATED"
    assert client.post("/webhook", json=edit).status_code == 201
    with ws.session() as db:
        label = db.scalar(select(Label))
        assert (label.value, label.version) == ("defect", 2)
    gone = {"action": "ANNOTATIONS_DELETED", "project": {"id": 7, "label_config": CHOICES},
            "annotations": [{"id": 5}]}
    assert client.post("/webhook", json=gone).status_code == 201
    _wait(client)
    with ws.session() as db:
        assert db.scalar(select(func.count(Label.id))) == 0
        assert db.scalar(select(Item.n_labels)) == 0


def test_the_same_image_in_two_tasks_is_one_item(client, ws, image_server, crops):
    tasks = _tasks(image_server, [crops[0], crops[0]])
    results = _predict(client, tasks)
    assert len(results) == 2
    with ws.session() as db:
        assert db.scalar(select(func.count(Item.id))) == 1
        assert db.scalar(select(func.count(LabelStudioTask.task_id))) == 2


def test_unknown_events_and_bad_input_get_clear_answers(client, image_server):
    assert client.post("/webhook", json={"action": "PROJECT_UPDATED"}).json() == {
        "status": "Unknown event"}
    text_only = '<View><Text name="t" value="$text"/></View>'
    answer = client.post("/setup", json={"project": LS_PROJECT, "schema": text_only})
    assert answer.status_code == 400
    assert "no <Choices> or <RectangleLabels>" in answer.json()["error"]
    missing = {"tasks": [{"id": 1, "data": {"image": f"{image_server}/nothing.jpg"}}],
               "project": LS_PROJECT, "label_config": CHOICES}
    answer = client.post("/predict", json=missing)
    assert answer.status_code == 400 and "HTTP 404" in answer.json()["error"]
    wrong = _annotation(1, _tasks(image_server, [{"file": "images/idd_100009_0.jpg"}])[0], "cat")
    answer = client.post("/webhook", json=wrong)
    assert answer.status_code == 400 and "'cat', not one of" in answer.json()["error"]


def _box_annotation(aid, task, boxes, width, height):
    result = [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
               "original_width": width, "original_height": height,
               "value": {"x": 100 * float(b["x_min"]) / width,
                         "y": 100 * float(b["y_min"]) / height,
                         "width": 100 * (float(b["x_max"]) - float(b["x_min"])) / width,
                         "height": 100 * (float(b["y_max"]) - float(b["y_min"])) / height,
                         "rotation": 0, "rectanglelabels": [b["class"]]}} for b in boxes]
    return {"action": "ANNOTATION_CREATED", "project": {"id": 7, "label_config": BOXES},
            "task": task, "annotation": {"id": aid, "task": task["id"], "completed_by": 2,
                                         "result": result}}


def test_detect_projects_store_pixel_boxes_and_predict_rectangles(
        client, ws, image_server, frames):
    files = sorted(frames)[:12]
    tasks = _tasks(image_server, [{"file": f} for f in files])
    _predict(client, tasks, BOXES)
    for n, (task, f) in enumerate(zip(tasks[:8], files[:8], strict=True)):
        answer = client.post("/webhook", json=_box_annotation(n + 1, task, frames[f], 320, 180))
        assert answer.status_code == 201, answer.text
    _wait(client)
    with ws.session() as db:
        first = db.scalar(select(Label).join(LabelStudioTask, LabelStudioTask.item_id
                                             == Label.item_id).where(
                                                 LabelStudioTask.task_id == tasks[0]["id"]))
        want = [(float(b["x_min"]), float(b["y_min"]), b["class"]) for b in frames[files[0]]]
        got = [(round(b["x"], 6), round(b["y"], 6), b["label"]) for b in first.boxes]
        assert got == want
    results = _predict(client, tasks, BOXES)
    regions = [r for p in results[8:] for r in p["result"]]
    assert regions, "the open frames get boxes from the trained detector"
    # each frame shows its stored suggestions, else what the detector finds in it now
    with ws.session() as db:
        project = db.scalar(select(Project))
        items = [db.get(Item, db.get(LabelStudioTask, (project.id, t["id"])).item_id)
                 for t in tasks]
        stored = [suggestions_for(db, i.id) for i in items]
        mv = db.scalar(select(ModelVersion).order_by(ModelVersion.version.desc()).limit(1))
    assert any(stored) and not all(stored)
    detector = detector_from_bytes(load_model(ws.models_root, mv.path, mv.digest,
                                              ws.secret_key), ws)
    found = detector.detect([str(ws.media_root / i.media_path) for i in items])
    expected = [got or box_suggestions(d, project.labels)
                for got, d in zip(stored, found, strict=True)]
    shown = [[(r["value"]["rectanglelabels"][0], r["score"]) for r in p["result"]]
             for p in results]
    assert [[s.label for s in e] for e in expected] == [[c for c, _ in p] for p in shown]
    np.testing.assert_allclose([s.score for e in expected for s in e],
                               [score for p in shown for _, score in p], rtol=1e-5)
    for r in regions:
        v = r["value"]
        assert r["type"] == "rectanglelabels" and (r["original_width"], r["original_height"]) \
            == (320, 180)
        assert 0 <= v["x"] <= 100 and 0 <= v["y"] <= 100 and v["x"] + v["width"] <= 100 + 1e-6
        assert v["rectanglelabels"][0] in ("insulator", "broken", "pollution-flashover")
    assert np.all([0 <= p["score"] <= 1 for p in results])


def test_bulk_annotation_events_and_train_calls_store_every_label(client, ws, image_server,
                                                                  crops):
    tasks = _tasks(image_server, crops[:4])
    one, two = _annotation(1, tasks[0], "normal"), _annotation(2, tasks[1], "defect")
    bulk = {"action": "ANNOTATIONS_CREATED", "project": one["project"],
            "task": [tasks[1], tasks[0]], "annotation": [one["annotation"], two["annotation"]]}
    assert client.post("/webhook", json=bulk).status_code == 201
    # older Label Studio: /train with every annotated task, annotations inside
    annotated = [{**tasks[2], "annotations": [_annotation(3, tasks[2], "defect", user=9)[
        "annotation"]]}, {**tasks[3], "annotations": [{"id": 4, "was_cancelled": True,
                                                        "completed_by": 9, "result": []}]}]
    answer = client.post("/train", json={"annotations": annotated, "project": LS_PROJECT,
                                         "label_config": CHOICES})
    assert answer.status_code == 200, answer.text
    _wait(client)
    with ws.session() as db:
        stored = sorted(db.execute(select(LabelStudioTask.task_id, Label.value).join(
            Label, Label.item_id == LabelStudioTask.item_id)).all())
    assert stored == [(1, "normal"), (2, "defect"), (3, "defect")]


def test_versions_list_the_rounds_and_an_empty_predict_is_empty(client, image_server, crops):
    assert client.post("/predict", json={"tasks": [], "project": LS_PROJECT,
                                         "label_config": CHOICES}).json() == {"results": []}
    _predict(client, _tasks(image_server, crops[:3]))
    assert client.get("/versions", params={"project": LS_PROJECT}).json() == {
        "versions": ["alwild-round1"]}
    assert client.get("/versions").json() == {"versions": []}


def test_a_detectors_stored_suggestions_are_the_predicted_rectangles(
        client, ws, image_server, frames):
    files = sorted(frames)[:3]
    tasks = _tasks(image_server, [{"file": f} for f in files])
    _predict(client, tasks, BOXES)
    with ws.session() as db, db.begin():
        item_id = db.get(LabelStudioTask, (db.scalar(select(Project.id)), tasks[2]["id"])).item_id
        replace_suggestions(db, db.scalar(select(Project.id)), 1, {item_id: [
            Suggestion("broken", 0.8, (32.0, 18.0, 64.0, 36.0)),
            Suggestion("insulator", 0.6, (0.0, 0.0, 160.0, 180.0))]})
    result = _predict(client, tasks, BOXES)[2]["result"]
    assert [(r["value"]["rectanglelabels"], r["score"]) for r in result] == [
        (["broken"], 0.8), (["insulator"], 0.6)]
    assert [r["value"][k] for k in ("x", "y", "width", "height") for r in result[:1]] == [
        10.0, 10.0, 20.0, 20.0]
