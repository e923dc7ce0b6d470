"""``alwild train DIR``: retrain a project now and open its next query round."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("train", help="retrain a project's model and open the next round")
    p.add_argument("dir", help="workspace folder")
    p.add_argument("--project", help="project slug (needed when the folder has several)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.service import pick_project
    from alwild.app.training import train_project
    from alwild.app.workspace import open_workspace

    ws = open_workspace(args.dir)
    with ws.session() as db:
        project = pick_project(db, args.project)
    result = train_project(ws, project.id)
    acc = "n/a (no labelled held-out items yet)" if result.accuracy is None \
        else f"{result.accuracy:.3f}"
    model = "no model yet (needs two classes)" if result.version is None \
        else f"model v{result.version}"
    print(f"{project.slug}: {model} on {result.n_labels} labels, held-out accuracy {acc}; "
          f"round {result.round_number} opened with {result.selected} items "
          f"({result.seconds:.2f} s)")
    return 0
