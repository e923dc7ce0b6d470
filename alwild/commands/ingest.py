"""``alwild ingest DIR SOURCE``: add table rows or images to a project."""

from __future__ import annotations

import argparse

from alwild.commands._workspace import add_project_arguments, open_project


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add a CSV/Parquet table or an image folder to a project")
    add_project_arguments(p)
    p.add_argument("source", help="CSV or Parquet file, image folder, or fsspec URL "
                                  "(s3://bucket/frames/, s3://bucket/rows.csv, ...)")
    p.add_argument("--label-column", help="column holding known labels to import")
    p.add_argument("--holdout-share", type=float, default=0.1,
                   help="share of items kept aside to measure the model (default 0.1)")
    p.add_argument("--storage-options", metavar="JSON",
                   help="fsspec options for a URL source, e.g. "
                        "'{\"endpoint_url\": \"http://127.0.0.1:9000\"}' "
                        "(default: credentials from the environment)")
    p.add_argument("--batch-rows", type=int, default=None,
                   help="table rows read and inserted at a time (default 20000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.ingest import ingest
    from alwild.app.services.table_batches import BATCH_ROWS
    from alwild.errors import check_positive_int
    from alwild.objectstore import parse_storage_options

    options = parse_storage_options(args.storage_options)
    batch_rows = BATCH_ROWS if args.batch_rows is None else check_positive_int(
        "--batch-rows", args.batch_rows)
    ws, project = open_project(args)
    with ws.session() as db, db.begin():
        project = db.merge(project)
        report = ingest(ws, db, project, args.source, args.label_column, args.holdout_share,
                        batch_rows, options)
        print(f"{project.slug}: {report}")
    return 0
