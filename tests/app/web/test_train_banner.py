"""The retrain banner of the queue and progress pages says "keep labelling" only while
something is left to label."""

from __future__ import annotations

import re

from alwild.app.store.orm import Project
from tests.app.conftest import auth, login, make_setup


def _banner(client, url: str) -> str:
    found = re.search(r'<p class="banner info" id="train-state">([^<]*)</p>', client.get(url).text)
    assert found, "no retrain banner"
    return found.group(1)


def test_the_retrain_banner_says_keep_labelling_only_while_there_is_something_to_label(
        sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=40, seed_labels=20)
    client = client_for(sqlite_ws)
    assert client.post(f"/api/projects/{s.slug}/retrain",
                       headers=auth(s.admin_token)).status_code == 202  # pending, no worker
    login(client, "boss", "boss-password-1")
    for page in (f"/p/{s.slug}", f"/p/{s.slug}/progress"):
        assert _banner(client, page).endswith("you can keep labelling.")
    with sqlite_ws.session() as db, db.begin():
        db.get(Project, s.project_id).budget = 0
    for page in (f"/p/{s.slug}", f"/p/{s.slug}/progress"):
        assert _banner(client, page).endswith(
            "nothing is left to label meanwhile (the label budget is spent).")


def test_with_every_item_labelled_the_banner_says_so(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, n=30, seed_labels=30)
    client = client_for(sqlite_ws)
    assert client.post(f"/api/projects/{s.slug}/retrain",
                       headers=auth(s.admin_token)).status_code == 202
    login(client, "boss", "boss-password-1")
    assert _banner(client, f"/p/{s.slug}/progress").endswith(
        "nothing is left to label meanwhile (every item is labelled).")
