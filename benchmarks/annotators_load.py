"""20 annotator clients label items over HTTP against a real ``alwild serve`` on 127.0.0.1
(its web process(es) and its separate training worker process) while the worker retrains
every 20 labels.

Prints p50/p95 latency of claims and submits, labels/s, the model versions trained
meanwhile, the CPU each kind of process spent per request (web, training worker,
PostgreSQL backends: steadier than latency on a shared machine), the load average, and
checks: 0 labels lost, 0 items handed to two clients, 0 labelled twice, 0 server errors.
Usage::

    PYTHONPATH=. python benchmarks/annotators_load.py [--clients 20] [--labels 2000]
        [--pause 1.0] [--retrain-every 20] [--postgres [--web-processes 2]]

``--pause``: seconds each annotator takes per label (0: the stress case). ``--postgres``
starts a throw-away PostgreSQL (Debian's package, Unix socket only, as the tests'
fixture does, with ``fsync=off``: a test fixture's setting, never the app's) instead of
SQLite; ``--web-processes`` runs that many web processes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import psutil
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alwild.app.services.ingest import ingest  # noqa: E402
from alwild.app.services.projects import create_project  # noqa: E402
from alwild.app.services.training import train_project  # noqa: E402
from alwild.app.store.orm import Item, Label  # noqa: E402
from alwild.app.store.workspace import open_workspace  # noqa: E402
from tests.app.server_proc import Server, add_token_users  # noqa: E402


def build(root: Path, n_items: int, clients: int, retrain_every: int,
          db_url: str | None) -> tuple[str, list[str]]:
    """Titanic rows (repeated with a copy number to reach ``n_items``), 20 seed labels."""
    frame = pd.read_csv(ROOT / "alwild" / "data" / "titanic.csv")
    truth = frame.pop("Survived").map({0: "died", 1: "survived"})
    reps = -(-n_items // len(frame))
    big = pd.concat([frame.assign(copy=k) for k in range(reps)], ignore_index=True)
    big["label"] = pd.concat([truth] * reps, ignore_index=True)
    big.loc[20:, "label"] = None
    big.head(n_items).to_csv(root / "rows.csv", index=False)
    ws = open_workspace(root / "ws", db_url=db_url, create=True)
    with ws.session() as db, db.begin():
        project = create_project(db, "Load", "classify", ["died", "survived"], "margin",
                                 batch_size=n_items, retrain_every=retrain_every,
                                 budget=10 * n_items)
        ingest(ws, db, project, str(root / "rows.csv"), label_column="label",
               holdout_share=0.0)
        pid, slug = project.id, project.slug
    train_project(ws, pid)
    tokens = add_token_users(ws, pid, clients)
    ws.dispose()
    return slug, tokens


class Answer(NamedTuple):
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Annotator:
    """One annotator's keep-alive HTTP/1.1 connection (the standard library's client: it
    costs a fraction of httpx's CPU per request, so the clients do not starve the server
    of the cores they share)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def post(self, path: str, body: dict | None = None) -> Answer:
        """POST ``body`` as JSON; a connection the server closed is opened again once (the
        request is resent: claims and submits with a request id may be repeated)."""
        data = b"" if body is None else json.dumps(body).encode()
        try:
            return self._send(path, data)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.conn.close()
            return self._send(path, data)

    def _send(self, path: str, data: bytes) -> Answer:
        self.conn.request("POST", path, data, self.headers)
        r = self.conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())

    def close(self) -> None:
        self.conn.close()


def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
    except psutil.Error:  # it exited meanwhile
        return 0.0
    return t.user + t.system


def _pg_cpu(db_url: str) -> float:
    """CPU seconds so far of the PostgreSQL server behind ``db_url`` (the fixture's, found
    by its socket folder): the postmaster, its live processes and the backends that have
    exited (their time is in the postmaster's children's times)."""
    folder = str(Path(parse_qs(urlsplit(db_url).query)["host"][0]).parent)
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and any(folder in a for a in proc.info["cmdline"]
                                                     or ()):
            t = proc.cpu_times()
            return (t.user + t.system + t.children_user + t.children_system
                    + sum(_cpu(child) for child in proc.children()))
    return float("nan")


def cpu_by_kind(server_pid: int, db_url: str | None) -> dict[str, float]:
    """CPU seconds so far of the server's web process(es), its training worker and (on
    PostgreSQL) the database server's processes."""
    top = psutil.Process(server_pid)
    kinds = {"web": 0.0, "worker": 0.0}
    procs = [top, *top.children(recursive=True)]
    for proc in procs:
        try:
            cmd = proc.cmdline()
        except psutil.Error:
            continue
        kinds["worker" if "worker" in cmd else "web"] += _cpu(proc)
    if db_url is not None:
        kinds["postgres"] = _pg_cpu(db_url)
    return kinds


def _post(c: Annotator, path: str, body: dict | None = None) -> Answer:
    """POST, trying again (same body, same request id) while the answer is 503."""
    while True:
        r = c.post(path, body)
        if r.status_code != 503:
            return r
        time.sleep(float(r.headers.get("retry-after", "1")))


