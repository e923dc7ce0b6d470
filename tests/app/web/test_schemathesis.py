"""Property-based fuzzing of the app's own OpenAPI schema with schemathesis, against a real
``alwild serve`` on 127.0.0.1: no request may get a 5xx answer. Bounded in time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alwild.app.services.training import train_project
from alwild.app.store.workspace import open_workspace
from tests.app.conftest import make_setup
from tests.app.server_proc import Server

pytest.importorskip("schemathesis", reason="SCHEMATHESIS TEST SKIPPED: pip install schemathesis "
                    "(it is in the test extra)")


def test_no_server_errors_on_fuzzed_requests(tmp_path):
    ws = open_workspace(tmp_path / "ws", create=True)
    s = make_setup(ws, tmp_path, n=120, seed_labels=40, batch_size=30)
    train_project(ws, s.project_id)
    ws.dispose()
    server = Server(tmp_path / "ws").start()
    exe = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    try:
        proc = subprocess.run(
            [exe, "run", f"{server.url}/api/openapi.json", "-H",
             f"Authorization: Bearer {s.admin_token}", "--checks", "not_a_server_error",
             "--max-examples", "10", "--max-time", "25", "--seed", "7", "--workers", "1",
             "--request-timeout", "20", "--warnings", "off"],
            capture_output=True, text=True, timeout=200)
    finally:
        server.stop()
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    print(tail)
    assert proc.returncode == 0, tail
    assert "Server error" not in proc.stdout
