"""The table of export formats: the one list the app's export service and ``alwild export``
read. A new format is a writer module in :mod:`alwild.export` plus one entry here.

Every entry writes a project's labelled items (:class:`~alwild.export.records.LabelledItem`)
through one call, ``write(items, classes, task, out)``. The bounding-box formats write each
item's latest answer; the per-annotator formats (CSV, Label Studio) write every answer.

>>> [f.name for f in FORMATS.values() if f.boxes]
['coco', 'yolo', 'voc']
>>> get_format("coco").suffix
'.json'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from alwild.errors import UserValueError
from alwild.export.coco import write_coco
from alwild.export.label_table import write_csv
from alwild.export.labelstudio import write_labelstudio
from alwild.export.records import Box, Image, LabelledItem
from alwild.export.voc import write_voc
from alwild.export.yolo import write_yolo

__all__ = ["Format", "FORMATS", "get_format"]

Writer = Callable[[Sequence[LabelledItem], Sequence[str], str, Path], object]


@dataclass(frozen=True)
class Format:
    """An export format: its ``name``, the ``suffix`` of its file ("" for a folder), whether
    it holds ``boxes`` (then it needs a detection project), the sub-folder the images are
    copied into (``images_folder``, or None), and its ``write`` function."""

    name: str
    suffix: str
    boxes: bool
    images_folder: str | None
    write: Writer


def _latest(items: Sequence[LabelledItem]) -> tuple[list[Image], list[Box]]:
    images = [item.image for item in items]
    boxes = [b for item in items for b in item.answers[-1].boxes]
    return images, boxes


def _csv(items, classes, task, out):
    return write_csv(items, out)


def _labelstudio(items, classes, task, out):
    return write_labelstudio(items, task, out)


def _coco(items, classes, task, out):
    return write_coco(*_latest(items), classes, out)


def _yolo(items, classes, task, out):
    return write_yolo(*_latest(items), classes, out)


def _voc(items, classes, task, out):
    return write_voc(*_latest(items), out)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("csv", ".csv", False, None, _csv),
    Format("coco", ".json", True, None, _coco),
    Format("yolo", "", True, "images", _yolo),
    Format("voc", "", True, "JPEGImages", _voc),
    Format("labelstudio", ".json", False, None, _labelstudio),
)}


def get_format(name: str) -> Format:
    """The format called ``name``, or an error that lists them."""
    if name not in FORMATS:
        raise UserValueError(f"--format must be one of {', '.join(FORMATS)}, got {name!r}")
    return FORMATS[name]
