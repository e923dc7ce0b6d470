"""Against a real Label Studio (one server per test session, from .venv-labelstudio) and
the real ``alwild labelstudio-backend`` command: create projects, upload images, connect
the backend, annotate through Label Studio's API, and check that its predictions appear,
carry alwild's ranking as their score, sort most-informative-first, and change after
retraining."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from alwild.app.labelstudio.predictions import latest_ranking, queue_scores
from alwild.app.labelstudio.source import LabelStudioSource, is_personal_token
from alwild.app.store.orm import Item, Label, LabelStudioTask, Project, User
from alwild.app.store.workspace import open_workspace
from alwild.errors import UserValueError
from tests.app.labelstudio.conftest import BOXES, CHOICES, DATA
from tests.app.labelstudio.processes import LS_BIN, LS_TOKEN, start_backend, start_label_studio

pytestmark = pytest.mark.skipif(
    not LS_BIN.exists(),
    reason=f"Label Studio's own virtualenv is missing ({LS_BIN}): run `make labelstudio-venv` "
           "(`make test` does)")

WAIT = 180.0


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(Label Studio client, backend URL, backend workspace folder)."""
    root = tmp_path_factory.mktemp("labelstudio")
    ls, ls_url = start_label_studio(root / "ls-data", root / "label-studio.log")
    try:
        backend, backend_url = start_backend(root / "ws", ls_url, root / "backend.log")
        try:
            with httpx.Client(base_url=ls_url, timeout=300,
                              headers={"Authorization": f"Token {LS_TOKEN}"}) as client:
                yield client, backend_url, root / "ws"
        finally:
            backend.stop()
    finally:
        ls.stop()


def _ok(answer: httpx.Response) -> dict | list:
    assert answer.status_code < 300, f"{answer.request.url}: {answer.status_code} {answer.text}"
    return answer.json()


def _project(client, title: str, config: str, files: list[str], backend_url: str) -> int:
    pid = _ok(client.post("/api/projects", json={"title": title, "label_config": config}))["id"]
    uploads = [(f"file{i}", (f.rsplit("/", 1)[1], (DATA / f).read_bytes(), "image/jpeg"))
               for i, f in enumerate(files)]
    assert _ok(client.post(f"/api/projects/{pid}/import", files=uploads))["task_count"] \
        == len(files)
    ml = _ok(client.post("/api/ml", json={"url": backend_url, "project": pid,
                                         "title": "alwild"}))
    assert ml["readable_state"] == "Connected", ml
    return pid


def _tasks(client, pid: int, ordering: str | None = None) -> list[dict]:
    params = {"project": pid, "fields": "all", "page_size": 1000}
    if ordering:
        params["query"] = json.dumps({"ordering": [ordering]})
    return _ok(client.get("/api/tasks", params=params))["tasks"]


def _retrieve(client, pid: int) -> None:
    _ok(client.post("/api/dm/actions", params={"id": "retrieve_tasks_predictions",
                                               "project": pid},
                    json={"selectedItems": {"all": True, "excluded": []}}))


def _upload_name(task: dict) -> str:
    """The original file name of an uploaded image (Label Studio prefixes a hash)."""
    return task["data"]["image"].rsplit("/", 1)[1].split("-", 1)[1]


def _alwild_scores(ws_dir, pid: int) -> tuple[str, dict[int, float], dict[int, str]]:
    """(model version, score per Label Studio task, label per task) as alwild has them."""
    ws = open_workspace(ws_dir)
    try:
        with ws.reader() as db:
            project = db.scalar(select(Project).where(Project.slug == f"labelstudio-{pid}"))
            ranking = latest_ranking(db, project)
            links = db.execute(select(LabelStudioTask.task_id, LabelStudioTask.item_id)
                               .where(LabelStudioTask.project_id == project.id)).all()
            scores = dict(zip([t for t, _ in links],
                              queue_scores(ranking.ranks, [i for _, i in links]).tolist(),
                              strict=True))
            labels = dict(db.execute(
                select(LabelStudioTask.task_id, Label.value)
                .join(Label, Label.item_id == LabelStudioTask.item_id)
                .join(User, User.id == Label.user_id)
                .where(LabelStudioTask.project_id == project.id,
                       User.username.like("labelstudio:%"))).all())
            return ranking.model_version, scores, labels
    finally:
        ws.dispose()


