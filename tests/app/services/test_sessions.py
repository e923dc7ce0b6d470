"""Server-side sessions, attacked over HTTP: a saved cookie is worthless after logout,
after a password change and after its expiry, and a made-up cookie never works. On SQLite
and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from alwild.app.services import members, sessions
from alwild.app.store.orm import LoginSession
from alwild.app.web.deps import SESSION_COOKIE
from tests.app.conftest import login, make_setup, user_named


@pytest.fixture
def setup(ws, tmp_path, client_for):
    return make_setup(ws, tmp_path, n=20), client_for


def _saved_cookie(client) -> str:
    return client.cookies[SESSION_COOKIE]


def _me_with(make, ws, cookie: str) -> int:
    replay = make(ws)
    replay.cookies.set(SESSION_COOKIE, cookie)
    return replay.get("/api/me").status_code


def test_a_saved_cookie_gets_401_after_logout(setup):
    s, make = setup
    client = make(s.ws)
    csrf = login(client, "ann", "ann-password-1")
    saved = _saved_cookie(client)
    assert _me_with(make, s.ws, saved) == 200
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert _me_with(make, s.ws, saved) == 401
    replay = make(s.ws)
    replay.cookies.set(SESSION_COOKIE, saved)
    assert replay.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_password_change_ends_every_session_of_the_user(setup):
    s, make = setup
    phone, laptop, other = make(s.ws), make(s.ws), make(s.ws)
    login(phone, "ann", "ann-password-1")
    login(laptop, "ann", "ann-password-1")
    login(other, "boss", "boss-password-1")
    with s.ws.session() as db, db.begin():
        assert members.set_password(db, user_named(db, "ann"), "a-new-secret-9") == 2
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 401
    assert other.get("/api/me").json()["username"] == "boss"  # other users keep theirs
    login(phone, "ann", "a-new-secret-9")
    assert phone.get("/api/me").status_code == 200


def test_expired_and_made_up_cookies_get_401(setup, monkeypatch):
    s, make = setup
    client = make(s.ws)
    login(client, "ann", "ann-password-1")
    saved = _saved_cookie(client)
    start = sessions.now()
    monkeypatch.setattr(sessions, "now", lambda: start + sessions.SESSION_SECONDS + 1)
    assert _me_with(make, s.ws, saved) == 401
    monkeypatch.undo()
    assert _me_with(make, s.ws, saved) == 200
    for forged in ("1.1700000000.abc.def", saved[:-1] + ("A" if saved[-1] != "A" else "B"),
                   "x" * 5000, ""):
        assert _me_with(make, s.ws, forged) == 401


def test_the_store_keeps_only_a_hash_of_the_cookie(setup):
    s, make = setup
    client = make(s.ws)
    login(client, "ann", "ann-password-1")
    with s.ws.session() as db:
        rows = db.scalars(select(LoginSession)).all()
    assert len(rows) == 1 and rows[0].token_hash != _saved_cookie(client)
    assert _saved_cookie(client) not in repr([vars(r) for r in rows])
