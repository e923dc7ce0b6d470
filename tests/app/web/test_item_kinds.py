"""Streaming into a freshly created project (issue 16): an empty project takes its data
kind from its first item, after which the other kind is refused with what to send."""

from pathlib import Path

import pytest

from alwild.app.services.auth import create_user, new_api_token
from alwild.app.services.projects import create_project

FRAMES = Path(__file__).resolve().parents[3] / "alwild" / "data" / "insulators" / "frames"
FRAME = sorted((FRAMES / "images").glob("*.jpg"))[0]


@pytest.fixture
def empty(sqlite_ws, client_for):
    with sqlite_ws.session() as db, db.begin():
        for name, task in (("crops", "classify"), ("rows", "classify"), ("boxes", "detect")):
            create_project(db, name, task, ["ok", "broken"])
        admin, _ = create_user(db, "boss", "admin", "boss-password-1")
        token = new_api_token(db, admin)
    return client_for(sqlite_ws), {"Authorization": f"Bearer {token}"}


def _image(client, headers, project):
    return client.post("/api/items/image", headers=headers, data={"project": project},
                       files={"file": (FRAME.name, FRAME.read_bytes(), "image/jpeg")})


def _row(client, headers, project):
    return client.post("/api/items", headers=headers,
                       json={"project": project, "data": {"x": 1.5, "site": "n"}})


def test_an_empty_classify_project_takes_images_then_refuses_rows(empty):
    client, headers = empty
    first = _image(client, headers, "crops")
    assert first.status_code == 201, first.text
    refused = _row(client, headers, "crops")
    assert refused.status_code == 400 and "holds images" in refused.json()["detail"]
    assert _image(client, headers, "crops").json()["duplicate"] is True


def test_an_empty_project_takes_rows_then_refuses_images(empty):
    client, headers = empty
    assert _row(client, headers, "rows").status_code == 201
    refused = _image(client, headers, "rows")
    assert refused.status_code == 400 and "holds table rows" in refused.json()["detail"]


def test_an_empty_detect_project_takes_images_only(empty):
    client, headers = empty
    refused = _row(client, headers, "boxes")
    assert refused.status_code == 400 and "detect project" in refused.json()["detail"]
    assert _image(client, headers, "boxes").status_code == 201
