"""Arguments and opening shared by the commands that work on one project of a workspace."""

from __future__ import annotations

import argparse


def add_project_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="workspace folder")
    p.add_argument("--project", help="project slug (needed when the folder has several)")


def open_project(args: argparse.Namespace):
    """(workspace, project) named by ``args.dir`` and ``args.project``."""
    from alwild.app.store.workspace import open_workspace
    from alwild.app.web.launch import pick_project

    ws = open_workspace(args.dir)
    with ws.session() as db:
        return ws, pick_project(db, args.project)
