"""``alwild ingest DIR SOURCE``: add table rows or images to a project."""

from __future__ import annotations

import argparse

from alwild.commands._workspace import add_project_arguments, open_project


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add a CSV/Parquet table or an image folder to a project")
    add_project_arguments(p)
    p.add_argument("source", help="CSV or Parquet file, image folder, or fsspec URL (s3://...)")
    p.add_argument("--label-column", help="column holding known labels to import")
    p.add_argument("--holdout-share", type=float, default=0.1,
                   help="share of items kept aside to measure the model (default 0.1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.ingest import ingest

    ws, project = open_project(args)
    with ws.session() as db, db.begin():
        project = db.merge(project)
        report = ingest(ws, db, project, args.source, args.label_column, args.holdout_share)
        print(f"{project.slug}: {report}")
    return 0
