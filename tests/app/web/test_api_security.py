"""The REST API and pages: authentication, roles, object-level checks, media confinement,
content typing, headers, escaping, CSRF and clear 4xx answers for bad input."""

from __future__ import annotations

import os
import re
import shutil
import stat

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from alwild.app.services.training import train_project
from alwild.app.store.orm import ApiToken, Item, Label, ModelVersion, User
from alwild.app.web import api, pages
from alwild.app.worker import Worker
from tests.app.conftest import DATA, auth, login, make_setup


@pytest.fixture
def rows(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=80, seed_labels=30, batch_size=10)
    train_project(sqlite_ws, s.project_id)
    return s, client_for(sqlite_ws)


@pytest.fixture
def frames(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, task="detect", batch_size=8)
    train_project(sqlite_ws, s.project_id)
    return s, client_for(sqlite_ws)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_route_but_login_and_health_needs_auth(rows):
    s, client = rows
    open_paths = {"/api/health", "/login"}
    checked = 0
    routes = [*api.router.routes, *pages.router.routes, *client.app.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or route.path in open_paths:
            continue
        for method in route.methods - {"HEAD"}:
            resp = client.request(method, _fill(route.path), follow_redirects=False)
            if route.path.startswith("/api/"):
                assert resp.status_code == 401, (method, route.path, resp.status_code)
            else:
                assert resp.status_code in (303, 401), (method, route.path)
                if resp.status_code == 303:
                    assert resp.headers["location"].startswith("/login")
            checked += 1
    assert checked >= 30
    assert client.get("/api/health").json() == {"status": "ok"}
    bad = client.get("/api/projects", headers=auth("alw_not-a-real-token"))
    assert bad.status_code == 401


def test_annotators_cannot_reach_admin_endpoints(rows):
    s, client = rows
    h = auth(s.annotator_token)
    assert client.post(f"/api/projects/{s.slug}/retrain", headers=h).status_code == 403
    assert client.patch(f"/api/projects/{s.slug}", headers=h,
                        json={"budget": 1}).status_code == 403
    assert client.post("/api/users", headers=h, json={"username": "x"}).status_code == 403
    assert client.get(f"/api/projects/{s.slug}/review", headers=h).status_code == 403
    csrf = login(client, "ann", "ann-password-1")
    assert client.get("/admin").status_code == 403
    assert client.post("/admin/users", data={"username": "evil", "role": "admin",
                                             "csrf": csrf}).status_code == 403
    with s.ws.session() as db:
        assert db.scalar(select(User).where(User.username == "evil")) is None


def test_annotators_cannot_see_another_projects_items_labels_or_media(frames):
    s, client = frames
    mine = client.post(f"/api/projects/{s.slug}/claim", headers=auth(s.annotator_token)).json()
    h = auth(s.other_token)  # bob works on another project only
    assert [p["slug"] for p in client.get("/api/projects", headers=h).json()] == ["other"]
    for method, path in (("GET", f"/api/projects/{s.slug}"),
                         ("GET", f"/api/projects/{s.slug}/queue"),
                         ("POST", f"/api/projects/{s.slug}/claim"),
                         ("GET", f"/api/projects/{s.slug}/progress"),
                         ("GET", f"/api/items/{mine['uid']}"),
                         ("GET", f"/api/items/{mine['uid']}/media"),
                         ("GET", f"/api/items/{mine['uid']}/thumb"),
                         ("DELETE", f"/api/items/{mine['uid']}/skip"),
                         ("GET", f"/api/items/{mine['uid']}/labels"),
                         ("POST", f"/api/items/{mine['uid']}/skip")):
        assert client.request(method, path, headers=h).status_code == 404, path
    resp = client.post(f"/api/items/{mine['uid']}/labels", headers=h,
                       json={"request_id": "bob1", "boxes": []})
    assert resp.status_code == 404
    with s.ws.session() as db:
        assert db.scalar(select(Label).join(User).where(User.username == "bob")) is None


def test_media_is_confined_to_the_media_root_even_through_symlinks(frames, tmp_path):
    s, client = frames
    h = auth(s.admin_token)
    uid = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"]
    ok = client.get(f"/api/items/{uid}/media", headers=h)
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in ok.headers["content-security-policy"]
    outside = tmp_path / "outside.jpg"
    shutil.copy(DATA / "insulators" / "images" / "idd_100009_0.jpg", outside)
    link = s.ws.media_root / "ab" / "link.jpg"
    link.parent.mkdir(exist_ok=True)
    os.symlink(outside, link)
    assert client.get(f"/api/items/{uid}/thumb", headers=h).status_code == 200  # now cached
    for evil in ("../secret.key", "../../outside.jpg", str(outside), "ab/link.jpg", ""):
        with s.ws.session() as db, db.begin():
            db.scalar(select(Item).where(Item.uid == uid)).media_path = evil
        for route in ("media", "thumb"):
            resp = client.get(f"/api/items/{uid}/{route}", headers=h)
            assert resp.status_code == 404, (route, evil)
            assert b"JFIF" not in resp.content and len(resp.content) < 200


def test_uploads_are_typed_by_content_not_by_extension(sqlite_ws, tmp_path):
    from alwild.app.services.ingest import ingest
    from alwild.app.services.projects import create_project

    folder = tmp_path / "imgs"
    folder.mkdir()
    shutil.copy(DATA / "insulators" / "images" / "idd_100009_0.jpg", folder / "photo.png")
    with sqlite_ws.session() as db, db.begin():
        project = create_project(db, "P", "classify", ["a", "b"])
        ingest(sqlite_ws, db, project, str(folder))
        item = db.scalar(select(Item))
        assert item.media_type == "image/jpeg" and item.media_path.endswith(".jpg")
    (folder / "evil.jpg").write_text("<html><script>alert(1)</script></html>")
    with sqlite_ws.session() as db, db.begin():
        project = create_project(db, "Q", "classify", ["a", "b"])
        with pytest.raises(ValueError, match="evil.jpg.*does not decode"):
            ingest(sqlite_ws, db, project, str(folder))
    outside = tmp_path / "secret.jpg"
    shutil.copy(DATA / "insulators" / "images" / "idd_100010_0.jpg", outside)
    (folder / "evil.jpg").unlink()
    os.symlink(outside, folder / "link.jpg")
    with sqlite_ws.session() as db, db.begin():
        project = create_project(db, "R", "classify", ["a", "b"])
        with pytest.raises(ValueError, match="points outside"):
            ingest(sqlite_ws, db, project, str(folder))


def test_item_data_is_escaped_in_pages(sqlite_ws, tmp_path, client_for):
    from alwild.app.services.ingest import store_row
    from alwild.app.store.orm import Project

    s = make_setup(sqlite_ws, tmp_path, n=30, seed_labels=20)
    payload = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
    with sqlite_ws.session() as db, db.begin():
        item = store_row(db, db.get(Project, s.project_id), {"Name": payload, "Age": 3}, 0.0)
        db.flush()
        item.queued, item.queue_rank, uid = True, -1, item.uid
    client = client_for(sqlite_ws)
    login(client, "boss", "boss-password-1")
    for path in (f"/p/{s.slug}/items/{uid}", f"/p/{s.slug}"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html or "\\u003cscript\\u003e" in html


def test_csrf_is_required_for_cookie_sessions(rows):
    s, client = rows
    csrf = login(client, "boss", "boss-password-1")
    url = f"/admin/p/{s.slug}/retrain"
    assert client.post(url, follow_redirects=False).status_code == 403
    assert client.post(url, data={"csrf": "wrong"}, follow_redirects=False).status_code == 403
    assert client.post(url, data={"csrf": csrf}, follow_redirects=False).status_code == 303
    api = f"/api/projects/{s.slug}/claim"
    assert client.post(api).status_code == 403
    assert client.post(api, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_login_needs_its_form_token_and_the_right_password(rows):
    s, client = rows
    client.get("/login")
    forged = client.post("/login", data={"username": "boss", "password": "boss-password-1",
                                         "csrf": "guess"}, follow_redirects=False)
    assert forged.status_code == 401
    page = client.get("/login")
    pre = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    wrong = client.post("/login", data={"username": "boss", "password": "nope", "csrf": pre})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    assert login(client, "boss", "boss-password-1")


def test_passwords_and_tokens_are_stored_hashed_and_the_key_is_private(rows):
    s, _ = rows
    with s.ws.session() as db:
        boss = db.scalar(select(User).where(User.username == "boss"))
        assert boss.password_hash.startswith("scrypt$") and "boss-password" not in \
            boss.password_hash
        hashes = set(db.scalars(select(ApiToken.token_hash)))
    assert s.admin_token not in hashes and len(hashes) == 3
    key = s.ws.root / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(s.ws.secret_key) == 32


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(frames):
    s, client = frames
    h = auth(s.annotator_token)
    item = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()
    url = f"/api/items/{item['uid']}/labels"
    w, ht = item["width"], item["height"]
    cases = [
        ({"request_id": "a", "boxes": [{"x": 1, "y": 1, "w": 5, "h": 5, "label": "cat"}]},
         400, "not one of"),
        ({"request_id": "b", "boxes": [{"x": w - 2, "y": 1, "w": 50, "h": 5,
                                        "label": "broken"}]}, 400, "outside"),
        ({"request_id": "c", "boxes": [], "image_width": w + 1}, 400, "does not match"),
        ({"request_id": "d", "boxes": [{"x": 1, "y": 1, "w": -3, "h": 5, "label": "broken"}]},
         400, "positive"),
        ({"boxes": []}, 422, "request_id"),
    ]
    for body, status, words in cases:
        resp = client.post(url, headers=h, json=body)
        assert resp.status_code == status and words in resp.json()["detail"], resp.text
    assert client.post("/api/items/nope/labels", headers=h,
                       json={"request_id": "e"}).status_code == 404
    huge = client.post(url, headers={**h, "Content-Type": "application/json"},
                       content=b"x" * (27 * 1024 * 1024))
    assert huge.status_code == 413 and "too large" in huge.json()["detail"]
    with s.ws.session() as db:
        assert db.scalar(select(Label).join(User).where(User.username == "ann")) is None
    good = client.post(url, headers=h, json={
        "request_id": "ok", "image_width": w, "image_height": ht,
        "boxes": [{"x": 2, "y": 3, "w": 20, "h": 30, "label": "broken"}]})
    assert good.status_code == 200 and good.json()["boxes"][0]["w"] == 20


def test_api_stale_edit_gets_409_with_the_current_version(rows):
    s, client = rows
    h = auth(s.annotator_token)
    uid = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"]
    url = f"/api/items/{uid}/labels"
    assert client.post(url, headers=h, json={"request_id": "1", "value": "died"}).json()[
        "version"] == 1
    assert client.post(url, headers=h, json={"request_id": "2", "value": "survived",
                                             "base_version": 1}).status_code == 200
    stale = client.post(url, headers=h, json={"request_id": "3", "value": "died",
                                              "base_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2
    assert stale.json()["current"]["value"] == "survived"
    assert client.post(url, headers=h, json={"request_id": "4", "value": "maybe",
                                             "base_version": 2}).status_code == 400


def test_retrain_runs_in_the_background_and_opens_a_new_round(rows):
    s, client = rows
    h = auth(s.admin_token)
    resp = client.post(f"/api/projects/{s.slug}/retrain", headers=h)
    assert resp.status_code == 202
    with s.ws.session() as db:  # answered before any training: no new model yet
        assert len(db.scalars(select(ModelVersion)).all()) == 1
    assert client.get(f"/api/projects/{s.slug}/progress", headers=h).json()["train_state"] \
        == "pending"
    assert Worker(s.ws).drain() == 1
    prog = client.get(f"/api/projects/{s.slug}/progress", headers=h).json()
    assert prog["round"]["number"] == 2 and prog["round"]["model_version"] == 2
    with s.ws.session() as db:
        assert len(db.scalars(select(ModelVersion)).all()) == 2


def test_every_retrain_every_labels_trigger_a_retrain(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=80, seed_labels=30, batch_size=10, retrain_every=3)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    h = auth(s.annotator_token)
    for i in range(3):
        uid = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"]
        client.post(f"/api/items/{uid}/labels", headers=h,
                    json={"request_id": f"r{i}", "value": "died"})
    assert Worker(sqlite_ws).drain() == 1
    prog = client.get(f"/api/projects/{s.slug}/progress", headers=h).json()
    assert prog["round"]["number"] == 2 and prog["retrain_in"] == 3


def test_admin_settings_form_checks_values_and_changes_nothing_on_error(rows):
    s, client = rows
    csrf = login(client, "boss", "boss-password-1")
    url = f"/admin/p/{s.slug}/settings"
    good = {"csrf": csrf, "strategy": "margin", "batch_size": "7", "retrain_every": "5",
            "budget": "99", "overlap": "2", "stream_share": "0.25",
            "stream_max_per_hour": "4", "stream_max_per_day": ""}
    assert client.post(url, data=good, follow_redirects=False).status_code == 303
    got = client.get(f"/api/projects/{s.slug}", headers=auth(s.admin_token)).json()
    assert (got["strategy"], got["batch_size"], got["overlap"], got["stream_share"],
            got["stream_max_per_hour"], got["stream_max_per_day"]) == ("margin", 7, 2, 0.25,
                                                                        4, None)
    bad = client.post(url, data={**good, "batch_size": "0", "strategy": "entropy"})
    assert bad.status_code == 400 and "batch_size" in bad.text
    unknown = client.post(url, data={**good, "strategy": "vote_entropy"})
    assert unknown.status_code == 400 and "committee" in unknown.text
    got = client.get(f"/api/projects/{s.slug}", headers=auth(s.admin_token)).json()
    assert (got["strategy"], got["batch_size"]) == ("margin", 7)
