"""``alwild user``: accounts on the command line. A lost admin password is reset without
touching the database by hand; a password change and a reset end the old sessions; bad
input is one line and changes nothing."""

from __future__ import annotations

import io
import re

import pytest

from alwild.app.services.auth import authenticate
from alwild.app.store.workspace import open_workspace
from alwild.cli import main
from alwild.commands import user as user_command
from tests.app.conftest import login, make_setup, user_named


@pytest.fixture
def setup(sqlite_ws, tmp_path, client_for):
    return make_setup(sqlite_ws, tmp_path, n=20), client_for


def _logs_in(ws_root, username: str, password: str) -> bool:
    ws = open_workspace(ws_root)
    try:
        with ws.session() as db:
            return authenticate(db, username, password) is not None
    finally:
        ws.dispose()


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(user_command.sys, "stdin", io.StringIO(text))


def test_user_add_prints_a_password_that_logs_in(setup, capsys):
    s, _ = setup
    assert main(["user", "add", str(s.ws.root), "cy", "--project", s.slug]) == 0
    password = re.search(r"with the password (\S+) \(shown only now\)",
                         capsys.readouterr().out).group(1)
    assert _logs_in(s.ws.root, "cy", password)


def test_user_passwd_sets_the_password_and_ends_the_old_sessions(setup, capsys, monkeypatch):
    s, make = setup
    browser = make(s.ws)
    login(browser, "ann", "ann-password-1")
    _stdin(monkeypatch, "a-brand-new-one-7\n")
    assert main(["user", "passwd", str(s.ws.root), "ann"]) == 0
    assert "ended 1 session(s)" in capsys.readouterr().out
    assert browser.get("/api/me").status_code == 401
    assert not _logs_in(s.ws.root, "ann", "ann-password-1")
    assert _logs_in(s.ws.root, "ann", "a-brand-new-one-7")


def test_reset_admin_gives_a_new_one_time_password_and_reactivates(setup, capsys):
    s, make = setup
    browser = make(s.ws)
    login(browser, "boss", "boss-password-1")
    assert main(["user", "add", str(s.ws.root), "cy", "--role", "admin"]) == 0
    assert main(["user", "deactivate", str(s.ws.root), "boss"]) == 0  # cy is still an admin
    assert not _logs_in(s.ws.root, "boss", "boss-password-1")
    assert main(["user", "reset-admin", str(s.ws.root)]) == 0
    out = capsys.readouterr().out
    password = re.search(r"admin 'boss' now logs in with the one-time password (\S+)",
                         out).group(1)
    assert browser.get("/api/me").status_code == 401
    assert _logs_in(s.ws.root, "boss", password)
    assert not _logs_in(s.ws.root, "boss", "boss-password-1")


def test_reset_admin_creates_the_first_admin_when_there_is_none(tmp_path, capsys):
    assert main(["init", str(tmp_path / "w"), "--task", "classify", "--labels", "a,b"]) == 0
    assert main(["user", "reset-admin", str(tmp_path / "w")]) == 0
    password = re.search(r"one-time password (\S+)", capsys.readouterr().out).group(1)
    assert _logs_in(tmp_path / "w", "admin", password)


@pytest.mark.parametrize("argv, stdin, words", [
    (["passwd", "{ws}", "nobody"], "long-enough-pw\n", "no user 'nobody'"),
    (["passwd", "{ws}", "ann"], "short\n", "10 to 256 characters"),
    (["reset-admin", "{ws}", "--username", "ann"], "", "no admin 'ann'"),
    (["add", "{ws}", "ann"], "", "already exists"),
    (["add", "{ws}", "dee", "--project", "no-such"], "", "no project 'no-such'"),
    (["deactivate", "{ws}", "import"], "", "no user 'import'"),
    (["deactivate", "{ws}", "boss"], "", "'boss' is the only active admin: add another admin"),
])
def test_bad_user_commands_are_one_line_and_change_nothing(setup, capsys, monkeypatch, argv,
                                                           stdin, words):
    s, _ = setup
    _stdin(monkeypatch, stdin)
    argv = ["user", *(a.format(ws=s.ws.root) for a in argv)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("alwild user: error: ") and words in err
    assert _logs_in(s.ws.root, "ann", "ann-password-1")
    assert _logs_in(s.ws.root, "boss", "boss-password-1")
    with s.ws.session() as db:
        assert user_named(db, "dee") is None
