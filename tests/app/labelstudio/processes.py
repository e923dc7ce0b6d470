"""A real Label Studio (from its own virtualenv, ``make labelstudio-venv``) and the real
``alwild labelstudio-backend`` command, each a process on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.app.server_proc import ROOT, free_port

LS_VENV = Path(os.environ.get("ALWILD_LABELSTUDIO_VENV", ROOT / ".venv-labelstudio"))
LS_BIN = LS_VENV / "bin" / "label-studio"
LS_USER, LS_PASSWORD, LS_TOKEN = "alwild@example.org", "alwild-test-pass", "alwildtesttoken0123"
STARTUP_SECONDS = 600.0

__all__ = ["LS_BIN", "LS_TOKEN", "Process", "start_label_studio", "start_backend"]


class Process:
    """A child process in its own process group, up once ``health_url`` answers 200."""

    def __init__(self, argv: list[str], env: dict, health_url: str, log: Path) -> None:
        self.argv, self.env, self.health_url, self.log = argv, env, health_url, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float) -> Process:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.health_url, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.argv[0]} did not answer {self.health_url} in {timeout:.0f} "
                           f"s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)


def _label_studio(data_dir: Path, log: Path) -> Process:
    port = free_port()
    env = {**os.environ,
           "LABEL_STUDIO_USERNAME": LS_USER, "LABEL_STUDIO_PASSWORD": LS_PASSWORD,
           "LABEL_STUDIO_USER_TOKEN": LS_TOKEN, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
           # the backend runs on 127.0.0.1: Label Studio refuses loopback ML backends unless told
           "ML_BLOCK_LOCAL_IP": "false", "SSRF_PROTECTION_ENABLED": "false",
           "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false"}
    env.pop("PYTHONPATH", None)
    return Process([str(LS_BIN), "start", "--no-browser", "--host", "127.0.0.1", "--port",
                    str(port), "--data-dir", str(data_dir)], env,
                   f"http://127.0.0.1:{port}/health", log)


def start_label_studio(data_dir: Path, log: Path) -> tuple[Process, str]:
    """Label Studio on a copy of a migrated data folder (made once, in the virtualenv:
    a first start spends minutes on database migrations); returns (process, url)."""
    template = LS_VENV / "alwild-test-data"
    ready = template / "alwild-ready"
    if not ready.exists():
        shutil.rmtree(template, ignore_errors=True)
        _label_studio(template, log).start(STARTUP_SECONDS).stop()
        ready.touch()
    shutil.copytree(template, data_dir, ignore=shutil.ignore_patterns("alwild-ready"))
    ls = _label_studio(data_dir, log).start(STARTUP_SECONDS)
    return ls, ls.health_url.rsplit("/", 1)[0]


def start_backend(workspace: Path, label_studio_url: str, log: Path) -> tuple[Process, str]:
    """``alwild labelstudio-backend`` on a free port; returns (process, url)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    backend = Process([sys.executable, "-m", "alwild", "labelstudio-backend", str(workspace),
                       "--port", str(port), "--label-studio-url", label_studio_url,
                       "--label-studio-token", LS_TOKEN], env,
                      f"http://127.0.0.1:{port}/health", log).start(60)
    return backend, f"http://127.0.0.1:{port}"
