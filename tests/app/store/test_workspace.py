"""The workspace's secrets are its owner's: the database (with its password hashes), its
journal files, the model files, the settings and the key are 0600 even under a permissive
umask, and an older workspace with a world-readable database is tightened when opened."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import Column, MetaData, String, Text, inspect
from sqlalchemy.exc import IntegrityError

from alwild.app.services.projects import create_project
from alwild.app.services.summaries import project_dict
from alwild.app.services.training import train_project
from alwild.app.store.orm import Project
from alwild.app.store.workspace import creating, open_workspace
from tests.app.conftest import make_setup


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def permissive_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def test_database_model_and_key_files_are_readable_by_the_owner_only(tmp_path,
                                                                     permissive_umask):
    ws = open_workspace(tmp_path / "ws", create=True)
    s = make_setup(ws, tmp_path, n=60, seed_labels=30)
    train_project(ws, s.project_id)
    secrets = [ws.root / name for name in ("project.db", "project.db-wal", "project.db-shm",
                                           "alwild.json", "secret.key")]
    models = [p for p in ws.models_root.rglob("*") if p.is_file()]
    assert models and all(p.exists() for p in secrets)  # the WAL files while it is open
    modes = {str(p.relative_to(tmp_path)): _mode(p) for p in secrets + models}
    ws.dispose()
    assert modes == dict.fromkeys(modes, 0o600)


def test_an_older_world_readable_database_is_tightened_on_open(tmp_path):
    ws = open_workspace(tmp_path / "ws", create=True)
    make_setup(ws, tmp_path, n=20)
    ws.dispose()
    db = tmp_path / "ws" / "project.db"
    db.chmod(0o644)
    open_workspace(tmp_path / "ws").dispose()
    assert _mode(db) == 0o600


def test_a_failed_creation_on_an_existing_database_gives_back_its_mode(tmp_path):
    open_workspace(tmp_path / "first", create=True).dispose()
    db = tmp_path / "first" / "project.db"
    db.chmod(0o644)
    with pytest.raises(RuntimeError), creating(tmp_path / "second", f"sqlite:///{db}"):
        assert _mode(db) == 0o600  # private while alwild holds it
        raise RuntimeError("a later step fails")
    assert _mode(db) == 0o644 and not (tmp_path / "second").exists()


def _with_old_projects_table(ws) -> None:
    """Give ``ws`` the projects table of an older version: a NOT NULL ``train_state``
    without a default, and ``train_error``."""
    old = MetaData()
    projects = Project.__table__.to_metadata(old)
    projects.append_column(Column("train_state", String(16), nullable=False))
    projects.append_column(Column("train_error", Text, nullable=True))
    with ws.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE projects CASCADE" if ws.is_postgres
                             else "DROP TABLE projects")
    old.create_all(ws.engine, tables=[projects])


def test_an_older_workspace_loses_its_retired_train_state_columns(ws):
    """A workspace made when projects had a NOT NULL ``train_state`` (no longer written)
    opens without it: new projects can be created, and no stale state is left to read."""
    _with_old_projects_table(ws)
    with pytest.raises(IntegrityError), ws.session() as db, db.begin():
        create_project(db, "Before", "classify", ["a", "b"])  # the old table refuses it
    ws.dispose()
    again = open_workspace(ws.root)
    columns = {c["name"] for c in inspect(again.engine).get_columns("projects")}
    assert "train_state" not in columns and "train_error" not in columns
    with again.session() as db, db.begin():
        project = create_project(db, "After", "classify", ["a", "b"])
        assert project_dict(db, project)["train_state"] == "idle"
    again.dispose()
