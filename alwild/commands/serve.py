"""``alwild serve DIR``: the labelling web app on 127.0.0.1, with a training worker process
(web processes only serve; retraining runs in the worker)."""

from __future__ import annotations

import argparse


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    """``--host``, ``--port``, ``--https`` and ``--allowed-hosts`` (also of serve-demo)."""
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default %(default)s; 0.0.0.0 reaches other machines)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default %(default)s)")
    p.add_argument("--https", action="store_true",
                   help="the app is reached over HTTPS through a reverse proxy that terminates "
                        "TLS: cookies are Secure and answers carry HSTS")
    p.add_argument("--allowed-hosts", metavar="NAMES", type=lambda text: tuple(
                       h.strip().lower() for h in text.split(",") if h.strip()),
                   help="comma-separated Host names the app answers; others get 400 (default: "
                        "the address it binds, and localhost on a loopback address)")


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the labelling web app and its training worker")
    p.add_argument("dir", help="workspace folder")
    add_serve_arguments(p)
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="web processes sharing the port (default %(default)s; more than one "
                        "is for a PostgreSQL workspace)")
    p.add_argument("--no-worker", action="store_true",
                   help="start no training worker here (run `alwild worker` elsewhere)")
    p.add_argument("--worker-lease", type=float, default=None, metavar="SECONDS",
                   help="the training worker's job lease (see `alwild worker --lease`)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.store.workspace import open_workspace
    from alwild.app.web.launch import serve

    serve(open_workspace(args.dir), args.host, args.port, https=args.https,
          allowed_hosts=args.allowed_hosts, web_processes=args.workers,
          worker=not args.no_worker, worker_lease=args.worker_lease)
    return 0
