"""``alwild watch INBOX``: send files that arrive in a folder to a running app's streaming
intake (images one by one; CSV/Parquet files row by row). The app's stream policy and
label budget decide which of them are queued for labelling."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from alwild.errors import UserValueError

IMAGES = {".jpg", ".jpeg", ".png", ".webp"}
TABLES = {".csv", ".parquet", ".pq"}
STATE = ".alwild-watch.json"


def register(sub) -> None:
    p = sub.add_parser("watch", help="stream new files in a folder into a running app")
    p.add_argument("inbox", help="folder that receives new files")
    p.add_argument("--project", required=True, help="project slug")
    p.add_argument("--url", default="http://127.0.0.1:8765", help="the app (default %(default)s)")
    p.add_argument("--token", default=os.environ.get("ALWILD_TOKEN"),
                   help="an admin API token (default: $ALWILD_TOKEN)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between scans")
    p.add_argument("--once", action="store_true", help="process what is there, then stop")
    p.set_defaults(func=run)


def _send(client, project: str, path: Path) -> list[dict]:
    from alwild.app.services.ingest import read_table

    if path.suffix.lower() in IMAGES:
        with open(path, "rb") as fh:
            r = client.post("/api/items/image", data={"project": project},
                            files={"file": (path.name, fh)})
        return [_checked(r, path)]
    frame = read_table(path.read_bytes(), path.name)
    out = []
    for record in json.loads(frame.to_json(orient="records")):
        out.append(_checked(client.post("/api/items", json={"project": project,
                                                            "data": record}), path))
    return out


def _checked(resp, path: Path) -> dict:
    if resp.status_code >= 400:
        detail = resp.json().get("detail") if resp.headers.get("content-type", "").startswith(
            "application/json") else resp.text[:200]
        raise UserValueError(f"{path.name}: the app refused it ({resp.status_code}): {detail}")
    return resp.json()


def run(args: argparse.Namespace) -> int:
    import httpx

    inbox = Path(args.inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"{inbox} is not a folder")
    if not args.token:
        raise UserValueError("give an admin API token with --token or $ALWILD_TOKEN "
                         "(create one on the Admin page)")
    state_path = inbox / STATE
    done = set(json.loads(state_path.read_text())) if state_path.exists() else set()
    headers = {"Authorization": f"Bearer {args.token}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
        while True:
            fresh = sorted(p for p in inbox.iterdir() if p.is_file() and p.name not in done
                           and p.suffix.lower() in IMAGES | TABLES)
            for path in fresh:
                results = _send(client, args.project, path)
                queued = sum(r["queued"] for r in results)
                print(f"{path.name}: {len(results)} item(s), {queued} queued for labelling",
                      flush=True)
                done.add(path.name)
                state_path.write_text(json.dumps(sorted(done)))
            if args.once:
                return 0
            time.sleep(args.interval)
