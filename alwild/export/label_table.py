"""The label table as CSV: one row per box of every answer (one row for an answer with no
box), so every annotator's work is kept, with its version, time spent and save time."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from alwild.export.records import LabelledItem

__all__ = ["write_csv", "COLUMNS"]

COLUMNS = ["item", "file", "split", "annotator", "version", "value", "box_x", "box_y",
           "box_w", "box_h", "box_label", "seconds", "updated_at"]


def write_csv(items: Sequence[LabelledItem], path: str | PathLike) -> Path:
    """Write the rows of ``items`` (``file`` is the image's original name, if any)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for item in items:
            file = item.data.get("file", "") if item.image is not None else ""
            for answer in item.answers:
                base = [item.uid, file, item.split, answer.annotator, answer.version,
                        answer.value or ""]
                tail = [round(answer.seconds, 1), answer.updated_at]
                if not answer.boxes:
                    w.writerow(base + ["", "", "", "", ""] + tail)
                for b in answer.boxes:
                    w.writerow(base + [b.x, b.y, b.w, b.h, b.label] + tail)
    return path
