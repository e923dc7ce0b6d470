"""Starting the app: the first admin account, the first query rounds, and uvicorn."""

from __future__ import annotations

import ipaddress
import sys

from sqlalchemy import select

from alwild.app.services.auth import create_user
from alwild.app.store.orm import Item, Project, QueryRound, User
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["ensure_admin", "projects_without_round", "pick_project", "serve"]


def ensure_admin(ws: Workspace) -> tuple[str, str] | None:
    """Create the first admin with a random password; (username, password) once, else None."""
    with ws.session() as db, db.begin():
        if db.scalar(select(User.id).where(User.role == "admin")) is not None:
            return None
        user, password = create_user(db, "admin", "admin")
        return user.username, password


def projects_without_round(ws: Workspace) -> list[int]:
    with ws.session() as db:
        have = set(db.scalars(select(QueryRound.project_id).distinct()))
        filled = set(db.scalars(select(Item.project_id).distinct()))
        return [p for p in db.scalars(select(Project.id)) if p in filled - have]


def pick_project(db, slug: str | None) -> Project:
    """The project named ``slug``, or the only project when none is named."""
    projects = db.scalars(select(Project).order_by(Project.id)).all()
    if slug is not None:
        for p in projects:
            if p.slug == slug:
                return p
        raise UserValueError(f"no project {slug!r}; projects: {[p.slug for p in projects]}")
    if len(projects) != 1:
        raise UserValueError("this workspace has " + (f"projects {[p.slug for p in projects]}: "
                         "name one with --project" if projects else
                         "no project: run `alwild init DIR --task ... --labels ...`"))
    return projects[0]


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8765,
          log_level: str = "warning") -> None:
    """Run the app until interrupted; prints the URL and a first admin password."""
    import uvicorn

    from alwild.app.web.server import create_app

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        print(f"warning: serving on {host}, reachable from other machines; put it behind "
              "HTTPS (a reverse proxy) before real use", file=sys.stderr)
    app = create_app(ws)
    for project_id in projects_without_round(ws):
        app.state.worker.request(project_id)
    first = ensure_admin(ws)
    print(f"alwild is serving {ws.root} at http://{host}:{port}/", flush=True)
    if first:
        print(f"first start: log in as {first[0]!r} with the one-time password {first[1]}",
              flush=True)
        print("(it is shown only now; an admin can add users on the Admin page)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
