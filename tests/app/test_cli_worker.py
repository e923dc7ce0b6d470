"""``alwild worker`` and ``alwild train`` on the command line: the worker runs what is due
and says so, `train` goes through a job, bad input is one line (exit 2)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from alwild.app.services.jobs import request_job
from alwild.app.store.orm import Job, ModelVersion
from alwild.cli import main
from tests.app.conftest import make_setup


def test_worker_once_runs_the_due_job_and_train_goes_through_a_job(sqlite_ws, tmp_path,
                                                                   capsys):
    s = make_setup(sqlite_ws, tmp_path, n=60, seed_labels=30)
    with sqlite_ws.session() as db, db.begin():
        request_job(db, s.project_id)
    assert main(["worker", "--workspace", str(sqlite_ws.root), "--once", "--nice", "0"]) == 0
    assert "ran 1 job(s)" in capsys.readouterr().out
    assert main(["train", str(sqlite_ws.root), "--project", s.slug]) == 0
    assert "model v2" in capsys.readouterr().out
    with sqlite_ws.session() as db:
        assert [j.state for j in db.scalars(select(Job).order_by(Job.id))] == ["done", "done"]
        assert [m.version for m in db.scalars(select(ModelVersion))] == [1, 2]


def test_worker_refuses_a_folder_that_is_no_workspace_and_bad_numbers(tmp_path, capsys):
    assert main(["worker", "--workspace", str(tmp_path), "--once"]) == 2
    err = capsys.readouterr().err
    assert "is not an alwild workspace" in err and "--workspace" in err and len(
        err.strip().splitlines()) == 1
    assert main(["worker", "--workspace", str(tmp_path), "--lease", "0"]) == 2
    assert "--lease and --poll must be positive" in capsys.readouterr().err


def test_the_worker_says_when_a_round_opens_without_a_model(sqlite_ws, tmp_path, caplog):
    s = make_setup(sqlite_ws, tmp_path, n=40)  # no labels yet
    with sqlite_ws.session() as db, db.begin():
        request_job(db, s.project_id)
    with caplog.at_level(logging.INFO, logger="alwild.app.worker"):
        assert main(["worker", "--workspace", str(sqlite_ws.root), "--once", "--nice", "0"]) == 0
    opened = [r.getMessage() for r in caplog.records if "opened" in r.getMessage()]
    assert len(opened) == 1 and "no model yet (needs labels of two classes), round 1 opened" \
        in opened[0], opened