def run(clients: int, labels: int, retrain_every: int = 20, db_url: str | None = None,
        pause: float = 0.0, web_processes: int = 1) -> dict:
    root = Path(tempfile.mkdtemp(prefix="alwild-load-"))
    slug, tokens = build(root, labels + 200, clients, retrain_every, db_url)
    server = Server(root / "ws", options=("--workers", str(web_processes))).start()
    lat = {"claim": [], "submit": []}
    claims: dict[str, set[int]] = defaultdict(set)
    acked: dict[str, str] = {}
    errors: list[str] = []
    lock = threading.Lock()
    remaining = [labels]

    def client(k: int) -> None:
        rng = np.random.default_rng(k)
        c = Annotator(server.url, tokens[k])
        try:
            n = 0
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                t = time.perf_counter()
                r = _post(c, f"/api/projects/{slug}/claim")
                lat["claim"].append(time.perf_counter() - t)
                if r.status_code >= 500:
                    errors.append(f"claim {r.status_code}")
                if r.status_code != 200:
                    with lock:
                        remaining[0] += 1
                    time.sleep(0.05)
                    continue
                uid = r.json()["uid"]
                with lock:
                    claims[uid].add(k)
                rid = f"c{k}-{n}"
                n += 1
                body = {"request_id": rid, "value": ("died", "survived")[int(rng.integers(2))]}
                time.sleep(pause * rng.uniform(0.5, 1.5))
                t = time.perf_counter()
                r = _post(c, f"/api/items/{uid}/labels", body)
                lat["submit"].append(time.perf_counter() - t)
                if r.status_code >= 500:
                    errors.append(f"submit {r.status_code}")
                elif r.status_code == 200:
                    with lock:
                        acked[rid] = uid
        finally:
            c.close()

    before, load = cpu_by_kind(server.proc.pid, db_url), psutil.getloadavg()
    start, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = cpu_by_kind(server.proc.pid, db_url)
    load_after = psutil.getloadavg()
    time.sleep(1.0)
    server.stop()
    ws = open_workspace(root / "ws")
    with ws.session() as db:
        stored = dict(db.execute(select(Label.request_id, Item.uid).join(Item)
                                 .where(Label.request_id.not_like("import-%"))).all())
        twice = db.execute(select(Label.item_id).group_by(Label.item_id)
                           .having(func.count() > 1)).all()
        from alwild.app.store.orm import Job, ModelVersion

        versions = db.scalar(select(func.count(ModelVersion.id)))
        jobs = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        failure = db.scalar(select(Job.error).where(Job.state == "failed").limit(1))
    ws.dispose()
    lost = [rid for rid, uid in acked.items() if stored.get(rid) != uid]

    def pct(xs, q):
        return 1000 * float(np.percentile(xs, q)) if xs else float("nan")

    return {
        "clients": clients, "labels_acked": len(acked), "labels_stored": len(stored),
        "lost": len(lost), "handed_twice": sum(len(v) > 1 for v in claims.values()),
        "labelled_twice": len(twice), "server_errors": len(errors),
        "claim_p50_ms": pct(lat["claim"], 50), "claim_p95_ms": pct(lat["claim"], 95),
        "submit_p50_ms": pct(lat["submit"], 50), "submit_p95_ms": pct(lat["submit"], 95),
        "wall_s": wall, "labels_per_s": len(acked) / wall, "model_versions": versions,
        "jobs": jobs, "failure": failure,
        "client_cpu_ms": 1000 * cpu / max(1, len(lat["claim"]) + len(lat["submit"])),
        "server_cpu_ms": {k: 1000 * (after[k] - before[k]) / max(
            1, len(lat["claim"]) + len(lat["submit"])) for k in after},
        "load_before": load, "load_after": load_after,
        "mean_submit_ms": 1000 * statistics.fmean(lat["submit"]) if lat["submit"] else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--labels", type=int, default=2000)
    parser.add_argument("--retrain-every", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="mean seconds an annotator takes per label (0: stress case)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--web-processes", type=int, default=1)
    args = parser.parse_args()
    stop = None
    db_url = None
    if args.postgres:
        from tests.app.pg import new_database, start_postgres

        admin_url, stop = start_postgres()
        db_url = new_database(admin_url)
    try:
        r = run(args.clients, args.labels, args.retrain_every, db_url, args.pause,
                args.web_processes)
    finally:
        if stop:
            stop()
    print(f"database {'PostgreSQL' if args.postgres else 'SQLite (WAL)'}, "
          f"{args.web_processes} web process(es) + 1 training worker process, retrain every "
          f"{args.retrain_every} labels, pause {args.pause:g} s per label")
    print(f"{r['clients']} clients, {r['labels_acked']} labels acknowledged in "
          f"{r['wall_s']:.1f} s ({r['labels_per_s']:.0f} labels/s), "
          f"{r['model_versions']} model versions trained meanwhile; jobs {r['jobs']}"
          + (f", a failure: {r['failure']}" if r["failure"] else ""))
    print(f"claim  latency p50 {r['claim_p50_ms']:.1f} ms  p95 {r['claim_p95_ms']:.1f} ms")
    print(f"submit latency p50 {r['submit_p50_ms']:.1f} ms  p95 {r['submit_p95_ms']:.1f} ms")
    print("CPU per request (claim or submit): " + ", ".join(
        f"{kind} {ms:.2f} ms" for kind, ms in r["server_cpu_ms"].items())
        + f", clients {r['client_cpu_ms']:.2f} ms (this process)")
    print("load average (1, 5, 15 min) before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}"
          .format(*r["load_before"], *r["load_after"]))
    print(f"lost {r['lost']}, handed out twice {r['handed_twice']}, labelled twice "
          f"{r['labelled_twice']}, server errors {r['server_errors']}, stored "
          f"{r['labels_stored']}")
    ok = (r["lost"] == r["handed_twice"] == r["labelled_twice"] == r["server_errors"] == 0
          and r["labels_acked"] == args.labels == r["labels_stored"])
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
