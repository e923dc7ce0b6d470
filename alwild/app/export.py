"""Writing labels out: CSV, COCO, YOLO, Pascal VOC and Label Studio JSON."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.media import confined
from alwild.app.models import Item, Label, Project, User

__all__ = ["export", "FORMATS"]

FORMATS = ("csv", "coco", "yolo", "voc", "labelstudio")


def _labelled(db: Session, project: Project) -> list[tuple[Item, list[tuple[Label, str]]]]:
    names = dict(db.execute(select(User.id, User.username)).all())
    out: dict[int, tuple[Item, list]] = {}
    rows = db.execute(select(Item, Label).join(Label, Label.item_id == Item.id)
                      .where(Item.project_id == project.id)
                      .order_by(Item.id, Label.updated_at)).all()
    for item, label in rows:
        out.setdefault(item.id, (item, []))[1].append((label, names.get(label.user_id, "?")))
    return list(out.values())


def _latest(labels):
    return labels[-1][0]


def _name(item: Item) -> str:
    return Path(item.media_path).name if item.media_path else item.uid


def export(db: Session, project: Project, fmt: str, out: Path, media_root: Path) -> Path:
    """Write ``project``'s labels to ``out`` (a file, or a folder for yolo/voc)."""
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    data = _labelled(db, project)
    if fmt in ("coco", "yolo", "voc") and project.task != "detect":
        raise ValueError(f"{fmt} is a bounding-box format; this project's task is "
                         f"{project.task}: use csv or labelstudio")
    out = Path(out)
    writer = {"csv": _csv, "coco": _coco, "yolo": _yolo, "voc": _voc,
              "labelstudio": _labelstudio}[fmt]
    writer(project, data, out, media_root)
    return out


def _csv(project, data, out: Path, media_root) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "file", "split", "annotator", "version", "value", "box_x", "box_y",
                    "box_w", "box_h", "box_label", "seconds", "updated_at"])
        for item, labels in data:
            for label, who in labels:
                base = [item.uid, item.data.get("file", "") if item.kind == "image" else "",
                        item.split, who, label.version, label.value or ""]
                tail = [round(label.seconds, 1), label.updated_at]
                if not label.boxes:
                    w.writerow(base + ["", "", "", "", ""] + tail)
                for b in label.boxes:
                    w.writerow(base + [b["x"], b["y"], b["w"], b["h"], b["label"]] + tail)


def _coco(project, data, out: Path, media_root) -> None:
    cats = [{"id": i + 1, "name": n} for i, n in enumerate(project.labels)]
    ids = {n: i + 1 for i, n in enumerate(project.labels)}
    images, anns = [], []
    for k, (item, labels) in enumerate(data, start=1):
        images.append({"id": k, "file_name": _name(item), "width": item.width,
                       "height": item.height})
        for b in _latest(labels).boxes:
            anns.append({"id": len(anns) + 1, "image_id": k, "category_id": ids[b["label"]],
                         "bbox": [b["x"], b["y"], b["w"], b["h"]], "area": b["w"] * b["h"],
                         "iscrowd": 0})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats},
                              indent=1))


def _copy_images(data, folder: Path, media_root: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for item, _ in data:
        shutil.copyfile(confined(media_root, item.media_path), folder / _name(item))


def _yolo(project, data, out: Path, media_root) -> None:
    (out / "labels").mkdir(parents=True, exist_ok=True)
    _copy_images(data, out / "images", media_root)
    (out / "classes.txt").write_text("\n".join(project.labels) + "\n")
    ids = {n: i for i, n in enumerate(project.labels)}
    for item, labels in data:
        lines = [f"{ids[b['label']]} {(b['x'] + b['w'] / 2) / item.width:.6f} "
                 f"{(b['y'] + b['h'] / 2) / item.height:.6f} {b['w'] / item.width:.6f} "
                 f"{b['h'] / item.height:.6f}" for b in _latest(labels).boxes]
        (out / "labels" / (Path(_name(item)).stem + ".txt")).write_text(
            "".join(line + "\n" for line in lines))


def _voc(project, data, out: Path, media_root) -> None:
    (out / "Annotations").mkdir(parents=True, exist_ok=True)
    _copy_images(data, out / "JPEGImages", media_root)
    for item, labels in data:
        objects = "".join(
            f"<object><name>{escape(b['label'])}</name><difficult>0</difficult><bndbox>"
            f"<xmin>{b['x']:.1f}</xmin><ymin>{b['y']:.1f}</ymin>"
            f"<xmax>{b['x'] + b['w']:.1f}</xmax><ymax>{b['y'] + b['h']:.1f}</ymax>"
            "</bndbox></object>" for b in _latest(labels).boxes)
        xml = (f"<annotation><filename>{escape(_name(item))}</filename><size>"
               f"<width>{item.width}</width><height>{item.height}</height><depth>3</depth>"
               f"</size>{objects}</annotation>\n")
        (out / "Annotations" / (Path(_name(item)).stem + ".xml")).write_text(xml)


def _labelstudio(project, data, out: Path, media_root) -> None:
    tasks = []
    for item, labels in data:
        task_data = {"image": _name(item)} if item.kind == "image" else dict(item.data)
        annotations = []
        for label, who in labels:
            if project.task == "classify":
                result = [{"from_name": "label", "to_name": "item", "type": "choices",
                           "value": {"choices": [label.value]}}]
            else:
                result = [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
                           "original_width": item.width, "original_height": item.height,
                           "value": {"x": 100 * b["x"] / item.width,
                                     "y": 100 * b["y"] / item.height,
                                     "width": 100 * b["w"] / item.width,
                                     "height": 100 * b["h"] / item.height,
                                     "rotation": 0, "rectanglelabels": [b["label"]]}}
                          for b in label.boxes]
            annotations.append({"completed_by": who, "result": result,
                                "lead_time": label.seconds})
        tasks.append({"id": item.id, "data": task_data, "annotations": annotations})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, indent=1))
