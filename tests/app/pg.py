"""Start a throw-away PostgreSQL server for the tests (Debian's postgresql package).

It listens on a Unix socket only (no TCP port), in a fresh data folder, and is stopped at
the end of the session. Running as root, the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid

__all__ = ["start_postgres", "PostgresUnavailable", "new_database"]


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb); `make test` installs "
                              "Debian's postgresql package when run as root")


def start_postgres() -> tuple[str, callable]:
    """Start a server; returns (admin URL without database, stop function); the stop
    function's ``restart()`` crashes and restarts the server (for fault tests)."""
    bindir = _bindir()
    base = tempfile.mkdtemp(prefix="alwpg")
    data, sock = os.path.join(base, "data"), os.path.join(base, "s")
    os.makedirs(sock)
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            shutil.chown(base, "postgres")
            shutil.chown(sock, "postgres")
        except (LookupError, PermissionError) as err:
            raise PostgresUnavailable(f"cannot hand the data folder to user postgres: {err}"
                                      ) from err
        prefix = ["runuser", "-u", "postgres", "--"]

    def run(*cmd: str) -> None:
        proc = subprocess.run(prefix + list(cmd), capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise PostgresUnavailable(f"{cmd[0]} failed: {proc.stderr.strip()[-500:]}")

    run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "alwild", "--no-sync", "-E", "UTF8")
    opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=200"
    run(f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-w", "-t", "60", "-l",
        os.path.join(base, "log"), "start")

    def stop() -> None:
        subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)

    def restart() -> None:
        """Crash the server (immediate stop: every connection dropped) and start it again."""
        run(f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-o", opts, "-w", "-t", "60",
            "-l", os.path.join(base, "log"), "restart")

    stop.restart = restart
    return f"postgresql://alwild@/{{db}}?host={sock}", stop


def new_database(admin_url: str) -> str:
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url.format(db="postgres").replace("postgresql://",
                                                                 "postgresql://", 1),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.format(db=name)
