"""The table of formats: every entry writes through the same call, and a box format
writes each item's latest answer."""

from __future__ import annotations

import json

import pytest

from alwild.errors import UserValueError
from alwild.export import FORMATS, Answer, Box, Image, LabelledItem, get_format


def _items() -> list[LabelledItem]:
    image = Image("a.jpg", 100, 50)
    old = Answer("ann", None, (Box("a.jpg", 1, 2, 3, 4, "defect"),), version=1)
    new = Answer("ann", None, (Box("a.jpg", 10, 20, 30, 10, "insulator"),), version=2)
    return [LabelledItem(1, "u1", "train", {}, (old, new), image)]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_writes_through_the_one_call(tmp_path, name):
    spec = get_format(name)
    out = tmp_path / f"out{spec.suffix}"
    spec.write(_items(), ["insulator", "defect"], "detect", out)
    assert out.exists() and (out.is_dir() or out.stat().st_size > 0)
    if spec.suffix == ".json":
        json.loads(out.read_text())


def test_a_box_format_writes_only_the_latest_answer(tmp_path):
    out = tmp_path / "coco.json"
    get_format("coco").write(_items(), ["insulator", "defect"], "detect", out)
    coco = json.loads(out.read_text())
    assert [a["bbox"] for a in coco["annotations"]] == [[10, 20, 30, 10]]


def test_an_unknown_format_names_the_known_ones():
    with pytest.raises(UserValueError, match="csv, coco, yolo, voc, labelstudio"):
        get_format("tiff")
