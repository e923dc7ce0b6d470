"""``alwild init DIR``: create a workspace (if needed) and a labelling project in it.

Everything is checked first; if anything fails, a workspace this command started is removed
again, so a re-run with the corrected value works.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alwild.errors import UserValueError


def register(sub) -> None:
    p = sub.add_parser("init", help="create a labelling project in a folder")
    p.add_argument("dir", help="workspace folder (created if missing)")
    p.add_argument("--task", required=True, choices=["classify", "detect"])
    p.add_argument("--labels", required=True, help="comma-separated labels, e.g. cat,dog")
    p.add_argument("--name", help="project name (default: the folder name)")
    p.add_argument("--db", help="database URL, e.g. postgresql://user:pw@host/db "
                                "(default: SQLite in the folder)")
    p.add_argument("--strategy", default="auto")
    p.add_argument("--batch", type=int, default=20, help="items per query round")
    p.add_argument("--retrain-every", type=int, default=20, help="retrain after N labels")
    p.add_argument("--budget", type=int, default=500, help="labels to spend at most")
    p.add_argument("--overlap", type=int, default=1, help="annotators per item")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.services.projects import check_strategy, create_project, parse_labels
    from alwild.app.store.workspace import check_db_url, creating

    for name, value, least in (("--batch", args.batch, 1),
                               ("--retrain-every", args.retrain_every, 1),
                               ("--overlap", args.overlap, 1), ("--budget", args.budget, 0)):
        if value < least:
            raise UserValueError(f"{name} must be at least {least}, got {value}")
    labels = parse_labels(args.labels)
    check_strategy(args.strategy)
    if args.db:
        check_db_url(args.db)
    with creating(args.dir, args.db) as ws, ws.session() as db, db.begin():
        project = create_project(db, args.name or Path(args.dir).resolve().name, args.task,
                                 labels, args.strategy, batch_size=args.batch,
                                 retrain_every=args.retrain_every, budget=args.budget,
                                 overlap=args.overlap)
        print(f"created project {project.slug!r} ({project.task}: "
              f"{', '.join(project.labels)}) in {ws.root}")
    print(f"next: alwild ingest {args.dir} DATA   then   alwild serve {args.dir}")
    return 0
