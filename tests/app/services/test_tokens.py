"""API tokens are listed (never shown again) and revoked, from the API and from the Admin
page; a revoked token gets 401, and nobody revokes a token they may not see."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import auth, login, make_setup


@pytest.fixture
def setup(ws, tmp_path, client_for):
    s = make_setup(ws, tmp_path, n=20)
    return s, client_for(s.ws)


def _ids(client, token: str) -> dict[str, list[int]]:
    listed = client.get("/api/tokens", headers=auth(token))
    assert listed.status_code == 200
    assert "alw_" not in listed.text  # only hashes are kept, and none is shown
    out: dict[str, list[int]] = {}
    for t in listed.json():
        out.setdefault(t["user"], []).append(t["id"])
    return out


def test_admins_list_every_token_and_annotators_their_own(setup):
    s, client = setup
    assert sorted(_ids(client, s.admin_token)) == ["ann", "bob", "boss"]
    assert list(_ids(client, s.annotator_token)) == ["ann"]


def test_a_revoked_token_gets_401(setup):
    s, client = setup
    [mine] = _ids(client, s.annotator_token)["ann"]
    assert client.delete(f"/api/tokens/{mine}", headers=auth(s.annotator_token)).status_code == 204
    for path in ("/api/me", "/api/projects", "/api/tokens"):
        assert client.get(path, headers=auth(s.annotator_token)).status_code == 401
    assert client.delete(f"/api/tokens/{mine}", headers=auth(s.admin_token)).status_code == 404


def test_nobody_revokes_a_token_they_may_not_see(setup):
    s, client = setup
    [bobs] = _ids(client, s.admin_token)["bob"]
    assert client.delete(f"/api/tokens/{bobs}", headers=auth(s.annotator_token)).status_code == 404
    assert client.get("/api/me", headers=auth(s.other_token)).status_code == 200
    assert client.delete(f"/api/tokens/{bobs}", headers=auth(s.admin_token)).status_code == 204
    assert client.get("/api/me", headers=auth(s.other_token)).status_code == 401


def test_the_admin_page_lists_and_revokes_tokens(setup):
    s, client = setup
    csrf = login(client, "boss", "boss-password-1")
    page = client.get("/admin").text
    listed = [int(i) for i in re.findall(r'data-token="(\d+)"', page)]
    assert sorted(listed) == sorted(sum(_ids(client, s.admin_token).values(), []))
    [anns] = _ids(client, s.admin_token)["ann"]
    no_csrf = client.post(f"/admin/tokens/{anns}/revoke", follow_redirects=False)
    assert no_csrf.status_code == 403
    assert client.get("/api/me", headers=auth(s.annotator_token)).status_code == 200
    done = client.post(f"/admin/tokens/{anns}/revoke", data={"csrf": csrf},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/api/me", headers=auth(s.annotator_token)).status_code == 401
    assert f'data-token="{anns}"' not in client.get("/admin").text
