"""The plain records every writer takes: a box in image pixels, the image it is on, and an
item with its annotators' answers.

A box keeps the numbers it was given (``x``, ``y``, ``w``, ``h`` as stored, int or float)
so a writer prints them exactly as before; :meth:`Box.from_corners` builds one from
``x_min, y_min, x_max, y_max``.

>>> Box.from_corners("a.jpg", 10.0, 20.0, 30.0, 60.0, "defect")
Box(file='a.jpg', x=10.0, y=20.0, w=20.0, h=40.0, label='defect')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from alwild.errors import UserValueError

__all__ = ["Box", "Image", "Answer", "LabelledItem", "class_ids"]


@dataclass(frozen=True)
class Box:
    """One box: top-left corner ``x, y`` and size ``w, h`` in pixels of image ``file``."""

    file: str
    x: float
    y: float
    w: float
    h: float
    label: str

    @classmethod
    def from_corners(cls, file: str, x_min: float, y_min: float, x_max: float, y_max: float,
                     label: str) -> Box:
        """The box spanning ``(x_min, y_min)`` to ``(x_max, y_max)``."""
        return cls(file, x_min, y_min, x_max - x_min, y_max - y_min, label)


@dataclass(frozen=True)
class Image:
    """An image as exported: its path or name (boxes name it the same way) and pixel size."""

    file: str
    width: int
    height: int


@dataclass(frozen=True)
class Answer:
    """One annotator's label of an item: a class ``value`` and/or boxes."""

    annotator: str
    value: str | None
    boxes: tuple[Box, ...] = ()
    version: int = 1
    seconds: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class LabelledItem:
    """A labelled item: a table row (``data``) or an image (``image``), with its answers
    (oldest first; the last one is the item's current label)."""

    id: int
    uid: str
    split: str
    data: Mapping = field(default_factory=dict)
    answers: tuple[Answer, ...] = ()
    image: Image | None = None


def class_ids(boxes: Sequence[Box], classes: Sequence[str]) -> dict[str, int]:
    """``{class: index}``; ValueError if a box has a class that is not listed.

    >>> class_ids([Box("a.jpg", 0, 0, 1, 1, "b")], ["a", "b"])
    {'a': 0, 'b': 1}
    """
    lookup = {c: i for i, c in enumerate(classes)}
    unknown = sorted({b.label for b in boxes} - set(lookup))
    if unknown:
        raise UserValueError(f"boxes have classes {unknown} not in the class list {list(classes)}")
    return lookup
