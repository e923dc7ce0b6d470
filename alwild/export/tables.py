"""The writers for a pandas boxes table, as the vision code and the case studies hold boxes.

Boxes come as a table ``file,class,x_min,y_min,x_max,y_max`` in pixels (as
:func:`alwild.vision.io.read_boxes` returns it); image sizes as a table ``width, height``
indexed by file (:func:`alwild.vision.io.image_sizes`). Every image of ``sizes`` is
written, in its order; boxes keep the table's order.

>>> import pandas as pd
>>> boxes = pd.DataFrame({"file": ["a.jpg"], "class": ["defect"], "x_min": [10.0],
...                       "y_min": [20.0], "x_max": [30.0], "y_max": [60.0]})
>>> sizes = pd.DataFrame({"width": [100], "height": [200]}, index=pd.Index(["a.jpg"], name="file"))
>>> yolo_lines(boxes, sizes, ["insulator", "defect"])["a.jpg"]
['1 0.200000 0.200000 0.200000 0.200000']
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from alwild.export import coco, yolo
from alwild.export.records import Box, Image

__all__ = ["records_from_tables", "yolo_lines", "write_yolo", "coco_dict", "write_coco"]


def records_from_tables(boxes: pd.DataFrame, sizes: pd.DataFrame
                        ) -> tuple[list[Image], list[Box]]:
    """The tables as records; KeyError if a box is on an image that ``sizes`` lacks."""
    images = [Image(f, int(r.width), int(r.height)) for f, r in sizes.iterrows()]
    missing = sorted(set(boxes["file"]) - set(sizes.index))
    if missing:
        raise KeyError(f"boxes on images without a size: {missing}")
    columns = (boxes[c] for c in ("file", "x_min", "y_min", "x_max", "y_max", "class"))
    records = [Box.from_corners(f, float(x0), float(y0), float(x1), float(y1), c)
               for f, x0, y0, x1, y1, c in zip(*columns, strict=True)]
    return images, records


def yolo_lines(boxes: pd.DataFrame, sizes: pd.DataFrame,
               classes: Sequence[str]) -> dict[str, list[str]]:
    """``class cx cy w h`` lines (normalised to [0, 1]) per image file."""
    return yolo.yolo_lines(*records_from_tables(boxes, sizes), classes)


def write_yolo(boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str],
               out_dir: str | PathLike) -> Path:
    """Write ``labels/<image stem>.txt`` (empty for an image without boxes) and ``classes.txt``."""
    return yolo.write_yolo(*records_from_tables(boxes, sizes), classes, out_dir)


def coco_dict(boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str]) -> dict:
    """A COCO detection dict: images, annotations (``bbox`` = x, y, width, height), categories."""
    return coco.coco_dict(*records_from_tables(boxes, sizes), classes)


def write_coco(boxes: pd.DataFrame, sizes: pd.DataFrame, classes: Sequence[str],
               path: str | PathLike) -> Path:
    """Write :func:`coco_dict` as json to ``path``."""
    return coco.write_coco(*records_from_tables(boxes, sizes), classes, path)
