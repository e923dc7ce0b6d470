"""``alwild export DIR --format ...``: write a project's labels out."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("export", help="export labels (csv, coco, yolo, voc, labelstudio)")
    p.add_argument("dir", help="workspace folder")
    p.add_argument("--format", required=True, help="csv, coco, yolo, voc or labelstudio")
    p.add_argument("--project", help="project slug (needed when the folder has several)")
    p.add_argument("--out", help="output file or folder (default: DIR/exports/SLUG.FORMAT)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.export import export
    from alwild.app.service import pick_project
    from alwild.app.workspace import open_workspace

    ws = open_workspace(args.dir)
    with ws.session() as db:
        project = pick_project(db, args.project)
        suffix = {"csv": ".csv", "coco": ".json", "labelstudio": ".json"}.get(args.format, "")
        out = args.out or ws.root / "exports" / f"{project.slug}-{args.format}{suffix}"
        path = export(db, project, args.format, out, ws.media_root)
    print(f"wrote {path}")
    return 0
