"""COCO detection json: images, annotations (``bbox`` = x, y, width, height), categories.

>>> doc = coco_dict([Image("a.jpg", 100, 200)], [Box("a.jpg", 10, 20, 30, 40, "b")], ["a", "b"])
>>> doc["annotations"][0]["bbox"], doc["annotations"][0]["category_id"]
([10, 20, 30, 40], 2)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from alwild.export.records import Box, Image, class_ids

__all__ = ["coco_dict", "write_coco"]


def coco_dict(images: Sequence[Image], boxes: Sequence[Box], classes: Sequence[str]) -> dict:
    """The COCO dict; image and annotation ids count from 1 in the order given."""
    ids = class_ids(boxes, classes)
    image_id = {im.file: k for k, im in enumerate(images, start=1)}
    coco_images = [{"id": image_id[im.file], "file_name": Path(im.file).name,
                    "width": im.width, "height": im.height} for im in images]
    annotations = [{"id": k, "image_id": image_id[b.file], "category_id": ids[b.label] + 1,
                    "bbox": [b.x, b.y, b.w, b.h], "area": b.w * b.h, "iscrowd": 0}
                   for k, b in enumerate(boxes, start=1)]
    categories = [{"id": i + 1, "name": c} for i, c in enumerate(classes)]
    return {"images": coco_images, "annotations": annotations, "categories": categories}


def write_coco(images: Sequence[Image], boxes: Sequence[Box], classes: Sequence[str],
               path: str | PathLike) -> Path:
    """Write :func:`coco_dict` as json to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(coco_dict(images, boxes, classes), indent=1))
    return path
