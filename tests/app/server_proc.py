"""Run ``alwild serve`` as a real process on a free loopback port (for browser, crash and
load tests)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["Server", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``alwild serve DIR [OPTIONS]`` in a subprocess; ``password`` is the printed one-time
    password."""

    def __init__(self, workspace: Path, port: int | None = None,
                 options: tuple[str, ...] = ()) -> None:
        self.workspace, self.port = Path(workspace), port or free_port()
        self.options = options
        self.url = f"http://127.0.0.1:{self.port}"
        self.password: str | None = None
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, timeout: float = 180.0) -> Server:
        """Start it and wait for /api/health: about 5 s on an idle machine, over 60 s seen
        on a loaded one (a CI run beside two benchmarks)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alwild", "serve", str(self.workspace), "--port",
             str(self.port), *self.options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env)
        deadline = time.monotonic() + timeout
        os.set_blocking(self.proc.stdout.fileno(), False)
        while time.monotonic() < deadline:
            self._read()
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + "".join(self.output)
                                   + self.proc.stdout.read())
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    self._read()
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start:\n" + "".join(self.output))

    def _read(self) -> None:
        for line in iter(self.proc.stdout.readline, ""):
            self.output.append(line)
            found = re.search(r"one-time password (\S+)", line)
            if found:
                self.password = found.group(1)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what is on disk is what survives."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def add_token_users(ws, project_id: int, n: int, prefix: str = "client") -> list[str]:
    """``n`` annotators of the project who can only use API tokens (no password login)."""
    from alwild.app.services.auth import new_api_token
    from alwild.app.store.orm import Membership, User

    tokens = []
    with ws.session() as db, db.begin():
        for i in range(n):
            user = User(username=f"{prefix}{i}", password_hash="!", role="annotator")
            db.add(user)
            db.flush()
            db.add(Membership(project_id=project_id, user_id=user.id))
            tokens.append(new_api_token(db, user))
    return tokens
