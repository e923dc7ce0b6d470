"""``alwild serve-demo``: build the demo workspace (insulators + Titanic) and serve it."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("serve-demo", help="serve a ready-to-label demo project")
    p.add_argument("--dir", default="runs/demo-app", help="workspace folder (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default %(default)s; 0.0.0.0 reaches other machines)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default %(default)s)")
    p.add_argument("--build-only", action="store_true", help="build the workspace, do not serve")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.demo import build_demo
    from alwild.app.web.launch import serve

    ws, built = build_demo(args.dir)
    print(("built" if built else "reusing") + f" the demo workspace in {ws.root}")
    if not args.build_only:
        serve(ws, args.host, args.port)
    return 0
