"""CPU per claim and per submit inside the web app, without HTTP and without the worker:
the ASGI app is called directly, one request at a time, so the figure moves little with
the load of a shared machine. Also prints the SQL statements per request and, with
``--postgres``, the database server's CPU per request. Usage::

    PYTHONPATH=. python benchmarks/request_cpu.py [--requests 300] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alwild.app.store.workspace import open_workspace  # noqa: E402
from alwild.app.web.server import create_app  # noqa: E402
from benchmarks.annotators_load import _pg_cpu, build  # noqa: E402


async def call(app, path: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
    """One POST through the ASGI app; (status, body)."""
    data = b"" if body is None else json.dumps(body).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode()),
                         (b"content-type", b"application/json"),
                         (b"content-length", str(len(data)).encode())]}
    sent, out = [False], {"body": b""}

    async def receive():
        if sent[0]:
            return {"type": "http.disconnect"}
        sent[0] = True
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"]


async def measure(app, slug: str, tokens: list[str], n: int) -> dict[str, float]:
    cpu = {"claim": 0.0, "submit": 0.0}
    for i in range(n):
        token = tokens[i % len(tokens)]
        t = time.process_time()
        status, body = await call(app, f"/api/projects/{slug}/claim", token)
        cpu["claim"] += time.process_time() - t
        if status != 200:
            raise RuntimeError(f"claim answered {status}: {body[:200]!r}")
        uid = json.loads(body)["uid"]
        t = time.process_time()
        status, body = await call(app, f"/api/items/{uid}/labels", token,
                                  {"request_id": f"r{i}", "value": "died"})
        cpu["submit"] += time.process_time() - t
        if status != 200:
            raise RuntimeError(f"submit answered {status}: {body[:200]!r}")
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="claims (and as many submits)")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    stop = db_url = None
    if args.postgres:
        from tests.app.pg import new_database, start_postgres

        admin_url, stop = start_postgres()
        db_url = new_database(admin_url)
    try:
        root = Path(tempfile.mkdtemp(prefix="alwild-cpu-"))
        slug, tokens = build(root, args.requests + 200, 4, 10**6, db_url)
        ws = open_workspace(root / "ws")
        app = create_app(ws)
        statements = [0]
        event.listen(Engine, "before_cursor_execute",
                     lambda *a: statements.__setitem__(0, statements[0] + 1))
        pg_before = _pg_cpu(db_url) if db_url else 0.0
        cpu = asyncio.run(measure(app, slug, tokens, args.requests))
        pg = (_pg_cpu(db_url) - pg_before) if db_url else None
        ws.dispose()
    finally:
        if stop:
            stop()
    n = args.requests
    print(f"{'PostgreSQL' if db_url else 'SQLite (WAL)'}, {n} claims and {n} submits, in process")
    print(f"CPU per claim {1000 * cpu['claim'] / n:.2f} ms, per submit "
          f"{1000 * cpu['submit'] / n:.2f} ms; {statements[0] / (2 * n):.1f} SQL statements "
          "per request" + ("" if pg is None else
                           f"; PostgreSQL CPU {1000 * pg / (2 * n):.2f} ms per request"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
