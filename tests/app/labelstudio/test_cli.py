"""``alwild labelstudio-backend`` refuses bad settings in one line, before it makes a
workspace or takes the port."""

from __future__ import annotations

import socket

import pytest

from alwild.cli import main


@pytest.mark.parametrize("args, message", [
    (["--strategy", "vote_entropy"], "needs a committee"),
    (["--strategy", "nonsense"], "unknown strategy 'nonsense'"),
    (["--ranked", "0"], "--ranked must be at least 1, got 0"),
])
def test_bad_settings_leave_no_workspace(tmp_path, capsys, args, message):
    assert main(["labelstudio-backend", str(tmp_path / "ws"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "ws").exists()


def test_a_busy_port_says_so(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["labelstudio-backend", str(tmp_path / "ws"), "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(port) in err and len(err.splitlines()) == 1
    assert not (tmp_path / "ws").exists()