def _settled(client, ws_dir, pid: int, n_labels: int,
             not_version: str | None = None) -> tuple[str, dict, dict]:
    """Wait until alwild holds ``n_labels`` labels and Label Studio has selected the model
    version of alwild's latest round (other than ``not_version``), with a prediction of it
    on every task."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        version, scores, labels = _alwild_scores(ws_dir, pid)
        project = _ok(client.get(f"/api/projects/{pid}"))
        tasks = _tasks(client, pid)
        if (len(labels) == n_labels and version != not_version
                and project["model_version"] == version
                and all(any(p["model_version"] == version for p in t["predictions"])
                        for t in tasks)):
            return version, scores, labels
        time.sleep(1)
    raise AssertionError(f"Label Studio's model version {project['model_version']!r} never "
                         f"became alwild's {version!r} with {n_labels} labels ({len(labels)})")


def _current(task: dict, version: str) -> dict:
    return next(p for p in task["predictions"] if p["model_version"] == version)


def test_classification_predictions_sort_most_informative_first_and_follow_retraining(
        servers, crops):
    client, backend_url, ws_dir = servers
    normal = [c for c in crops if c["label"] == "normal"][:12]
    defect = [c for c in crops if c["label"] == "defect"][:12]
    truth = {c["file"].rsplit("/", 1)[1]: c["label"] for c in normal + defect}
    pid = _project(client, "insulators", CHOICES, [c["file"] for c in normal + defect],
                   backend_url)

    _retrieve(client, pid)
    tasks = _tasks(client, pid)
    first_version, first_scores, _ = _alwild_scores(ws_dir, pid)
    assert first_version == "alwild-round1"
    for task in tasks:
        prediction = _current(task, first_version)
        assert prediction["score"] == pytest.approx(first_scores[task["id"]])
    assert sorted(first_scores.values()) == pytest.approx([i / 24 for i in range(24)])

    # annotate 4 + 4 through Label Studio's API; its webhooks reach the backend
    chosen = [t for t in tasks if truth[_upload_name(t)] == "normal"][:4] + \
        [t for t in tasks if truth[_upload_name(t)] == "defect"][:4]
    for task in chosen:
        region = {"from_name": "label", "to_name": "image", "type": "choices",
                  "value": {"choices": [truth[_upload_name(task)]]}}
        _ok(client.post(f"/api/tasks/{task['id']}/annotations", json={"result": [region]}))

    version, scores, labels = _settled(client, ws_dir, pid, 8, not_version=first_version)
    assert labels == {t["id"]: truth[_upload_name(t)] for t in chosen}
    assert version != first_version and scores != first_scores

    # Label Studio's own ascending sort by prediction score is alwild's query order
    ordered = _tasks(client, pid, ordering="tasks:predictions_score")
    shown = [t["predictions_score"] for t in ordered]
    assert shown == sorted(shown)
    assert [t["id"] for t in ordered[:16]] == sorted(
        (t for t in scores if scores[t] < 1.0), key=scores.get)
    assert {t["id"] for t in ordered[16:]} == {t["id"] for t in chosen}
    open_guesses = [_current(t, version)["result"] for t in ordered[:16]]
    assert all(r and r[0]["value"]["choices"][0] in ("normal", "defect") for r in open_guesses)
    # entropy on two classes: first comes the guess nearest 50:50
    confidence = [r[0]["score"] for r in open_guesses]
    assert confidence == sorted(confidence)

    # and so is its Uncertainty sampling: the next task is alwild's first pick
    _ok(client.patch(f"/api/projects/{pid}", json={"sampling": "Uncertainty sampling"}))
    assert _ok(client.get(f"/api/projects/{pid}/next"))["id"] == ordered[0]["id"]

    # "Start Training": the backend reads every annotation back through the export API
    ml_id = _ok(client.get("/api/ml", params={"project": pid}))[0]["id"]
    assert client.post(f"/api/ml/{ml_id}/train").status_code == 200
    again, _, labels = _settled(client, ws_dir, pid, 8, not_version=version)
    assert again != version
    assert labels == {t["id"]: truth[_upload_name(t)] for t in chosen}
    assert _ok(client.get(f"/api/ml/{ml_id}"))["readable_state"] != "Error"


def test_rectangles_come_back_as_boxes_in_pixels_and_go_out_in_percent(servers, frames):
    client, backend_url, ws_dir = servers
    files = sorted(frames)[:8]
    pid = _project(client, "frames", BOXES, files, backend_url)
    tasks = _tasks(client, pid)
    by_name = {f.rsplit("/", 1)[1]: frames[f] for f in files}
    for task in tasks[:5]:
        result = [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
                   "original_width": 320, "original_height": 180,
                   "value": {"x": float(b["x_min"]) / 3.2, "y": float(b["y_min"]) / 1.8,
                             "width": (float(b["x_max"]) - float(b["x_min"])) / 3.2,
                             "height": (float(b["y_max"]) - float(b["y_min"])) / 1.8,
                             "rotation": 0, "rectanglelabels": [b["class"]]}}
                  for b in by_name[_upload_name(task)]]
        _ok(client.post(f"/api/tasks/{task['id']}/annotations", json={"result": result}))
    version, scores, _ = _settled(client, ws_dir, pid, 5)

    ws = open_workspace(ws_dir)
    try:
        with ws.reader() as db:
            for task in tasks[:5]:
                item = db.scalar(select(Item).join(LabelStudioTask, LabelStudioTask.item_id
                                                   == Item.id)
                                 .where(LabelStudioTask.task_id == task["id"]))
                boxes = db.scalar(select(Label.boxes).where(Label.item_id == item.id))
                want = [(float(b["x_min"]), float(b["y_max"]), b["class"])
                        for b in by_name[_upload_name(task)]]
                assert [(pytest.approx(b["x"]), pytest.approx(b["y"] + b["h"]), b["label"])
                        for b in boxes] == want
    finally:
        ws.dispose()
    regions = [r for t in _tasks(client, pid)[5:] for r in _current(t, version)["result"]]
    assert regions and all(r["type"] == "rectanglelabels" for r in regions)
    assert all(0 <= r["value"]["x"] <= 100 and r["value"]["width"] <= 100 for r in regions)
    assert sorted(scores.values())[:3] == pytest.approx([0, 1 / 3, 2 / 3])


def test_a_personal_access_token_reads_tasks_and_images(servers, crops):
    client, backend_url, _ = servers
    pid = _project(client, "tokens", CHOICES, [crops[0]["file"]], backend_url)
    pat = _ok(client.post("/api/token/"))["token"]
    assert is_personal_token(pat)
    task = _tasks(client, pid)[0]
    region = {"from_name": "label", "to_name": "image", "type": "choices",
              "value": {"choices": ["normal"]}}
    _ok(client.post(f"/api/tasks/{task['id']}/annotations", json={"result": [region]}))
    source = LabelStudioSource(str(client.base_url).rstrip("/"), pat)
    tasks = source.tasks(pid)  # the export: the annotated tasks
    assert [(t["id"], t["annotations"][0]["result"]) for t in tasks] == [(task["id"], [region])]
    assert source.image(tasks[0]["data"]["image"]) == (DATA / crops[0]["file"]).read_bytes()
    source._access = "expired.access.token"  # a stale access token is refreshed once
    assert source.image(tasks[0]["data"]["image"]) == (DATA / crops[0]["file"]).read_bytes()
    with pytest.raises(UserValueError, match="refused the token"):
        LabelStudioSource(source.url, "not-a-token").image(tasks[0]["data"]["image"])
