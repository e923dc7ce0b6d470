"""YOLO txt labels: one ``class cx cy w h`` line per box, normalised to [0, 1].

>>> yolo_lines([Image("a.jpg", 100, 200)], [Box("a.jpg", 10, 20, 20, 40, "b")], ["a", "b"])
{'a.jpg': ['1 0.200000 0.200000 0.200000 0.200000']}
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from alwild.export.records import Box, Image, class_ids

__all__ = ["yolo_lines", "write_yolo"]


def yolo_lines(images: Sequence[Image], boxes: Sequence[Box],
               classes: Sequence[str]) -> dict[str, list[str]]:
    """The lines of each image (every image gets a list, empty when it has no box)."""
    ids = class_ids(boxes, classes)
    sizes = {im.file: im for im in images}
    out: dict[str, list[str]] = {im.file: [] for im in images}
    for b in boxes:
        im = sizes[b.file]
        out[b.file].append(f"{ids[b.label]} {(b.x + b.w / 2) / im.width:.6f} "
                           f"{(b.y + b.h / 2) / im.height:.6f} {b.w / im.width:.6f} "
                           f"{b.h / im.height:.6f}")
    return out


def write_yolo(images: Sequence[Image], boxes: Sequence[Box], classes: Sequence[str],
               out_dir: str | PathLike) -> Path:
    """Write ``labels/<image stem>.txt`` (empty for an image without boxes) and
    ``classes.txt``; returns ``out_dir``."""
    out = Path(out_dir)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    for file, lines in yolo_lines(images, boxes, classes).items():
        (out / "labels" / f"{Path(file).stem}.txt").write_text("".join(
            line + "\n" for line in lines))
    (out / "classes.txt").write_text("".join(c + "\n" for c in classes))
    return out
