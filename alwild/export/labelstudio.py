"""Label Studio task json: one task per item with every annotator's answer as an
annotation (``choices`` for classify projects, ``rectanglelabels`` in percent for boxes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from alwild.export.records import Answer, LabelledItem

__all__ = ["labelstudio_tasks", "write_labelstudio"]


def _result(item: LabelledItem, answer: Answer, task: str) -> list[dict]:
    if task == "classify":
        return [{"from_name": "label", "to_name": "item", "type": "choices",
                 "value": {"choices": [answer.value]}}]
    image = item.image
    return [{"from_name": "label", "to_name": "image", "type": "rectanglelabels",
             "original_width": image.width, "original_height": image.height,
             "value": {"x": 100 * b.x / image.width, "y": 100 * b.y / image.height,
                       "width": 100 * b.w / image.width, "height": 100 * b.h / image.height,
                       "rotation": 0, "rectanglelabels": [b.label]}}
            for b in answer.boxes]


def labelstudio_tasks(items: Sequence[LabelledItem], task: str) -> list[dict]:
    """The tasks for a ``task`` ("classify" or "detect") project.

    >>> labelstudio_tasks([LabelledItem(7, "u", "pool", {"age": 3}, (Answer("ann", "cat"),))],
    ...                   "classify")[0]["annotations"][0]["result"][0]["value"]
    {'choices': ['cat']}
    """
    return [{"id": item.id,
             "data": {"image": item.image.file} if item.image is not None else dict(item.data),
             "annotations": [{"completed_by": a.annotator, "result": _result(item, a, task),
                              "lead_time": a.seconds} for a in item.answers]}
            for item in items]


def write_labelstudio(items: Sequence[LabelledItem], task: str, path: str | PathLike) -> Path:
    """Write :func:`labelstudio_tasks` as json to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(labelstudio_tasks(items, task), indent=1))
    return path
