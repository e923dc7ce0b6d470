"""The demo workspace: the shipped insulator crops and frames and the Titanic table, each
with a small seed of known labels and a trained first model, so a newcomer labels at once.

Seed and held-out labels come from the datasets' own ground truth (see
``alwild/data/README.md``); everything else is left for the person at the screen.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from alwild.app.services.ingest import add_imported_label, import_user, store_image, store_row
from alwild.app.services.projects import create_project
from alwild.app.services.training import train_project
from alwild.app.store.orm import Project
from alwild.app.store.workspace import Workspace, open_workspace

__all__ = ["build_demo", "frame_boxes", "DATA"]

DATA = Path(__file__).resolve().parents[2] / "data"
SETTINGS = {"batch_size": 10, "retrain_every": 10, "budget": 300}
#: the frames project retrains after every 5 labelled frames: of its 10 open frames, the
#: last 5 then carry the suggestions of a detector that has learnt from the first 5
FRAME_SETTINGS = {**SETTINGS, "retrain_every": 5}
CROP_HOLDOUT = 0.35
CROP_SEEDS = 8


def _seed_pick(keys: list[str], labels: dict[str, str], per_class: int) -> set[str]:
    """The first ``per_class`` keys of each class, in file order (deterministic)."""
    taken: dict[str, int] = defaultdict(int)
    out = set()
    for key in keys:
        cls = labels[key]
        if taken[cls] < per_class:
            taken[cls] += 1
            out.add(key)
    return out


def _crops(ws: Workspace, db, owner) -> None:
    """The crops, a third held out (6 of the 17 normal crops) and, of the rest, the first
    ``CROP_SEEDS`` of each class labelled; queried by BALD on the head's MC dropout."""
    root = DATA / "insulators"
    project = create_project(db, "Insulator defects", "classify", ["normal", "defect"],
                             "bald", **SETTINGS)
    taken: dict[str, int] = defaultdict(int)
    for r in csv.DictReader(open(root / "manifest.csv", newline="")):
        item = store_image(ws, db, project, (root / r["file"]).read_bytes(), r["file"],
                           CROP_HOLDOUT)
        db.flush()
        seed = item.split == "pool" and taken[r["label"]] < CROP_SEEDS
        taken[r["label"]] += seed
        if item.split == "holdout" or seed:
            add_imported_label(db, project, item, owner, r["label"])


def frame_boxes(root: Path) -> dict[str, list[dict]]:
    """The true boxes of the shipped frames under ``root``, per file: ``{x, y, w, h,
    label}`` in image pixels, as a label stores them.

    >>> frame_boxes(DATA / "insulators" / "frames")["images/idd_130047.jpg"][0]["label"]
    'insulator'
    """
    boxes: dict[str, list[dict]] = defaultdict(list)
    for r in csv.DictReader(open(root / "frames_boxes.csv", newline="")):
        x0, y0, x1, y1 = (float(r[k]) for k in ("x_min", "y_min", "x_max", "y_max"))
        boxes[r["file"]].append({"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0,
                                 "label": r["class"]})
    return boxes


def _frames(ws: Workspace, db, owner) -> None:
    root = DATA / "insulators" / "frames"
    classes = (root / "classes.txt").read_text().split()
    project = create_project(db, "Insulator frames", "detect", classes, "entropy",
                             **FRAME_SETTINGS)
    boxes = frame_boxes(root)
    files = sorted(p.relative_to(root).as_posix() for p in (root / "images").glob("*.jpg"))
    for k, name in enumerate(files):
        item = store_image(ws, db, project, (root / name).read_bytes(), name, 0.2)
        db.flush()
        if item.split == "holdout" or k % 2 == 0:  # half the pool seeds the first detector
            add_imported_label(db, project, item, owner, None, boxes.get(name, []))


def _titanic(ws: Workspace, db, owner) -> None:
    frame = pd.read_csv(DATA / "titanic.csv")
    truth = frame.pop("Survived").map({0: "died", 1: "survived"})
    project = create_project(db, "Titanic passengers", "classify", ["died", "survived"],
                             "margin", **SETTINGS)
    ids = [str(i) for i in frame["PassengerId"]]
    seed = _seed_pick(ids, dict(zip(ids, truth, strict=True)), 10)
    for pid, record, label in zip(ids, frame.to_dict(orient="records"), truth,
                                  strict=True):
        item = store_row(db, project, record, 0.1)
        db.flush()
        if item.split == "holdout" or pid in seed:
            add_imported_label(db, project, item, owner, label)


def build_demo(root: str | Path) -> tuple[Workspace, bool]:
    """Create (once) and return the demo workspace; True when it was just built."""
    root = Path(root)
    if (root / "alwild.json").exists():
        return open_workspace(root), False
    ws = open_workspace(root, create=True)
    with ws.session() as db, db.begin():
        owner = import_user(db)
        for build in (_crops, _frames, _titanic):
            build(ws, db, owner)
    with ws.session() as db:
        ids = list(db.scalars(select(Project.id).order_by(Project.id)))
    for project_id in ids:
        train_project(ws, project_id)
    return ws, True
