"""Fixtures for the Label Studio backend tests: the shipped insulator images on a real
local HTTP server (as task image URLs), their labels, and label configs."""

from __future__ import annotations

import csv
import functools
import http.server
import threading
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[3] / "alwild" / "data" / "insulators"

CHOICES = ('<View><Image name="image" value="$image"/><Choices name="label" toName="image">'
           '<Choice value="normal"/><Choice value="defect"/></Choices></View>')
BOXES = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" '
         'toName="image"><Label value="insulator"/><Label value="broken"/>'
         '<Label value="pollution-flashover"/></RectangleLabels></View>')


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def image_server():
    """The insulator data folder over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def crops() -> list[dict]:
    """The crops' manifest rows (``file``, ``label`` normal/defect), in file order."""
    with open(DATA / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def frames() -> dict[str, list[dict]]:
    """The frames' boxes in pixels, by file (relative to the data folder)."""
    out: dict[str, list[dict]] = {}
    with open(DATA / "frames" / "frames_boxes.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault("frames/" + row["file"], []).append(row)
    return out
