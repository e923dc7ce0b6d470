"""Fixtures for the labelling-app tests: workspaces on SQLite and on a real PostgreSQL,
projects filled with the shipped data, users, tokens and app clients."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alwild.app.services.auth import create_user, new_api_token
from alwild.app.services.ingest import add_imported_label, import_user, ingest
from alwild.app.services.projects import create_project
from alwild.app.store.orm import Membership, Project, User
from alwild.app.store.workspace import Workspace, open_workspace
from alwild.app.web.server import create_app
from tests.app.pg import PostgresUnavailable, new_database, start_postgres

DATA = Path(__file__).resolve().parents[2] / "alwild" / "data"


@pytest.fixture(scope="session")
def pg_admin_url():
    try:
        url, stop = start_postgres()
    except PostgresUnavailable as err:
        warnings.warn(f"POSTGRESQL TESTS SKIPPED: {err}", stacklevel=1)
        yield None
        return
    yield url
    stop()


@pytest.fixture
def pg_database(pg_admin_url) -> str:
    """A fresh PostgreSQL database's URL; the test is skipped (with the session's warning)
    only when no PostgreSQL server could be started here."""
    if pg_admin_url is None:
        pytest.skip("PostgreSQL could not be started here (see the warning above); "
                    "this test ran on SQLite only or not at all")
    return new_database(pg_admin_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    return None if request.param == "sqlite" else request.getfixturevalue("pg_database")


@pytest.fixture
def ws(tmp_path, db_url) -> Workspace:
    workspace = open_workspace(tmp_path / "ws", db_url=db_url, create=True)
    yield workspace
    workspace.dispose()


@pytest.fixture
def sqlite_ws(tmp_path) -> Workspace:
    workspace = open_workspace(tmp_path / "ws", create=True)
    yield workspace
    workspace.dispose()


@pytest.fixture
def client_for():
    """``make(ws, client=(address, port), base_url=..., **create_app_options)``: a client of
    a new app on ``ws`` (at http://127.0.0.1); retrains it asks for are jobs, run by
    ``Worker(ws).drain()``."""

    def make(ws, client: tuple[str, int] = ("testclient", 50000),
             base_url: str = "http://127.0.0.1", **options) -> TestClient:
        return TestClient(create_app(ws, **options), base_url=base_url, client=client)

    return make


@dataclass
class Setup:
    ws: Workspace
    project_id: int
    slug: str
    admin_token: str
    annotator_token: str
    other_token: str


def titanic_csv(tmp_path: Path, n: int = 120) -> Path:
    frame = pd.read_csv(DATA / "titanic.csv").head(n)
    frame["Survived"] = frame["Survived"].map({0: "died", 1: "survived"})
    path = tmp_path / "titanic.csv"
    frame.to_csv(path, index=False)
    return path


def make_setup(ws: Workspace, tmp_path: Path, task: str = "classify", n: int = 120,
               seed_labels: int = 0, **settings) -> Setup:
    """A project (titanic rows, or insulator frames for detect), an admin, an annotator
    on the project, and an annotator of another project. The project asks by entropy
    unless ``strategy`` says otherwise (tests check entropy's ranking and score range)."""
    settings = {"strategy": "entropy", **settings}
    with ws.session() as db, db.begin():
        if task == "classify":
            project = create_project(db, "Titanic", "classify", ["died", "survived"],
                                     **settings)
            path = titanic_csv(tmp_path, n)
            frame = pd.read_csv(path)
            frame.pop("Survived").to_frame().to_csv(tmp_path / "truth.csv", index=False)
            frame.to_csv(path, index=False)
            ingest(ws, db, project, str(path))
        else:
            project = create_project(db, "Frames", "detect",
                                     ["insulator", "broken", "pollution-flashover"], **settings)
            ingest(ws, db, project, str(DATA / "insulators" / "frames" / "images"))
        if seed_labels:
            _seed(db, project, tmp_path, seed_labels)
        other = create_project(db, "Other", "classify", ["a", "b"])
        admin, _ = create_user(db, "boss", "admin", "boss-password-1")
        ann, _ = create_user(db, "ann", "annotator", "ann-password-1")
        bob, _ = create_user(db, "bob", "annotator", "bob-password-1")
        db.add(Membership(project_id=project.id, user_id=ann.id))
        db.add(Membership(project_id=other.id, user_id=bob.id))
        tokens = [new_api_token(db, u) for u in (admin, ann, bob)]
        pid, slug = project.id, project.slug
    return Setup(ws, pid, slug, *tokens)


def _seed(db, project: Project, tmp_path: Path, k: int) -> None:
    from alwild.app.store.orm import Item

    """Label the file's first ``k`` rows with their true class. Rows are matched by their
    PassengerId, not by item id: a batch ingest inserts rows in content-hash order."""
    passengers = pd.read_csv(tmp_path / "titanic.csv")["PassengerId"].tolist()
    truth = pd.read_csv(tmp_path / "truth.csv")["Survived"].tolist()
    owner = import_user(db)
    items = {item.data["PassengerId"]: item for item in
             db.scalars(select(Item).where(Item.project_id == project.id))}
    for passenger, label in list(zip(passengers, truth, strict=True))[:k]:
        add_imported_label(db, project, items[passenger], owner, label)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def try_login(client: TestClient, username: str, password: str):
    """POST the login form as a browser would (pre-login CSRF token first); the answer."""
    page = client.get("/login")
    pre = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf": pre, "next": "/"}, follow_redirects=False)


def login(client: TestClient, username: str, password: str) -> str:
    resp = try_login(client, username, password)
    assert resp.status_code == 303, resp.text
    home = client.get("/")
    return re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)


def user_named(db, name: str) -> User | None:
    return db.scalar(select(User).where(User.username == name))
