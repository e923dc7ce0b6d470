"""Starting the app: the listening socket, the first admin account, the first query rounds,
and uvicorn."""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys

from sqlalchemy import select

from alwild.app.services.auth import create_user
from alwild.app.store.orm import Item, Project, QueryRound, User
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["ensure_admin", "projects_without_round", "pick_project", "bind", "serve"]


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


def _bind_error(err: OSError, host: str, port: int) -> str:
    if err.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another alwild serve?): stop that server "
                "or pick another --port")
    if err.errno == errno.EACCES:
        return (f"not allowed to listen on port {port} ({err.strerror}): ports below 1024 "
                "need root; pick another --port")
    if err.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: give one of its own with --host"
    return f"cannot listen on {host}:{port} ({err.strerror})"


def bind(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a one-line UserValueError if there is none."""
    if not 1 <= port <= 65535:
        raise UserValueError(f"--port {port} is not a port: give a number from 1 to 65535 "
                             "(default 8765)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as err:
        raise UserValueError(f"--host {host!r} is not a known address ({err.strerror}): give "
                             "an IP address of this machine, e.g. 127.0.0.1") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as err:
        sock.close()
        raise UserValueError(_bind_error(err, host, port)) from None
    return sock


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8765,
          log_level: str = "warning") -> None:
    """Run the app until interrupted; once the port is bound, prints the URL and a first
    admin password."""
    import uvicorn

    from alwild.app.web.server import create_app

    sock = bind(host, port)

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
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
