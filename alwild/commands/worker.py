"""``alwild worker``: the training worker process (``alwild serve`` starts one; start more,
or one on another host against PostgreSQL, with this command)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading


def register(sub) -> None:
    p = sub.add_parser("worker", help="run a training worker: claims retrain jobs from the "
                                      "database and trains them, and decides streamed items")
    p.add_argument("--workspace", default=".",
                   help="the workspace folder (shared with the web process: model files and "
                        "secret key live there; default: the current folder)")
    p.add_argument("--db", metavar="URL",
                   help="the workspace's database as this host reaches it (default: the URL "
                        "in the workspace's alwild.json)")
    p.add_argument("--lease", type=float, default=60.0,
                   help="seconds a claimed job stays this worker's without a heartbeat; a "
                        "killed worker's job is retried after it (default %(default)s)")
    p.add_argument("--poll", type=float, default=0.5,
                   help="seconds between looks for new jobs (default %(default)s)")
    p.add_argument("--nice", type=int, default=10,
                   help="CPU priority below the web processes' on the same host (added "
                        "niceness, default %(default)s): training yields to requests")
    p.add_argument("--once", action="store_true", help="run the jobs due now, then exit")
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.store.workspace import attach_workspace
    from alwild.app.worker import Worker
    from alwild.errors import UserValueError

    if args.lease <= 0 or args.poll <= 0:
        raise UserValueError("--lease and --poll must be positive numbers of seconds")
    os.nice(max(0, args.nice))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    ws = attach_workspace(args.workspace, args.db)
    worker = Worker(ws, lease=args.lease, poll=args.poll)
    if args.once:
        print(f"ran {worker.drain()} job(s)")
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"alwild worker {worker.owner} is taking jobs of {ws.root}", flush=True)
    worker.run_forever(stop, parent_pid=args.parent_pid)
    ws.dispose()
    return 0
