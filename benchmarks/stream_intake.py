"""Streaming intake through a real ``alwild serve``: how fast the web process takes in
streamed rows, and how soon its training worker decides them.

A SQLite workspace of titanic rows with a trained model; ``--clients`` threads post
``--items`` new rows (``POST /api/items``) over HTTP while the worker decides them in
batches. Prints the intake rate and answer latency (the item is stored, not scored), and
the decision latency (from the item's arrival in the database to its decision, from the
stored timestamps) with the decisions' rate. Usage::

    PYTHONPATH=. python benchmarks/stream_intake.py [--items 2000] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alwild.app.services.training import train_project  # noqa: E402
from alwild.app.store.orm import Item, StreamDecision  # noqa: E402
from alwild.app.store.workspace import open_workspace  # noqa: E402
from tests.app.conftest import DATA, auth, make_setup  # noqa: E402
from tests.app.server_proc import Server  # noqa: E402


def arrivals(n: int) -> list[dict]:
    """``n`` rows that are new to the project: titanic rows under fresh passenger ids."""
    frame = pd.read_csv(DATA / "titanic.csv").drop(columns=["Survived"])
    rows = []
    for i in range(n):
        r = frame.iloc[i % len(frame)].to_dict()
        r["PassengerId"] = 100_000 + i
        rows.append({k: (None if pd.isna(v) else v) for k, v in r.items()})
    return rows


def post_all(url: str, token: str, slug: str, rows: list[dict], took: list[float]) -> None:
    with httpx.Client(base_url=url, headers=auth(token), timeout=60) as client:
        for r in rows:
            t = time.perf_counter()
            answer = client.post("/api/items", json={"project": slug, "data": r})
            took.append(time.perf_counter() - t)
            assert answer.status_code == 201 and answer.json()["status"] == "pending"


def until_decided(ws, n: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ws.reader() as db:
            if db.scalar(select(func.count(StreamDecision.item_id))) >= n:
                return
        time.sleep(0.05)
    raise RuntimeError(f"fewer than {n} streamed items decided within {timeout:.0f} s")


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(Path(tmp) / "ws", create=True)
        s = make_setup(ws, Path(tmp), n=300, seed_labels=150)
        train_project(ws, s.project_id)
        server = Server(Path(tmp) / "ws").start()
        try:
            rows = arrivals(args.items + 1)
            post_all(server.url, s.admin_token, s.slug, rows[-1:], [])
            until_decided(ws, 1)  # the worker has started and loaded the model
            rows = rows[:-1]
            took: list[float] = []
            threads = [threading.Thread(target=post_all, args=(
                server.url, s.admin_token, s.slug, rows[i::args.clients], took))
                for i in range(args.clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            intake_s = time.perf_counter() - start
            until_decided(ws, args.items + 1)
        finally:
            server.stop()
        with ws.reader() as db:
            times = db.execute(select(Item.created_at, StreamDecision.decided_at)
                               .join(StreamDecision, StreamDecision.item_id == Item.id)
                               .order_by(StreamDecision.id).offset(1)).all()
            queued = db.scalar(select(func.count()).where(StreamDecision.asked.is_(True)))
        ws.dispose()
    waits = [(d - c) * 1000 for c, d in times]
    span = max(d for _, d in times) - min(c for c, _ in times)
    print(f"intake: {args.items} rows by {args.clients} clients in {intake_s:.1f} s = "
          f"{args.items / intake_s:,.0f} rows/s; answer p50 {quantile(took, 0.5) * 1000:.1f} "
          f"ms, p95 {quantile(took, 0.95) * 1000:.1f} ms")
    print(f"decisions: {len(times)} of {args.items} decided, {queued} queued; "
          f"arrival to decision p50 {quantile(waits, 0.5):.0f} ms, p95 "
          f"{quantile(waits, 0.95):.0f} ms, max {max(waits):.0f} ms; first arrival to last "
          f"decision {span:.1f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
