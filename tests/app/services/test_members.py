"""Adding users and members: the REST API and the Admin page go through the same service,
and give the same result."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alwild.app.services import members
from alwild.app.services.projects import NotFound
from alwild.app.store.orm import Membership, Project, User
from alwild.app.web.server import create_app
from tests.app.conftest import auth, login, make_setup, try_login


@pytest.fixture
def setup(sqlite_ws, tmp_path):
    s = make_setup(sqlite_ws, tmp_path, n=20)
    app = create_app(sqlite_ws)
    return s, TestClient(app, base_url="http://127.0.0.1")


def _member_of(s, username: str) -> list[str]:
    with s.ws.session() as db:
        user = db.scalar(select(User).where(User.username == username))
        ids = db.scalars(select(Membership.project_id).where(Membership.user_id == user.id))
        return sorted(db.get(Project, i).slug for i in ids)


def test_the_api_adds_a_user_and_then_a_member_once(setup):
    s, client = setup
    h = auth(s.admin_token)
    made = client.post("/api/users", headers=h, json={"username": "cy", "role": "annotator"})
    assert made.status_code == 201 and made.json()["username"] == "cy"
    assert len(made.json()["password"]) >= 12 and _member_of(s, "cy") == []
    for _ in range(2):
        added = client.post(f"/api/projects/{s.slug}/members", headers=h, json={"username": "cy"})
        assert added.status_code == 201 and added.json() == {"project": s.slug, "member": "cy"}
    assert _member_of(s, "cy") == [s.slug]
    missing = client.post(f"/api/projects/{s.slug}/members", headers=h,
                          json={"username": "nobody"})
    assert missing.status_code == 404 and missing.json() == {"detail": "no user 'nobody'"}


def test_the_admin_page_adds_a_user_to_a_project_and_a_member(setup):
    s, client = setup
    csrf = login(client, "boss", "boss-password-1")
    page = client.post("/admin/users", data={"username": "dee", "role": "annotator",
                                             "project": s.slug, "csrf": csrf})
    assert page.status_code == 200 and "Password for dee" in page.text
    password = re.search(r'<code id="secret">([^<]+)</code>', page.text).group(1)
    assert _member_of(s, "dee") == [s.slug]
    moved = client.post("/admin/members", data={"username": "dee", "project": "other",
                                                "csrf": csrf}, follow_redirects=False)
    assert moved.status_code == 303 and _member_of(s, "dee") == ["other", s.slug]
    missing = client.post("/admin/members", data={"username": "nobody", "project": "other",
                                                  "csrf": csrf})
    assert missing.status_code == 404 and "no user &#39;nobody&#39;" in missing.text
    with s.ws.session() as db:
        from alwild.app.services.auth import authenticate

        assert authenticate(db, "dee", password) is not None


def test_a_user_for_an_unknown_project_is_not_created(sqlite_ws, tmp_path):
    s = make_setup(sqlite_ws, tmp_path, n=20)
    with s.ws.session() as db:
        admin = db.scalar(select(User).where(User.username == "boss"))
        with pytest.raises(NotFound):
            members.add_user(db, admin, "eve", "annotator", "no-such-project")
        db.rollback()
        assert db.scalar(select(User).where(User.username == "eve")) is None
        with pytest.raises(ValueError, match="already exists"):
            members.add_user(db, admin, "ann", "annotator")


def test_a_deactivated_user_cannot_log_in_or_use_a_token_or_a_session(setup, client_for):
    s, client = setup
    session = client_for(s.ws)
    login(session, "ann", "ann-password-1")
    h = auth(s.admin_token)
    off = client.patch("/api/users/ann", headers=h, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/me", headers=auth(s.annotator_token)).status_code == 401
    assert session.get("/api/me").status_code == 401
    assert try_login(client_for(s.ws), "ann", "ann-password-1").status_code == 401
    listed = {u["username"]: u["active"] for u in client.get("/api/users", headers=h).json()}
    assert listed == {"boss": True, "ann": False, "bob": True}
    on = client.patch("/api/users/ann", headers=h, json={"active": True})
    assert on.json()["active"] is True
    assert client.get("/api/me", headers=auth(s.annotator_token)).status_code == 200
    assert session.get("/api/me").status_code == 401  # its session stays ended


def test_only_other_admins_deactivate_and_only_people(setup):
    s, client = setup
    me = client.patch("/api/users/boss", headers=auth(s.admin_token), json={"active": False})
    assert me.status_code == 400 and "your own account" in me.json()["detail"]
    assert client.patch("/api/users/bob", headers=auth(s.annotator_token),
                        json={"active": False}).status_code == 403
    for name in ("import", "nobody"):
        assert client.patch(f"/api/users/{name}", headers=auth(s.admin_token),
                            json={"active": False}).status_code == 404
    assert client.get("/api/me", headers=auth(s.admin_token)).status_code == 200


def test_the_admin_page_deactivates_and_reactivates(setup):
    s, client = setup
    csrf = login(client, "boss", "boss-password-1")
    assert 'action="/admin/users/boss/active"' not in client.get("/admin").text
    off = client.post("/admin/users/bob/active", data={"active": "0", "csrf": csrf},
                      follow_redirects=False)
    assert off.status_code == 303
    assert client.get("/api/me", headers=auth(s.other_token)).status_code == 401
    row = re.search(r'data-user="bob">(.*?)</tr>', client.get("/admin").text, re.S).group(1)
    assert "deactivated" in row and "Reactivate" in row
    client.post("/admin/users/bob/active", data={"active": "1", "csrf": csrf})
    assert client.get("/api/me", headers=auth(s.other_token)).status_code == 200
