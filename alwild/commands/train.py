"""``alwild train DIR``: retrain a project now and open its next query round (as a job,
through the same code as the worker; it waits for a worker that already trains it)."""

from __future__ import annotations

import argparse

from alwild.commands._workspace import add_project_arguments, open_project


def register(sub) -> None:
    p = sub.add_parser("train", help="retrain a project's model and open the next round")
    add_project_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alwild.app.worker import train_now

    ws, project = open_project(args)
    result = train_now(ws, project.id)
    acc = "n/a (no labelled held-out items yet)" if result.accuracy is None \
        else f"{result.accuracy:.3f}"
    print(f"{project.slug}: {result.model} on {result.n_labels} labels, held-out accuracy {acc}; "
          f"round {result.round_number} opened with {result.selected} items "
          f"({result.seconds:.2f} s)")
    return 0
