"""Label Studio json, both ways: tasks with every annotator's answer as an annotation
(``choices`` for classify projects, ``rectanglelabels`` in percent for boxes), the answer
an annotation's ``result`` holds, and what a project's label config asks for.

Boxes are in image pixels on alwild's side and in percent of the image on Label Studio's.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from alwild.errors import UserValueError
from alwild.export.records import Box, LabelledItem

__all__ = ["labelstudio_tasks", "write_labelstudio", "LabelConfig", "parse_label_config",
           "result_regions", "result_answer", "OBJECT_TAGS"]

CONTROL_TAGS = {"Choices": "classify", "RectangleLabels": "detect"}
OBJECT_TAGS = ("Image", "Text", "HyperText", "Table")


@dataclass(frozen=True)
class LabelConfig:
    """What a Label Studio project labels: the ``task`` ("classify" or "detect"), its
    ``labels``, the control tag's ``from_name``, the object tag's ``to_name`` and the task
    data key it shows (``data_key``; ``None`` when it shows the whole task data),
    and whether that object is an image."""

    task: str
    labels: tuple[str, ...]
    from_name: str
    to_name: str
    data_key: str | None
    is_image: bool


def parse_label_config(xml: str) -> LabelConfig:
    """The first ``Choices`` or ``RectangleLabels`` of a label config and what it labels.

    >>> parse_label_config('<View><Image name="img" value="$image"/>'
    ...     '<Choices name="c" toName="img"><Choice value="a"/><Choice value="b"/></Choices>'
    ...     '</View>')
    LabelConfig(task='classify', labels=('a', 'b'), from_name='c', to_name='img', \
data_key='image', is_image=True)
    """
    try:
        root = ET.fromstring(xml or "")
    except ET.ParseError as err:
        raise UserValueError(f"the Label Studio label config is not valid XML ({err})") from None
    controls = [el for el in root.iter() if el.tag in CONTROL_TAGS]
    if not controls:
        raise UserValueError("the Label Studio label config has no <Choices> or "
                             "<RectangleLabels>: alwild predicts classes or boxes only")
    control = controls[0]
    to_name = (control.get("toName") or "").split(",")[0]
    objects = {el.get("name"): el for el in root.iter() if el.tag in OBJECT_TAGS}
    if to_name not in objects:
        raise UserValueError(f"<{control.tag} name={control.get('name')!r}> points at "
                             f"toName={to_name!r}, which is no object tag of the config")
    shown = objects[to_name]
    value = shown.get("value", "")
    labels = tuple(el.get("value") for el in control if el.tag in ("Choice", "Label")
                   and el.get("value"))
    task = CONTROL_TAGS[control.tag]
    if task == "detect" and shown.tag != "Image":
        raise UserValueError("<RectangleLabels> must point at an <Image>")
    if not labels:
        raise UserValueError(f"<{control.tag} name={control.get('name')!r}> lists no labels")
    return LabelConfig(task, labels, control.get("name", ""), to_name,
                       value[1:] if value.startswith("$") else None, shown.tag == "Image")


def _percent(box: Box, width: int, height: int) -> dict:
    return {"x": 100 * box.x / width, "y": 100 * box.y / height,
            "width": 100 * box.w / width, "height": 100 * box.h / height, "rotation": 0}


def result_regions(config: LabelConfig, value: str | None, boxes: Sequence[Box],
                   width: int | None = None, height: int | None = None,
                   score: float | None = None) -> list[dict]:
    """An annotation's (or prediction's) ``result``: a choice, or boxes in percent.

    >>> cfg = LabelConfig("detect", ("a",), "label", "image", "image", True)
    >>> result_regions(cfg, None, [Box("f", 10, 20, 30, 40, "a")], 100, 200)[0]["value"]
    {'x': 10.0, 'y': 10.0, 'width': 30.0, 'height': 20.0, 'rotation': 0, \
'rectanglelabels': ['a']}
    """
    extra = {} if score is None else {"score": score}
    names = {"from_name": config.from_name, "to_name": config.to_name}
    if config.task == "classify":
        return [] if value is None else [
            {**names, "type": "choices", "value": {"choices": [value]}, **extra}]
    return [{**names, "type": "rectanglelabels", "original_width": width,
             "original_height": height,
             "value": {**_percent(b, width, height), "rectanglelabels": [b.label]}, **extra}
            for b in boxes]


def result_answer(config: LabelConfig, result: Sequence[dict], file: str, width: int | None,
                  height: int | None) -> tuple[str | None, tuple[Box, ...]]:
    """The class and the boxes (in pixels of a ``width`` x ``height`` image) that an
    annotation's ``result`` gives through the config's control tag; other tags are left out.

    >>> cfg = LabelConfig("detect", ("a",), "label", "image", "image", True)
    >>> result_answer(cfg, result_regions(cfg, None, [Box("f", 10, 20, 30, 40, "a")],
    ...               100, 200), "f", 100, 200)
    (None, (Box(file='f', x=10.0, y=20.0, w=30.0, h=40.0, label='a'),))
    """
    value, boxes = None, []
    for region in result:
        if region.get("from_name") != config.from_name:
            continue
        got = region.get("value") or {}
        if config.task == "classify":
            choices = got.get("choices") or []
            value = choices[0] if choices else None
            continue
        for label in got.get("rectanglelabels") or []:
            try:
                x, y, w, h = (float(got[k]) for k in ("x", "y", "width", "height"))
            except (KeyError, TypeError, ValueError):
                raise UserValueError(f"a rectangle of {file} lacks x, y, width or height: "
                                     f"{got}") from None
            boxes.append(Box(file, x * width / 100, y * height / 100, w * width / 100,
                             h * height / 100, label))
    return value, tuple(boxes)


def _export_config(item: LabelledItem, task: str) -> LabelConfig:
    return LabelConfig(task, (), "label", "item" if task == "classify" else "image",
                       None, item.image is not None)


def labelstudio_tasks(items: Sequence[LabelledItem], task: str) -> list[dict]:
    """The tasks for a ``task`` ("classify" or "detect") project.

    >>> from alwild.export.records import Answer
    >>> labelstudio_tasks([LabelledItem(7, "u", "pool", {"age": 3}, (Answer("ann", "cat"),))],
    ...                   "classify")[0]["annotations"][0]["result"][0]["value"]
    {'choices': ['cat']}
    """
    def size(item):
        return (item.image.width, item.image.height) if item.image is not None else (None, None)

    return [{"id": item.id,
             "data": {"image": item.image.file} if item.image is not None else dict(item.data),
             "annotations": [{"completed_by": a.annotator,
                              "result": result_regions(_export_config(item, task), a.value,
                                                       a.boxes, *size(item)),
                              "lead_time": a.seconds} for a in item.answers]}
            for item in items]


def write_labelstudio(items: Sequence[LabelledItem], task: str, path: str | PathLike) -> Path:
    """Write :func:`labelstudio_tasks` as json to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(labelstudio_tasks(items, task), indent=1))
    return path
