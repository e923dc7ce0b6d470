"""Who the server answers, and how it sets cookies: a foreign ``Host`` (DNS rebinding) gets
400 from a real ``alwild serve``; ``--allowed-hosts`` replaces the default list; in HTTPS
mode cookies are ``Secure`` and every answer carries HSTS, and not otherwise."""

from __future__ import annotations

import socket

import httpx
import pytest

from alwild.app.store.workspace import open_workspace
from alwild.app.web.deps import SESSION_COOKIE
from alwild.app.web.launch import default_hosts
from tests.app.conftest import make_setup, try_login
from tests.app.server_proc import Server

REBOUND = "rebind.attacker.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("hosts")
    ws = open_workspace(root / "ws", create=True)
    make_setup(ws, root, n=20)
    ws.dispose()
    server = Server(root / "ws").start()
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/login", "/api/health", "/api/me", "/static/app.css"])
def test_a_real_server_refuses_a_foreign_host_header(served, path):
    refused = httpx.get(served.url + path, headers={"Host": REBOUND})
    assert refused.status_code == 400 and "Host" in refused.json()["detail"]
    assert refused.headers["x-frame-options"] == "DENY"
    assert httpx.get(served.url + "/login", headers={"Host": f"localhost:{served.port}"}
                     ).status_code == 200
    assert any("answering Host 127.0.0.1, localhost, ::1" in line for line in served.output)


def test_allowed_hosts_replace_the_default(sqlite_ws, tmp_path, client_for):
    make_setup(sqlite_ws, tmp_path, n=20)
    client = client_for(sqlite_ws, allowed_hosts=("labels.example.org",))
    assert client.get("/api/health", headers={"Host": "Labels.Example.org:443"}
                      ).status_code == 200
    assert client.get("/api/health").status_code == 400  # 127.0.0.1 is no longer listed
    assert client.get("/api/health", headers={"Host": "evil.example.org"}).status_code == 400
    anyone = client_for(sqlite_ws, allowed_hosts=("*",))
    assert anyone.get("/api/health", headers={"Host": REBOUND}).status_code == 200


def test_https_mode_sets_secure_cookies_and_hsts(sqlite_ws, tmp_path, client_for):
    make_setup(sqlite_ws, tmp_path, n=20)
    plain = client_for(sqlite_ws)
    answer = try_login(plain, "boss", "boss-password-1")
    assert "strict-transport-security" not in answer.headers
    assert "secure" not in answer.headers["set-cookie"].lower()
    tls = client_for(sqlite_ws, https=True, base_url="https://127.0.0.1")
    form = tls.get("/login")
    assert form.headers["strict-transport-security"] == "max-age=31536000"
    assert "; secure" in form.headers["set-cookie"].lower()
    answer = try_login(tls, "boss", "boss-password-1")
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE + "="))
    assert {"secure", "httponly", "samesite=strict"} <= {
        part.strip().lower() for part in cookie.split(";")}
    assert "strict-transport-security" in tls.get("/api/health").headers
    assert tls.get("/api/me").json()["username"] == "boss"  # the Secure cookie works on TLS


def test_a_wildcard_bind_answers_this_machines_names_and_nothing_foreign():
    hosts = default_hosts("0.0.0.0")
    assert socket.gethostname().lower() in hosts and "localhost" in hosts
    assert REBOUND not in hosts and "*" not in hosts


def test_without_https_a_forged_forwarded_address_does_not_escape_the_login_throttle(tmp_path):
    """Plain mode has no proxy in front, so ``X-Forwarded-For`` is the client's own claim:
    a sprayer that forges a new address on every try is still throttled by its real one."""
    from alwild.app.services.throttle import ADDRESS_FREE

    ws = open_workspace(tmp_path / "ws", create=True)
    make_setup(ws, tmp_path, n=5)
    ws.dispose()
    server = Server(tmp_path / "ws").start()
    try:
        codes = []
        for i in range(ADDRESS_FREE + 3):
            with httpx.Client(base_url=server.url,
                              headers={"X-Forwarded-For": f"10.9.{i}.1"}) as client:
                codes.append(try_login(client, f"user{i}", "wrong-password").status_code)
    finally:
        server.stop()
    assert codes == [401] * ADDRESS_FREE + [429] * 3
    assert not any("10.9." in line for line in server.output)
