"""A PostgreSQL restart (immediate: every connection dropped) in the middle of labelling by
10 clients against 2 web processes and a worker: clients get a retryable answer (503 with
Retry-After, never another 5xx), every acknowledged label is stored exactly once, and the
rounds go on (no job stuck)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from alwild.app.services.jobs import train_status
from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, Label, QueryRound
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import make_setup
from tests.app.pg import PostgresUnavailable, new_database, start_postgres
from tests.app.server_proc import Server, add_token_users

CLIENTS = 10


@pytest.fixture
def own_postgres():
    """A server of this test's own (it is restarted)."""
    try:
        admin_url, stop = start_postgres()
    except PostgresUnavailable as err:
        pytest.skip(f"PostgreSQL could not be started here: {err}")
    yield new_database(admin_url), stop
    stop()


def _rounds(ws) -> int:
    with ws.session() as db:
        return db.scalar(select(func.max(QueryRound.number))) or 0


def test_a_postgresql_restart_mid_load_loses_nothing(tmp_path, own_postgres):
    url, pg = own_postgres
    ws = open_workspace(tmp_path / "ws", db_url=url, create=True)
    s = make_setup(ws, tmp_path, n=400, seed_labels=40, batch_size=300, retrain_every=20)
    train_project(ws, s.project_id)
    tokens = add_token_users(ws, s.project_id, CLIENTS)
    server = Server(tmp_path / "ws", options=("--workers", "2", "--worker-lease", "5")).start()
    acked: dict[str, str] = {}
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def post(c: httpx.Client, path: str, **kwargs) -> httpx.Response:
        while True:  # a client that follows Retry-After, repeating the same request id
            r = c.post(path, **kwargs)
            with lock:
                answers.append((r.status_code, r.headers.get("retry-after")))
            if r.status_code != 503:
                return r
            time.sleep(float(r.headers["retry-after"]))

    def client(k: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60,
                          headers={"Authorization": f"Bearer {tokens[k]}"}) as c:
            n = 0
            while not stop.is_set():
                r = post(c, f"/api/projects/{s.slug}/claim")
                if r.status_code != 200:
                    time.sleep(0.1)
                    continue
                rid, uid = f"pg{k}-{n}", r.json()["uid"]
                n += 1
                r = post(c, f"/api/items/{uid}/labels", json={"request_id": rid,
                                                              "value": "died"})
                if r.status_code == 200:
                    with lock:
                        acked[rid] = uid

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        acked_before, rounds_before = len(acked), _rounds(ws)
        pg.restart()
        while len(acked) < acked_before + 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(60)
        assert len(acked) >= acked_before + 60, "labelling did not go on after the restart"
        errors = [a for a in answers if a[0] >= 500]
        assert all(code == 503 and after for code, after in errors), errors
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with ws.session() as db:
                if train_status(db, s.project_id)[0] in ("idle", "failed"):
                    break
            time.sleep(0.2)
        with ws.session() as db:
            assert train_status(db, s.project_id) == ("idle", None)
            stored = db.execute(select(Label.request_id, Item.uid).join(Item)
                                .where(Label.request_id.like("pg%"))).all()
        assert _rounds(ws) > rounds_before
        assert len(stored) == len(dict(stored))
        labelled = [uid for _, uid in stored]  # overlap 1: no item handed out twice
        assert len(set(labelled)) == len(labelled)
        stored_map = dict(stored)
        assert [rid for rid, uid in acked.items() if stored_map.get(rid) != uid] == []
        print(f"\npostgres restart: {len(acked)} labels acknowledged ({acked_before} before "
              f"the restart), {len(errors)} answers 503 with Retry-After, none lost")
    finally:
        stop.set()
        server.stop()
        ws.dispose()
