"""The item and queue routes the labelling page uses: cached thumbnails named by content
hash only, undoing a skip, the model's suggestions on the item, and the informativeness
score's place in its round."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from alwild.app.services.suggestions import Suggestion, replace_suggestions
from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, LabelAssist, Skip, User
from tests.app.conftest import auth, login, make_setup


@pytest.fixture
def frames(sqlite_ws, tmp_path, client_for):
    s = make_setup(sqlite_ws, tmp_path, task="detect", batch_size=8)
    train_project(sqlite_ws, s.project_id)
    return s, client_for(sqlite_ws)


def test_a_thumbnail_is_small_made_once_and_named_by_the_content_hash(frames):
    s, client = frames
    h = auth(s.admin_token)
    entry = client.get(f"/api/projects/{s.slug}/queue", headers=h).json()[0]
    first = client.get(entry["thumb_url"], headers=h)
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(first.content)) as img:
        assert max(img.size) <= 96 and min(img.size) >= 1
    cached = list((s.ws.root / "thumbs").glob("*.jpg"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert client.get(entry["thumb_url"], headers=h).content == first.content
    assert cached[0].stat().st_mtime_ns == stamp
    with s.ws.session() as db, db.begin():
        db.scalar(select(Item).where(Item.uid == entry["uid"])).content_hash = "../../secret"
    assert client.get(entry["thumb_url"], headers=h).status_code == 404


def test_a_skip_can_be_undone_and_the_item_is_offered_again(frames):
    s, client = frames
    h = auth(s.annotator_token)
    uid = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"]
    assert client.post(f"/api/items/{uid}/skip", headers=h).status_code == 200
    assert client.post(f"/api/projects/{s.slug}/claim", headers=h).json()["uid"] != uid
    undone = client.delete(f"/api/items/{uid}/skip", headers=h).json()
    assert undone == {"unskipped": uid, "was_skipped": True}
    with s.ws.session() as db:
        assert db.scalar(select(Skip).join(User).where(User.username == "ann")) is None
    assert client.delete(f"/api/items/{uid}/skip", headers=h).json()["was_skipped"] is False


def test_the_item_shows_its_suggestions_and_a_saved_label_counts_what_was_done(frames):
    s, client = frames
    h = auth(s.annotator_token)
    item = client.post(f"/api/projects/{s.slug}/claim", headers=h).json()
    with s.ws.session() as db, db.begin():
        item_id = db.scalar(select(Item.id).where(Item.uid == item["uid"]))
        replace_suggestions(db, s.project_id, 1, {item_id: [
            Suggestion("insulator", 0.9, (10, 10, 50, 40)),
            Suggestion("broken", 0.6, (100, 60, 30, 30)),
            Suggestion("broken", 0.3, (200, 20, 20, 20))]})
    shown = client.get(f"/api/items/{item['uid']}", headers=h).json()["suggestions"]
    assert shown[0] == {"label": "insulator", "score": 0.9, "box": [10.0, 10.0, 50.0, 40.0]}
    assert len(shown) == 3
    boxes = [{"x": 10, "y": 10, "w": 50, "h": 40, "label": "insulator"},   # accepted
             {"x": 106, "y": 62, "w": 30, "h": 30, "label": "broken"},     # moved
             {"x": 250, "y": 120, "w": 30, "h": 30, "label": "insulator"}]  # added
    resp = client.post(f"/api/items/{item['uid']}/labels", headers=h,
                       json={"request_id": "a1", "boxes": boxes})
    assert resp.status_code == 200, resp.text
    with s.ws.session() as db:
        row = db.scalar(select(LabelAssist))
        assert (row.suggested, row.accepted, row.moved, row.deleted, row.added) == (3, 1, 1, 1, 1)
    assist = client.get(f"/api/projects/{s.slug}/progress", headers=h).json()["assist"]
    assert assist == [{"round": 1, "labels": 1, "assisted": 1, "suggested": 3, "accepted": 1,
                       "moved": 1, "deleted": 1, "added": 1, "accept_rate": pytest.approx(1 / 3)}]


def test_the_queue_ranks_scores_within_their_round_for_its_bars(sqlite_ws, tmp_path,
                                                                  client_for):
    s = make_setup(sqlite_ws, tmp_path, n=80, seed_labels=30, batch_size=10)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    entries = client.get(f"/api/projects/{s.slug}/queue", headers=auth(s.admin_token)).json()
    scored = [e for e in entries if e["score"] is not None]
    assert scored and scored[0]["place"]["rank"] == 1 and scored[0]["place"]["percentile"] == 1
    assert all(0 < e["place"]["percentile"] <= 1 for e in scored)
    ranks = [e["place"]["rank"] for e in scored]
    assert ranks == sorted(ranks)
    info = client.get(f"/api/items/{scored[0]['uid']}",
                      headers=auth(s.admin_token)).json()["score_info"]
    assert info["strategy"] == "entropy" and info["low"] == 0 and info["high"] >= scored[0]["score"]


def test_when_every_item_is_labelled_the_page_says_so_rather_than_to_wait(
        sqlite_ws, tmp_path, client_for):
    """A pool labelled to its last item: "more labels start the next round" (or "the next
    round opens in a moment") would have the labeller wait for nothing."""
    s = make_setup(sqlite_ws, tmp_path, n=12, seed_labels=11)
    train_project(sqlite_ws, s.project_id)
    client = client_for(sqlite_ws)
    login(client, "ann", "ann-password-1")
    page = client.get(f"/p/{s.slug}/next")
    assert "/items/" in str(page.url)                 # one item is left to label
    uid = str(page.url).rsplit("/", 1)[-1]
    answer = client.post(f"/api/items/{uid}/labels", headers=auth(s.annotator_token),
                         json={"value": "died", "request_id": "the-last-one-000001"})
    assert answer.status_code == 200, answer.text
    done = client.get(f"/p/{s.slug}/next")
    assert 'id="exhausted"' in done.text and "Every item of this project is labelled" in done.text
    assert "more label(s)" not in done.text and "opens in a moment" not in done.text
