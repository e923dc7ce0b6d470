"""How long Label Studio waits on the alwild ML backend: prints the seconds of a first
/predict (ingest, first round, answer), of a retrain after annotation webhooks, and of a
/predict from a finished round, for the Titanic rows and the insulator crops (served over
a local HTTP server, as Label Studio serves images). In-process (FastAPI's TestClient),
on a real SQLite workspace.

    PYTHONPATH=. python benchmarks/labelstudio_backend.py [--labels 40]
"""

from __future__ import annotations

import argparse
import csv
import functools
import http.server
import os
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

import alwild
from alwild.app.labelstudio.server import create_backend_app
from alwild.app.store.workspace import open_workspace

DATA = Path(alwild.__file__).parent / "data"
ROWS = ('<View><Table name="row" value="$passenger"/><Choices name="fate" toName="row">'
        '<Choice value="survived"/><Choice value="died"/></Choices></View>')
IMAGES = ('<View><Image name="image" value="$image"/><Choices name="fate" toName="image">'
          '<Choice value="normal"/><Choice value="defect"/></Choices></View>')


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def titanic_tasks() -> tuple[list[dict], list[str]]:
    people = pd.read_csv(DATA / "titanic.csv")[["Pclass", "Sex", "Age", "Fare", "Survived"]]
    people = people.dropna().reset_index(drop=True)
    tasks = [{"id": i + 1, "data": {"passenger": row.drop("Survived").to_dict()}}
             for i, row in people.iterrows()]
    return tasks, ["survived" if s else "died" for s in people.Survived]


def crop_tasks(base: str) -> tuple[list[dict], list[str]]:
    with open(DATA / "insulators" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return ([{"id": i + 1, "data": {"image": f"{base}/{r['file']}"}} for i, r in
             enumerate(rows)], [r["label"] for r in rows])


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(name: str, config: str, tasks: list[dict], truth: list[str], n_labels: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, TestClient(
            create_backend_app(open_workspace(Path(tmp) / "ws", create=True))) as client:
        body = {"tasks": tasks, "project": "1.0", "label_config": config}
        first = timed(lambda: client.post("/predict", json=body).raise_for_status())
        worker = client.app.state.backend.worker

        def annotate():
            for task, value in list(zip(tasks, truth, strict=True))[:n_labels]:
                client.post("/webhook", json={
                    "action": "ANNOTATION_CREATED", "project": {"id": 1, "label_config": config},
                    "task": task, "annotation": {"id": task["id"], "task": task["id"],
                                                 "completed_by": 1, "result": [{
                        "from_name": "fate", "to_name": config.split('name="')[1].split('"')[0],
                        "type": "choices", "value": {"choices": [value]}}]}}
                            ).raise_for_status()
            worker.wait_idle(600)

        labelled = timed(annotate)
        ranked = timed(lambda: client.post("/predict", json=body).raise_for_status())
    print(f"{name}: {len(tasks)} tasks | first /predict (ingest + round 1) {first:.2f} s | "
          f"{n_labels} webhooks + retrains {labelled:.2f} s ({worker.runs} rounds) | "
          f"/predict of all from a finished round {ranked:.2f} s "
          f"({1000 * ranked / len(tasks):.2f} ms/task)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=40)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    measure("titanic rows", ROWS, *titanic_tasks(), args.labels)
    handler = functools.partial(QuietHandler, directory=str(DATA / "insulators"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        measure("insulator crops over HTTP", IMAGES,
                *crop_tasks(f"http://127.0.0.1:{server.server_address[1]}"), args.labels)
    finally:
        server.shutdown()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
