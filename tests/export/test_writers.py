"""The pure writers, each read back by an independent parser and checked against its input."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from alwild.export import (
    Answer,
    Box,
    Image,
    LabelledItem,
    write_coco,
    write_csv,
    write_labelstudio,
    write_voc,
    write_yolo,
)
from alwild.export.tables import records_from_tables

CLASSES = ["insulator", "broken", "flash"]
IMAGES = [Image("frames/a.jpg", 320, 180), Image("frames/b.png", 640, 480),
          Image("c.webp", 50, 40)]


def _boxes(seed: int = 0, n: int = 40) -> list[Box]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        im = IMAGES[rng.integers(2)]  # the third image gets no box
        x, y = rng.uniform(0, im.width / 2), rng.uniform(0, im.height / 2)
        w, h = rng.uniform(0.5, im.width / 2), rng.uniform(0.5, im.height / 2)
        out.append(Box(im.file, float(x), float(y), float(w), float(h),
                       CLASSES[rng.integers(3)]))
    return out


def test_yolo_lines_parse_back_to_the_pixel_boxes(tmp_path):
    boxes = _boxes()
    write_yolo(IMAGES, boxes, CLASSES, tmp_path)
    assert (tmp_path / "classes.txt").read_text().splitlines() == CLASSES
    assert (tmp_path / "labels" / "c.txt").read_text() == ""
    for im in IMAGES:
        lines = (tmp_path / "labels" / f"{im.file.split('/')[-1].rsplit('.', 1)[0]}.txt"
                 ).read_text().splitlines()
        want = [b for b in boxes if b.file == im.file]
        assert len(lines) == len(want)
        for line, b in zip(lines, want, strict=True):
            c, cx, cy, w, h = line.split()
            assert CLASSES[int(c)] == b.label
            got = ((float(cx) - float(w) / 2) * im.width, (float(cy) - float(h) / 2) * im.height,
                   float(w) * im.width, float(h) * im.height)
            np.testing.assert_allclose(got, (b.x, b.y, b.w, b.h), atol=1e-6 * im.width)


def test_coco_json_holds_the_input_boxes_exactly(tmp_path):
    boxes = _boxes(1)
    doc = json.loads(write_coco(IMAGES, boxes, CLASSES, tmp_path / "sub" / "c.json").read_text())
    names = {im["id"]: im["file_name"] for im in doc["images"]}
    assert [(im["file_name"], im["width"], im["height"]) for im in doc["images"]] == [
        ("a.jpg", 320, 180), ("b.png", 640, 480), ("c.webp", 50, 40)]
    cats = {c["id"]: c["name"] for c in doc["categories"]}
    back = [(names[a["image_id"]], *a["bbox"], cats[a["category_id"]])
            for a in doc["annotations"]]
    assert back == [(b.file.split("/")[-1], b.x, b.y, b.w, b.h, b.label) for b in boxes]
    assert [a["id"] for a in doc["annotations"]] == list(range(1, len(boxes) + 1))
    assert all(a["area"] == pytest.approx(a["bbox"][2] * a["bbox"][3])
               for a in doc["annotations"])


def test_voc_xml_gives_the_corners(tmp_path):
    boxes = _boxes(2)
    write_voc(IMAGES, boxes, tmp_path)
    for im in IMAGES:
        stem = im.file.split("/")[-1].rsplit(".", 1)[0]
        root = ET.parse(tmp_path / "Annotations" / f"{stem}.xml").getroot()
        assert root.findtext("filename") == im.file.split("/")[-1]
        assert int(root.findtext("size/width")) == im.width
        got = [(o.findtext("name"), *(float(o.findtext(f"bndbox/{k}"))
                                      for k in ("xmin", "ymin", "xmax", "ymax")))
               for o in root.iter("object")]
        want = [(b.label, b.x, b.y, b.x + b.w, b.y + b.h) for b in boxes if b.file == im.file]
        assert [g[0] for g in got] == [w[0] for w in want]
        np.testing.assert_allclose([g[1:] for g in got] or np.zeros((0, 4)),
                                   [w[1:] for w in want] or np.zeros((0, 4)), atol=0.05)


def _items() -> list[LabelledItem]:
    img = Image("ab12.jpg", 200, 100)
    boxes = (Box(img.file, 10, 20, 30, 40, "broken"), Box(img.file, 0.5, 1.5, 2.0, 3.0, "flash"))
    return [
        LabelledItem(3, "u-img", "pool", {"file": "orig.jpg"},
                     (Answer("ann", None, boxes, 2, 12.345, 99.5), Answer("bob", None, (), 1)),
                     img),
        LabelledItem(4, "u-row", "holdout", {"age": 31, "sex": "f"},
                     (Answer("ann", "died", (), 1, 3.0, 7.0),)),
    ]


def test_csv_rows_per_box_and_per_answer(tmp_path):
    rows = list(csv.DictReader(open(write_csv(_items(), tmp_path / "l.csv"), newline="")))
    assert [(r["item"], r["file"], r["annotator"], r["box_label"], r["value"]) for r in rows] == [
        ("u-img", "orig.jpg", "ann", "broken", ""), ("u-img", "orig.jpg", "ann", "flash", ""),
        ("u-img", "orig.jpg", "bob", "", ""), ("u-row", "", "ann", "", "died")]
    assert (float(rows[1]["box_x"]), float(rows[1]["box_h"])) == (0.5, 3.0)
    assert rows[0]["seconds"] == "12.3" and rows[3]["split"] == "holdout"


def test_labelstudio_percentages_give_back_the_pixels(tmp_path):
    detect = json.loads(write_labelstudio(_items()[:1], "detect", tmp_path / "d.json").read_text())
    (task,) = detect
    assert task["id"] == 3 and task["data"] == {"image": "ab12.jpg"}
    res = task["annotations"][0]["result"]
    px = [(v["x"] * r["original_width"] / 100, v["y"] * r["original_height"] / 100,
           v["width"] * r["original_width"] / 100, v["height"] * r["original_height"] / 100)
          for r in res for v in [r["value"]]]
    np.testing.assert_allclose(px, [(10, 20, 30, 40), (0.5, 1.5, 2.0, 3.0)], atol=1e-9)
    assert [r["value"]["rectanglelabels"] for r in res] == [["broken"], ["flash"]]
    assert task["annotations"][1] == {"completed_by": "bob", "result": [], "lead_time": 0.0}
    rows = json.loads(write_labelstudio(_items()[1:], "classify", tmp_path / "c.json").read_text())
    assert rows[0]["data"] == {"age": 31, "sex": "f"}
    assert rows[0]["annotations"][0]["result"][0]["value"] == {"choices": ["died"]}


def test_an_unlisted_class_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"classes \['broken'\] not in the class list"):
        write_coco(IMAGES, [Box(IMAGES[0].file, 1, 1, 2, 2, "broken")], ["insulator"],
                   tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()


def test_a_boxes_table_becomes_the_same_records():
    boxes = _boxes(3, 10)
    table = pd.DataFrame({"file": [b.file for b in boxes], "class": [b.label for b in boxes],
                          "x_min": [b.x for b in boxes], "y_min": [b.y for b in boxes],
                          "x_max": [b.x + b.w for b in boxes], "y_max": [b.y + b.h for b in boxes]})
    sizes = pd.DataFrame({"width": [im.width for im in IMAGES],
                          "height": [im.height for im in IMAGES]},
                         index=pd.Index([im.file for im in IMAGES], name="file"))
    images, back = records_from_tables(table, sizes)
    assert images == IMAGES
    assert [(b.file, b.label) for b in back] == [(b.file, b.label) for b in boxes]
    np.testing.assert_allclose([(b.x, b.y, b.w, b.h) for b in back],
                               [(b.x, b.y, b.w, b.h) for b in boxes], atol=1e-9)
    with pytest.raises(KeyError, match="without a size"):
        records_from_tables(table, sizes.iloc[1:])
