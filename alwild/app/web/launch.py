"""Starting the app: the listening socket, the first admin account, the first query rounds
(as jobs), the web process(es) under uvicorn and the training worker process."""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading

from sqlalchemy import select

from alwild.app.services.auth import create_user
from alwild.app.services.jobs import request_job
from alwild.app.store.orm import Item, Project, QueryRound, User
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError

__all__ = ["ensure_admin", "projects_without_round", "pick_project", "bind", "default_hosts",
           "serve", "start_worker", "Trainer"]

WILDCARDS = ("0.0.0.0", "::", "")


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


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def default_hosts(host: str) -> tuple[str, ...]:
    """The ``Host`` names answered when none are given: the address it binds (every
    loopback name for a loopback address; this machine's names for a wildcard address).

    >>> default_hosts("127.0.0.1")
    ('127.0.0.1', 'localhost', '::1')
    >>> default_hosts("192.168.1.20")
    ('192.168.1.20',)
    """
    from alwild.app.web.server import LOOPBACK_HOSTS  # fastapi only when serving

    if _is_loopback(host):
        return tuple(dict.fromkeys((host, *LOOPBACK_HOSTS)))
    if host in WILDCARDS:
        return tuple(dict.fromkeys((*_own_names(), *LOOPBACK_HOSTS)))
    return (host,)


def _own_names() -> list[str]:
    """This machine's names and the addresses others reach it by (as far as it can tell)."""
    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
            names.append(probe.getsockname()[0])
    except OSError:
        pass
    return [n.lower() for n in names]


def start_worker(ws: Workspace, lease: float | None = None) -> subprocess.Popen:
    """The training worker process of ``ws`` (``alwild worker``); it exits with this one."""
    cmd = [sys.executable, "-m", "alwild", "worker", "--workspace", str(ws.root),
           "--parent-pid", str(os.getpid())]
    return subprocess.Popen(cmd + ([] if lease is None else ["--lease", str(lease)]))


class Trainer:
    """The worker process of ``serve``, started again when it dies (killed, out of memory)
    until :meth:`stop`; a job it was training is retried once its lease runs out."""

    def __init__(self, ws: Workspace, lease: float | None = None) -> None:
        self.ws, self.lease = ws, lease
        self.proc = start_worker(ws, lease)
        self._stopping = threading.Event()
        threading.Thread(target=self._watch, name="alwild-trainer", daemon=True).start()
        print(f"training worker started (pid {self.proc.pid})", flush=True)

    def _watch(self) -> None:
        while True:
            code = self.proc.wait()
            if self._stopping.wait(1.0):
                return
            print(f"training worker (pid {self.proc.pid}) exited with {code}; starting "
                  "another", flush=True)
            self.proc = start_worker(self.ws, self.lease)
            print(f"training worker started (pid {self.proc.pid})", flush=True)

    def stop(self) -> None:
        self._stopping.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)


def _run_web(ws: Workspace, sock: socket.socket, hosts: tuple[str, ...], https: bool,
             web_processes: int, log_level: str) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from alwild.app.web.server import ENVIRONMENT, create_app, settle_heap

    if web_processes == 1:
        config = uvicorn.Config(create_app(ws, allowed_hosts=hosts, https=https),
                                log_level=log_level, access_log=False, proxy_headers=https)
        settle_heap()
        uvicorn.Server(config).run(sockets=[sock])
        return
    os.environ[ENVIRONMENT] = json.dumps({"root": str(ws.root), "allowed_hosts": hosts,
                                          "https": https})
    config = uvicorn.Config("alwild.app.web.server:app_from_environment", factory=True,
                            workers=web_processes, log_level=log_level, access_log=False,
                            proxy_headers=https)
    Multiprocess(config, sockets=[sock]).run()


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8765,
          log_level: str = "warning", https: bool = False,
          allowed_hosts: tuple[str, ...] | None = None, web_processes: int = 1,
          worker: bool = True, worker_lease: float | None = None) -> None:
    """Run the app until interrupted: ``web_processes`` web processes on one socket and
    (``worker``) a training worker process, stopped on exit. Once the port is bound, it
    prints the URL and a first admin password. It answers the ``allowed_hosts`` (default
    :func:`default_hosts`); ``https``: it is reached over HTTPS (a reverse proxy terminates
    TLS), so cookies are ``Secure``, answers carry HSTS and the client address is read
    from the proxy's ``X-Forwarded-For`` (trusted from 127.0.0.1 only in this mode, so
    that without a proxy nobody can pose as many addresses to the login throttle)."""
    if web_processes < 1:
        raise UserValueError(f"--workers {web_processes}: give 1 or more web processes")
    sock = bind(host, port)
    hosts = allowed_hosts or default_hosts(host)
    if not _is_loopback(host) and not https:
        print(f"warning: serving on {host}, reachable from other machines; put it behind "
              "HTTPS (a reverse proxy, then --https) before real use", file=sys.stderr)
    with ws.session() as db, db.begin():
        for project_id in projects_without_round(ws):
            request_job(db, project_id)
    first = ensure_admin(ws)
    print(f"alwild is serving {ws.root} at http://{host}:{port}/ (answering Host "
          f"{', '.join(hosts)}{'; HTTPS mode' if https else ''}; {web_processes} web "
          f"process{'es' if web_processes > 1 else ''})", flush=True)
    if https:
        print(f"HTTPS mode: people open https://{hosts[0] if hosts[0] != '*' else 'NAME'}/ "
              f"through your TLS proxy, which forwards to http://{host}:{port}/", flush=True)
    if first:
        print(f"first start: log in as {first[0]!r} with the one-time password {first[1]}",
              flush=True)
        print("(it is shown only now; an admin can add users on the Admin page)", flush=True)
    trainer = Trainer(ws, worker_lease) if worker else None
    try:
        _run_web(ws, sock, hosts, https, web_processes, log_level)
    finally:
        if trainer is not None:
            trainer.stop()
