"""``alwild watch``: take in files as they arrive.

``alwild watch DIR INBOX`` takes each new file of INBOX (a folder, or a bucket prefix
such as ``s3://bucket/incoming/``) into a project of the workspace DIR once, recorded in
its database by key and ETag, then opens the next query round. ``alwild watch INBOX
[--url URL]`` sends the files of a local folder to a running app's streaming intake instead
(images one by one; CSV/Parquet files row by row), where the training worker's stream policy
and label budget decide which of them are queued for labelling."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from alwild.errors import UserArgumentError, UserValueError

IMAGES = {".jpg", ".jpeg", ".png", ".webp"}
TABLES = {".csv", ".parquet", ".pq"}
STATE = ".alwild-watch.json"
DEFAULT_URL = "http://127.0.0.1:8765"


def register(sub) -> None:
    p = sub.add_parser("watch", help="take in new files of a folder or bucket prefix",
                       description=__doc__.split("\n\n", 1)[1].replace("``", ""),
                       usage="alwild watch DIR INBOX [--project SLUG] [options]\n"
                             "       alwild watch INBOX --project SLUG [--url URL] "
                             "[--token TOKEN] [options]")
    p.add_argument("where", nargs="+", metavar="[DIR] INBOX",
                   help="workspace folder and inbox (folder or URL such as "
                        "s3://bucket/incoming/); or only the inbox folder, with --url")
    p.add_argument("--project", help="project slug (needed when the workspace has several; "
                                     "always with --url)")
    p.add_argument("--url", default=None,
                   help=f"a running app to stream INBOX into (default {DEFAULT_URL} when "
                        "only INBOX is given)")
    p.add_argument("--token", default=os.environ.get("ALWILD_TOKEN"),
                   help="an admin API token for --url (default: $ALWILD_TOKEN)")
    p.add_argument("--storage-options", metavar="JSON",
                   help="fsspec options for a URL inbox, e.g. "
                        "'{\"endpoint_url\": \"http://127.0.0.1:9000\"}' "
                        "(default: credentials from the environment)")
    p.add_argument("--holdout-share", type=float, default=0.1,
                   help="share of new items kept aside to measure the model (default 0.1)")
    p.add_argument("--no-round", action="store_true",
                   help="only take files in; do not retrain and open the next round")
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


def _stream_to_app(args: argparse.Namespace, inbox: Path) -> int:
    import httpx

    if not inbox.is_dir():
        raise FileNotFoundError(f"{inbox} is not a folder")
    if not args.token:
        raise UserValueError("give an admin API token with --token or $ALWILD_TOKEN "
                         "(create one on the Admin page)")
    if not args.project:
        raise UserArgumentError("give the project to stream into with --project SLUG")
    state_path = inbox / STATE
    done = set(json.loads(state_path.read_text())) if state_path.exists() else set()
    headers = {"Authorization": f"Bearer {args.token}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
        while True:
            fresh = sorted(p for p in inbox.iterdir() if p.is_file() and p.name not in done
                           and p.suffix.lower() in IMAGES | TABLES)
            for path in fresh:
                results = _send(client, args.project, path)
                new = sum(not r["duplicate"] for r in results)
                print(f"{path.name}: {len(results)} item(s), {new} new (the training worker "
                      "decides which are queued for labelling)", flush=True)
                done.add(path.name)
                state_path.write_text(json.dumps(sorted(done)))
            if args.once:
                return 0
            time.sleep(args.interval)


def _round_line(result) -> str:
    model = "no model yet" if result.version is None else f"model v{result.version}"
    return (f"round {result.round_number} opened with {result.selected} items ({model} on "
            f"{result.n_labels} labels)")


def _take_in_to_workspace(args: argparse.Namespace, inbox: str) -> int:
    from alwild.app.services.inbox import list_new, open_round, take_in
    from alwild.app.worker import train_now
    from alwild.commands._workspace import open_project
    from alwild.objectstore import parse_storage_options

    options = parse_storage_options(args.storage_options)
    ws, project = open_project(args)
    while True:
        for key, version in list_new(ws, project.id, inbox, options):
            got = take_in(ws, project.id, key, version, options, args.holdout_share)
            print(f"{key}: " + (f"refused: {got.error}" if got.error else
                                f"{got.added} item(s) added, {got.duplicates} duplicate(s)"),
                  flush=True)
        result = None if args.no_round else open_round(ws, project.id, train_now)
        if result is not None:
            print(f"{project.slug}: {_round_line(result)}", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)


def run(args: argparse.Namespace) -> int:
    if len(args.where) > 2:
        raise UserArgumentError(f"give DIR INBOX (or INBOX with --url), got {args.where}")
    if len(args.where) == 2:
        if args.url:
            raise UserArgumentError("--url streams a local INBOX into a running app: give "
                                    "only the inbox then, or drop --url to take files into "
                                    f"the workspace {args.where[0]}")
        args.dir, inbox = args.where
        return _take_in_to_workspace(args, inbox)
    args.url = args.url or DEFAULT_URL
    if "://" in args.where[0]:
        raise UserArgumentError("a bucket inbox is taken into a workspace: alwild watch DIR "
                                f"{args.where[0]}")
    return _stream_to_app(args, Path(args.where[0]))
