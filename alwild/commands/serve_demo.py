"""``alwild serve-demo``: build the demo workspace (insulators + Titanic) and serve it."""

from __future__ import annotations

import argparse

from alwild.commands.serve import add_serve_arguments


def register(sub) -> None:
    p = sub.add_parser("serve-demo", help="serve a ready-to-label demo project")
    p.add_argument("--dir", default="runs/demo-app", help="workspace folder (default %(default)s)")
    add_serve_arguments(p)
    p.add_argument("--build-only", action="store_true", help="build the workspace, do not serve")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.demo import build_demo
    from alwild.app.web.launch import bind, serve

    bind(args.host, args.port).close()  # a bad --host or --port is refused before the build
    ws, built = build_demo(args.dir)
    print(("built" if built else "reusing") + f" the demo workspace in {ws.root}")
    if not args.build_only:
        serve(ws, args.host, args.port, https=args.https, allowed_hosts=args.allowed_hosts)
    return 0
