"""Export expert boxes for training a detector elsewhere: YOLO txt files and COCO json.

Boxes come as a table ``file,class,x_min,y_min,x_max,y_max`` in pixels (as
:func:`alwild.vision.io.read_boxes` returns it); image sizes come from the files.

>>> import pandas as pd
>>> boxes = pd.DataFrame({"file": ["a.jpg"], "class": ["defect"], "x_min": [10.0],
...                       "y_min": [20.0], "x_max": [30.0], "y_max": [60.0]})
>>> sizes = pd.DataFrame({"width": [100], "height": [200]}, index=pd.Index(["a.jpg"], name="file"))
>>> yolo_lines(boxes, sizes, ["insulator", "defect"])["a.jpg"]
['1 0.200000 0.200000 0.200000 0.200000']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["yolo_lines", "write_yolo", "coco_dict", "write_coco"]


def _class_ids(boxes: pd.DataFrame, classes: Sequence[str]) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(boxes["class"]) - set(lookup))
    if unknown:
        raise ValueError(f"boxes have classes {unknown} not in the class list {list(classes)}")
    return boxes["class"].map(lookup).to_numpy()


def yolo_lines(
    boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str]
) -> dict[str, list[str]]:
    """``class cx cy w h`` lines (normalised to [0, 1]) per image file."""
    ids = _class_ids(boxes, classes)
    w = sizes.loc[boxes["file"], "width"].to_numpy(dtype=float)
    h = sizes.loc[boxes["file"], "height"].to_numpy(dtype=float)
    cx = (boxes["x_min"].to_numpy() + boxes["x_max"].to_numpy()) / 2 / w
    cy = (boxes["y_min"].to_numpy() + boxes["y_max"].to_numpy()) / 2 / h
    bw = (boxes["x_max"].to_numpy() - boxes["x_min"].to_numpy()) / w
    bh = (boxes["y_max"].to_numpy() - boxes["y_min"].to_numpy()) / h
    out: dict[str, list[str]] = {f: [] for f in sizes.index}
    for f, i, a, b, c, d in zip(boxes["file"], ids, cx, cy, bw, bh, strict=True):
        out[f].append(f"{i} {a:.6f} {b:.6f} {c:.6f} {d:.6f}")
    return out


def write_yolo(
    boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str], out_dir: str | PathLike
) -> Path:
    """Write ``labels/<image stem>.txt`` (empty for an image without boxes) and ``classes.txt``."""
    out = Path(out_dir)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    for f, lines in yolo_lines(boxes, sizes, classes).items():
        text = "".join(line + "\n" for line in lines)
        (out / "labels" / f"{Path(f).stem}.txt").write_text(text)
    (out / "classes.txt").write_text("".join(c + "\n" for c in classes))
    return out


def coco_dict(boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str]) -> dict:
    """A COCO detection dict: images, annotations (``bbox`` = x, y, width, height), categories."""
    ids = _class_ids(boxes, classes)
    image_id = {f: i + 1 for i, f in enumerate(sizes.index)}
    images = [{"id": image_id[f], "file_name": Path(f).name, "width": int(r.width),
               "height": int(r.height)} for f, r in sizes.iterrows()]
    annotations = []
    for k, (row, cid) in enumerate(zip(boxes.itertuples(index=False), ids, strict=True)):
        w, h = row.x_max - row.x_min, row.y_max - row.y_min
        annotations.append({
            "id": k + 1, "image_id": image_id[row.file], "category_id": int(cid) + 1,
            "bbox": [float(row.x_min), float(row.y_min), float(w), float(h)],
            "area": float(w * h), "iscrowd": 0,
        })
    categories = [{"id": i + 1, "name": c} for i, c in enumerate(classes)]
    return {"images": images, "annotations": annotations, "categories": categories}


def write_coco(
    boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str], path: str | PathLike
) -> Path:
    """Write :func:`coco_dict` as json to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(coco_dict(boxes, sizes, classes), indent=1))
    return path
