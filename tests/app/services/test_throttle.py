"""Login throttling, attacked over HTTP with a clock the test moves: a burst of wrong
passwords is throttled, the right password is refused until the backoff passes, an address
that sprays many accounts is throttled, and every failure is logged."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from alwild.app.services import throttle
from alwild.app.store.orm import LoginFailure
from tests.app.conftest import make_setup


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake


@pytest.fixture
def setup(ws, tmp_path):
    return make_setup(ws, tmp_path, n=20)


def _attempt(client, username: str, password: str):
    page = client.get("/login")
    pre = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": pre}, follow_redirects=False)


def test_a_burst_of_wrong_passwords_is_throttled_and_then_the_right_one_refused(
        setup, client_for, clock, caplog):
    client = client_for(setup.ws)
    with caplog.at_level(logging.WARNING, logger="alwild.app.login"):
        codes = [_attempt(client, "boss", f"guess-{i}").status_code for i in range(40)]
        assert codes == [401] * throttle.ACCOUNT_FREE + [429] * (40 - throttle.ACCOUNT_FREE)
        forty_first = _attempt(client, "boss", "guess-40")
        assert forty_first.status_code == 429 and "Too many failed logins" in forty_first.text
        right = _attempt(client, "boss", "boss-password-1")
        assert right.status_code == 429 and right.headers["retry-after"] == "1"
        assert "alwild_session" not in right.cookies
    assert any("failed login for 'boss' from testclient" in r.message for r in caplog.records)
    assert any("refused: throttled" in r.message for r in caplog.records)
    clock.t += 0.5
    assert _attempt(client, "boss", "boss-password-1").status_code == 429
    clock.t += 0.6  # the first wait (1 s) has passed
    assert _attempt(client, "boss", "boss-password-1").status_code == 303


def test_each_failure_past_the_free_ones_doubles_the_wait(setup, client_for, clock):
    client = client_for(setup.ws)
    for _ in range(throttle.ACCOUNT_FREE):
        _attempt(client, "ann", "wrong")
    waits = []
    for _ in range(4):
        refused = _attempt(client, "ann", "wrong")
        waits.append(int(refused.headers["retry-after"]))
        clock.t += waits[-1]
        assert _attempt(client, "ann", "wrong").status_code == 401  # checked again: fails
    assert waits == [1, 2, 4, 8]


def test_a_good_login_forgets_the_accounts_failures(setup, client_for, clock):
    client = client_for(setup.ws)
    for _ in range(throttle.ACCOUNT_FREE - 1):
        assert _attempt(client, "ann", "wrong").status_code == 401
    assert _attempt(client, "ann", "ann-password-1").status_code == 303
    fresh = client_for(setup.ws)
    for _ in range(throttle.ACCOUNT_FREE - 1):
        assert _attempt(fresh, "ann", "wrong").status_code == 401


def test_an_address_that_sprays_many_accounts_is_throttled(setup, client_for, clock):
    sprayer = client_for(setup.ws, client=("203.0.113.7", 40000))
    for i in range(throttle.ADDRESS_FREE):
        assert _attempt(sprayer, f"user{i}", "password1").status_code == 401
    assert _attempt(sprayer, "ann", "ann-password-1").status_code == 429  # even a right one
    elsewhere = client_for(setup.ws, client=("198.51.100.2", 40000))
    assert _attempt(elsewhere, "ann", "ann-password-1").status_code == 303


def test_unknown_accounts_are_throttled_alike(setup, client_for, clock):
    client = client_for(setup.ws)
    codes = [_attempt(client, "nobody", "x").status_code for _ in range(8)]
    assert codes == [401] * throttle.ACCOUNT_FREE + [429] * 3


def test_concurrent_failures_of_one_account_all_count(setup):
    def fail() -> None:
        with setup.ws.session() as db, db.begin():
            throttle.record_failure(db, "boss", "192.0.2.9")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: fail(), range(24)))
    with setup.ws.session() as db:
        counts = {r.key: r.failures for r in db.scalars(select(LoginFailure))}
    assert counts == {"user:boss": 24, "addr:192.0.2.9": 24}
