"""``alwild labelstudio-backend DIR``: alwild as a Label Studio ML backend on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_PORT = 9090


def register(sub) -> None:
    p = sub.add_parser("labelstudio-backend",
                       help="serve a workspace as a Label Studio ML backend (predictions "
                            "scored by alwild's strategy, retraining on annotations)")
    p.add_argument("dir", help="workspace folder (created if missing)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default %(default)s; 0.0.0.0 reaches other machines)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help="port to listen on (default %(default)s)")
    p.add_argument("--strategy", default="entropy",
                   help="query strategy of the projects it creates (default %(default)s)")
    p.add_argument("--ranked", type=int, default=5000,
                   help="tasks each round puts in order (the rest score 1.0; default "
                        "%(default)s)")
    p.add_argument("--label-studio-url", default=os.environ.get("LABEL_STUDIO_URL"),
                   help="Label Studio's address, to read task images and annotations (default: "
                        "$LABEL_STUDIO_URL, else what Label Studio says at /setup)")
    p.add_argument("--label-studio-token", default=os.environ.get("LABEL_STUDIO_API_KEY"),
                   help="a legacy API token of Label Studio (default: $LABEL_STUDIO_API_KEY, "
                        "else the project owner's token that Label Studio sends at /setup)")
    p.add_argument("--no-publish", action="store_true",
                   help="do not make Label Studio fetch the new predictions and select their "
                        "model version after each retrain")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from alwild.app.labelstudio.server import BackendSettings, create_backend_app
    from alwild.app.labelstudio.source import LabelStudioSource
    from alwild.app.store.workspace import open_workspace
    from alwild.app.web.launch import bind

    fixed = bool(args.label_studio_url)
    settings = BackendSettings(args.strategy, args.ranked,
                               LabelStudioSource(args.label_studio_url, args.label_studio_token),
                               fixed_source=fixed, publish=not args.no_publish).checked()
    sock = bind(args.host, args.port)
    app = create_backend_app(open_workspace(args.dir, create=True), settings)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who reaches it can read predictions "
              "and send labels", file=sys.stderr)
    print(f"alwild Label Studio ML backend at http://{args.host}:{args.port}/ (workspace "
          f"{args.dir}): in Label Studio, Settings > Model > Connect Model, then sort the "
          "Data Manager by Prediction score, ascending", flush=True)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                            access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
