"""The CLI (init, ingest, train, export) on the shipped frames, and the export formats
cross-checked against each other."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import numpy as np
from sqlalchemy import select

from alwild.app.services.ingest import add_imported_label, import_user
from alwild.app.store.orm import Item, Project
from alwild.app.store.workspace import open_workspace
from alwild.cli import main
from tests.app.conftest import DATA

FRAMES = DATA / "insulators" / "frames"


def _truth() -> dict[str, list[dict]]:
    boxes: dict[str, list[dict]] = {}
    for r in csv.DictReader(open(FRAMES / "frames_boxes.csv")):
        x0, y0, x1, y1 = (float(r[k]) for k in ("x_min", "y_min", "x_max", "y_max"))
        boxes.setdefault(r["file"].split("/")[-1], []).append(
            {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "label": r["class"]})
    return boxes


def test_cli_loop_and_exports_agree(tmp_path, capsys):
    ws_dir = tmp_path / "ws"
    labels = (FRAMES / "classes.txt").read_text().split()
    assert main(["init", str(ws_dir), "--task", "detect", "--labels", ",".join(labels)]) == 0
    assert main(["ingest", str(ws_dir), str(FRAMES / "images")]) == 0
    assert "30 items added" in capsys.readouterr().out
    truth = _truth()
    ws = open_workspace(ws_dir)
    with ws.session() as db, db.begin():
        project = db.scalar(select(Project))
        owner = import_user(db)
        for item in db.scalars(select(Item)).all()[:12]:
            add_imported_label(db, project, item, owner, None, truth.get(item.data["file"], []))
    ws.dispose()
    assert main(["train", str(ws_dir)]) == 0
    assert "model v1" in capsys.readouterr().out
    outs = {}
    for fmt in ("coco", "yolo", "voc", "labelstudio", "csv"):
        out = tmp_path / f"out-{fmt}"
        assert main(["export", str(ws_dir), "--format", fmt, "--out", str(out)]) == 0
        outs[fmt] = out
    coco = json.loads(outs["coco"].read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    images = {im["id"]: im for im in coco["images"]}
    assert len(images) == 12
    for im_id, im in images.items():
        got = sorted((names[a["category_id"]], *a["bbox"]) for a in coco["annotations"]
                     if a["image_id"] == im_id)
        stem = im["file_name"].rsplit(".", 1)[0]
        yolo = []
        for line in (outs["yolo"] / "labels" / f"{stem}.txt").read_text().splitlines():
            c, cx, cy, w, h = line.split()
            W, H = im["width"], im["height"]
            yolo.append((labels[int(c)], (float(cx) - float(w) / 2) * W,
                         (float(cy) - float(h) / 2) * H, float(w) * W, float(h) * H))
        _same(sorted(yolo), got, 1e-3)
        root = ET.parse(outs["voc"] / "Annotations" / f"{stem}.xml").getroot()
        voc = sorted((o.findtext("name"), float(o.findtext("bndbox/xmin")),
                      float(o.findtext("bndbox/ymin"))) for o in root.iter("object"))
        _same(voc, [g[:3] for g in got], 0.06)
        assert (outs["yolo"] / "images" / im["file_name"]).exists()
    studio = json.loads(outs["labelstudio"].read_text())
    assert sum(len(t["annotations"][0]["result"]) for t in studio) == len(coco["annotations"])
    rows = list(csv.DictReader(open(outs["csv"])))
    assert sum(1 for r in rows if r["box_label"]) == len(coco["annotations"])
    labelled = [item_file for item_file in truth if any(
        images[i]["file_name"] == _media_name(tmp_path, item_file) for i in images)]
    assert len(coco["annotations"]) == sum(len(truth[f]) for f in labelled)


def _media_name(tmp_path, original: str) -> str:
    ws = open_workspace(tmp_path / "ws")
    with ws.session() as db:
        item = next((i for i in db.scalars(select(Item)) if i.data["file"] == original), None)
    ws.dispose()
    return item.media_path.split("/")[-1] if item else ""


def _same(a: list[tuple], b: list[tuple], tol: float) -> None:
    assert [r[0] for r in a] == [r[0] for r in b]
    assert np.allclose([r[1:] for r in a], [r[1:] for r in b], atol=tol) if a else b == []


def test_cli_errors_are_clear(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n")
    assert main(["init", str(tmp_path / "w"), "--task", "classify", "--labels", "x,y"]) == 0
    assert main(["ingest", str(tmp_path / "w"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "malformed CSV" in err and "line 3" in err
    assert main(["init", str(tmp_path / "w"), "--task", "classify", "--labels", "x"]) == 2
    assert main(["serve", str(tmp_path / "nowhere")]) == 2
    assert "alwild init" in capsys.readouterr().err
    ws = open_workspace(tmp_path / "w")
    with ws.session() as db:
        assert db.scalar(select(Item)) is None  # the bad file changed nothing
    ws.dispose()


def test_ingest_reads_fsspec_urls(tmp_path, capsys):
    import fsspec

    with fsspec.open("memory://alwild-test/rows.csv", "w") as fh:
        fh.write("x,y\n1,a\n2,b\n3,a\n")
    assert main(["init", str(tmp_path / "w"), "--task", "classify", "--labels", "p,q"]) == 0
    assert main(["ingest", str(tmp_path / "w"), "memory://alwild-test/rows.csv"]) == 0
    assert "3 items added" in capsys.readouterr().out
