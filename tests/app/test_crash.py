"""SIGKILL the server in the middle of 200 concurrent label submissions, restart it, and
check that every acknowledged label is there, and none twice."""

from __future__ import annotations

import threading
import time

import httpx
from sqlalchemy import func, select

from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, Label
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import make_setup
from tests.app.server_proc import Server, add_token_users

N = 200


def test_sigkill_during_200_submissions_loses_no_acknowledged_label(tmp_path):
    ws = open_workspace(tmp_path / "ws", create=True)
    s = make_setup(ws, tmp_path, n=400, seed_labels=40, batch_size=300, retrain_every=50)
    train_project(ws, s.project_id)
    tokens = add_token_users(ws, s.project_id, N)
    ws.dispose()
    server = Server(tmp_path / "ws").start()
    acked: dict[str, str] = {}  # request id -> item uid
    lock = threading.Lock()
    go = threading.Event()

    def submit(i: int) -> None:
        h = {"Authorization": f"Bearer {tokens[i]}"}
        go.wait()
        try:
            with httpx.Client(base_url=server.url, headers=h, timeout=30) as c:
                item = c.post(f"/api/projects/{s.slug}/claim")
                if item.status_code != 200:
                    return
                uid = item.json()["uid"]
                rid = f"crash-{i}"
                resp = c.post(f"/api/items/{uid}/labels",
                              json={"request_id": rid, "value": ("died", "survived")[i % 2]})
                if resp.status_code == 200:
                    with lock:
                        acked[rid] = uid
        except httpx.HTTPError:
            pass  # the server died under us: this submission was never acknowledged

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    go.set()
    deadline = time.monotonic() + 60
    while len(acked) < N // 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    killed_at = len(acked)
    for t in threads:
        t.join(60)
    assert N // 3 <= killed_at < N, f"the kill should land mid-way, got {killed_at} acks"

    server = Server(tmp_path / "ws", server.port).start()
    try:
        ws = open_workspace(tmp_path / "ws")
        with ws.session() as db:
            rows = db.execute(select(Label.request_id, Item.uid).join(Item)
                              .where(Label.request_id.like("crash-%"))).all()
            per_item = db.execute(select(Label.item_id, func.count()).group_by(Label.item_id)
                                  .having(func.count() > 1)).all()
        ws.dispose()
        stored = dict(rows)
        missing = [rid for rid in acked if stored.get(rid) != acked[rid]]
        print(f"\ncrash test: {len(acked)} acknowledged before SIGKILL, {len(stored)} stored "
              f"after restart ({len(stored) - len(acked)} committed but unacknowledged), "
              f"{len(missing)} lost, {len(rows) - len(stored)} duplicated, "
              f"{len(per_item)} items labelled twice")
        assert missing == [] and len(rows) == len(stored) and per_item == []
        # a client that did not hear back retries with the same request id: no duplicate
        rid, uid = next(iter(acked.items()))
        i = int(rid.split("-")[1])
        again = httpx.post(f"{server.url}/api/items/{uid}/labels",
                           headers={"Authorization": f"Bearer {tokens[i]}"},
                           json={"request_id": rid, "value": ("died", "survived")[i % 2]})
        assert again.status_code == 200 and again.json()["version"] == 1
    finally:
        server.stop()
