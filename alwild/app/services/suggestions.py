"""The model's suggestions for items: precomputed after each retrain, shown on the item page
as editable proposals.

A :class:`Suggestion` is a class with the model's score and, for detection projects, a box
``(x, y, w, h)`` in the image's own pixels (top-left corner, width, height: the same frame as
the boxes people draw). :func:`replace_suggestions` swaps a project's suggestions for a new
model version's in one transaction step; :func:`suggestions_for` reads one item's in one query.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alwild.app.store.orm import Item, Project, SuggestionRow
from alwild.errors import UserValueError

__all__ = ["Suggestion", "replace_suggestions", "suggestions_for", "clip_box"]


class Suggestion(NamedTuple):
    """One proposal: ``label`` (one of the project's classes), ``score`` (the model's
    confidence, a finite number) and ``box`` ``(x, y, w, h)`` in image pixels, or None for a
    whole-item class.

    >>> Suggestion("broken", 0.83, (10.0, 20.0, 30.0, 40.0)).box
    (10.0, 20.0, 30.0, 40.0)
    """

    label: str
    score: float
    box: tuple[float, float, float, float] | None = None


def _finite(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UserValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def clip_box(box: Sequence[float], width: int, height: int
             ) -> tuple[float, float, float, float] | None:
    """``box`` ``(x, y, w, h)`` cut to a ``width`` x ``height`` image; None when no part of
    it lies inside.

    >>> clip_box((-5, 10, 20, 200), 100, 50)
    (0.0, 10.0, 15.0, 40.0)
    >>> clip_box((120, 0, 5, 5), 100, 50) is None
    True
    """
    x, y, w, h = (float(v) for v in box)
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(width), x + w), min(float(height), y + h)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _checked_box(box, item: Item, where: str) -> tuple[float, float, float, float] | None:
    if not isinstance(box, Sequence) or len(box) != 4:
        raise UserValueError(f"{where}: box must be (x, y, w, h) in image pixels, got {box!r}")
    x, y, w, h = (_finite(v, f"{where}: box value") for v in box)
    if w <= 0 or h <= 0:
        raise UserValueError(f"{where}: box width {w:g} and height {h:g} must be positive")
    if item.width is None or item.height is None:
        raise UserValueError(f"{where}: item {item.id} has no image size, so it cannot "
                             "have a box")
    return clip_box((x, y, w, h), item.width, item.height)


def replace_suggestions(db: Session, project_id: int, model_version: int,
                        by_item: Mapping[int, Sequence[Suggestion]]) -> int:
    """Replace all of project ``project_id``'s suggestions by ``by_item`` (item id ->
    that item's suggestions, best first) from model version ``model_version``; returns the
    number of rows written. Items left out have no suggestions afterwards. Boxes are cut to
    the image (one wholly outside it is dropped). Detection projects need a box on every
    suggestion, classification projects none. The caller commits.

    >>> replace_suggestions(db, 1, 3, {7: [Suggestion("broken", 0.9, (4, 5, 60, 40))]})
    ... # doctest: +SKIP
    1
    """
    project = db.get(Project, project_id)
    if project is None:
        raise UserValueError(f"there is no project with id {project_id}")
    ids = list(by_item)
    items = {item.id: item for item in db.scalars(
        select(Item).where(Item.project_id == project_id, Item.id.in_(ids)))} if ids else {}
    missing = sorted(set(ids) - set(items))
    if missing:
        raise UserValueError(f"items {missing[:10]} are not in project {project.slug!r}: "
                             "suggest only for that project's items")
    rows = []
    for item_id, suggestions in by_item.items():
        for rank, sug in enumerate(suggestions):
            where = f"suggestion {rank} for item {item_id}"
            label, score, box = sug
            if label not in project.labels:
                raise UserValueError(f"{where} has label {label!r}, not one of "
                                     f"{project.labels}")
            score = _finite(score, f"{where}: score")
            if project.task == "detect" and box is None:
                raise UserValueError(f"{where} has no box: a detection project's suggestions "
                                     "are boxes (x, y, w, h)")
            if project.task != "detect" and box is not None:
                raise UserValueError(f"{where} has a box: a classification project's "
                                     "suggestions are classes only (box=None)")
            if box is not None:
                box = _checked_box(box, items[item_id], where)
                if box is None:
                    continue
            x, y, w, h = box if box is not None else (None,) * 4
            rows.append(SuggestionRow(project_id=project_id, item_id=item_id,
                                      model_version=int(model_version), rank=rank,
                                      label=label, score=score, x=x, y=y, w=w, h=h))
    db.execute(delete(SuggestionRow).where(SuggestionRow.project_id == project_id))
    db.add_all(rows)
    db.flush()
    return len(rows)


def suggestions_for(db: Session, item_id: int) -> list[Suggestion]:
    """Item ``item_id``'s suggestions, best first (one indexed query; [] when none).

    >>> suggestions_for(db, 7)  # doctest: +SKIP
    [Suggestion(label='broken', score=0.9, box=(4.0, 5.0, 60.0, 40.0))]
    """
    rows = db.execute(
        select(SuggestionRow.label, SuggestionRow.score, SuggestionRow.x, SuggestionRow.y,
               SuggestionRow.w, SuggestionRow.h)
        .where(SuggestionRow.item_id == item_id).order_by(SuggestionRow.rank)).all()
    return [Suggestion(label, score, None if x is None else (x, y, w, h))
            for label, score, x, y, w, h in rows]
