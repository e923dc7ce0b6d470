"""``alwild serve DIR``: the labelling web app on 127.0.0.1."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the labelling web app")
    p.add_argument("dir", help="workspace folder")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.store.workspace import open_workspace
    from alwild.app.web.launch import serve

    serve(open_workspace(args.dir), args.host, args.port)
    return 0
