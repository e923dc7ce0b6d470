"""The ``alwild`` command: a user error is one clean line and exit code 2; a bug keeps
its traceback."""

from __future__ import annotations

import argparse

import pytest

from alwild import cli
from alwild.errors import UserError, UserValueError


def _parser_raising(error: Exception):
    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="alwild")
        sub = parser.add_subparsers(dest="command")
        boom = sub.add_parser("boom")

        def run(args):
            raise error

        boom.set_defaults(func=run)
        return parser

    return build


@pytest.mark.parametrize("error", [UserError("--n must be at least 1, got 0"),
                                   UserValueError("unknown strategy 'nope'"),
                                   FileNotFoundError("no such file: 'x.csv'")])
def test_a_user_error_is_one_line_without_a_traceback(monkeypatch, capsys, error):
    monkeypatch.setattr(cli, "build_parser", _parser_raising(error))
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err
    assert err == f"alwild boom: error: {error}\n"


@pytest.mark.parametrize("error", [ValueError("operands could not be broadcast"),
                                   TypeError("'NoneType' object is not subscriptable"),
                                   KeyError("classes_")])
def test_an_unexpected_error_is_a_bug_and_keeps_its_traceback(monkeypatch, error):
    monkeypatch.setattr(cli, "build_parser", _parser_raising(error))
    with pytest.raises(type(error)):
        cli.main(["boom"])


def test_the_real_parser_lists_every_command():
    names = set(cli.build_parser()._subparsers._group_actions[0].choices)
    assert {"simulate", "reproduce", "query", "init", "serve", "export"} <= names


@pytest.mark.parametrize("flag", ["--seeds", "--budget", "--init", "--batch"])
def test_demo_refuses_a_non_positive_count(capsys, flag):
    assert cli.main(["demo", "--dataset", "iris", flag, "0"]) == 2
    assert f"{flag} must be at least 1, got 0" in capsys.readouterr().err


def test_the_stream_scenario_runs_on_a_table_with_three_classes(tmp_path, capsys):
    code = cli.main(["simulate", "iris", "--scenario", "stream", "--seeds", "1",
                     "--out", str(tmp_path / "out")])
    assert code == 0 and (tmp_path / "out" / "stream.png").exists()
