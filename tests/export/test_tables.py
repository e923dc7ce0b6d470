"""The writers for a pandas boxes table (the case studies' export) on the shipped frames."""

from __future__ import annotations

import importlib
import json
import pickle
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alwild.export import tables
from alwild.export.tables import coco_dict, write_yolo
from alwild.vision.io import image_sizes, read_boxes

FRAMES = Path(str(files("alwild") / "data" / "insulators" / "frames"))


def _frames_manifest() -> pd.DataFrame:
    return pd.DataFrame({"file": sorted(str(p) for p in (FRAMES / "images").glob("*.jpg"))})


def test_yolo_export_reproduces_the_shipped_label_files(tmp_path):
    manifest = _frames_manifest()
    boxes = read_boxes(FRAMES / "frames_boxes.csv", manifest)
    classes = (FRAMES / "classes.txt").read_text().split()
    sizes = image_sizes(list(manifest.file))
    out = write_yolo(boxes, sizes, classes, tmp_path)
    for shipped in sorted((FRAMES / "labels").glob("*.txt")):
        ours = np.loadtxt(out / "labels" / shipped.name, ndmin=2)
        ref = np.loadtxt(shipped, ndmin=2)
        order = np.lexsort(ref.T[::-1]), np.lexsort(ours.T[::-1])
        np.testing.assert_allclose(ours[order[1]], ref[order[0]], atol=2e-6)
    assert (out / "classes.txt").read_text().split() == classes


def test_coco_export_round_trips_the_boxes():
    manifest = _frames_manifest()
    boxes = read_boxes(FRAMES / "frames_boxes.csv", manifest)
    classes = ["insulator", "broken", "pollution-flashover"]
    coco = json.loads(json.dumps(coco_dict(boxes, image_sizes(list(manifest.file)), classes)))
    assert len(coco["images"]) == 30 and len(coco["annotations"]) == 94
    names = {i["id"]: i["file_name"] for i in coco["images"]}
    back = pd.DataFrame([{"file": names[a["image_id"]], "class": classes[a["category_id"] - 1],
                          "x_min": x, "y_min": y, "x_max": x + w, "y_max": y + h}
                         for a in coco["annotations"] for x, y, w, h in [a["bbox"]]])
    ref = boxes.assign(file=[Path(f).name for f in boxes.file])
    key = ["file", "class", "x_min", "y_min"]
    pd.testing.assert_frame_equal(back.sort_values(key).reset_index(drop=True),
                                  ref.sort_values(key).reset_index(drop=True), check_dtype=False)
    with pytest.raises(ValueError, match="not in the class list"):
        coco_dict(boxes, image_sizes(list(manifest.file)), ["insulator"])


def test_the_old_vision_export_path_is_this_module_with_its_names():
    old = importlib.import_module("alwild.vision.export")
    assert old is tables
    assert all(hasattr(old, n) for n in ("coco_dict", "write_coco", "write_yolo", "yolo_lines"))
    assert pickle.loads(b"calwild.vision.export\nwrite_yolo\n.") is tables.write_yolo
