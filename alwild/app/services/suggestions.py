"""The model's suggestions for items: precomputed after each retrain, shown on the item page
as editable proposals.

A :class:`Suggestion` is a class with the model's score and, for detection projects, a box
``(x, y, w, h)`` in the image's own pixels (top-left corner, width, height: the same frame as
the boxes people draw). :func:`replace_suggestions` swaps a project's suggestions for a new
model version's in one transaction step; :func:`suggestions_for` reads one item's in one query.
:func:`assist_counts` tells, for a submitted label, how many suggestions were accepted as
they were, moved (corrected: moved, resized or re-classed), deleted, and how many boxes
were added; :func:`assist_rate` sums those per query round for the progress page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from alwild.app.store.bulk import execute_many
from alwild.app.store.orm import Item, LabelAssist, Project, SuggestionRow
from alwild.errors import UserValueError

__all__ = ["Suggestion", "replace_suggestions", "suggestions_for", "clip_box", "Assist",
           "assist_counts", "assist_rate", "finite", "MATCH_IOU", "SAME_PX"]

MATCH_IOU = 0.3  # a submitted box overlapping a suggestion this much is that suggestion, kept
SAME_PX = 1.0  # ... and accepted as it was if no edge moved further than this (image px)


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


def finite(value, what: str) -> float:
    """``value`` as a float if it is a finite number; else a UserValueError naming ``what``.

    >>> finite(2, "score")
    2.0
    """
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
    x, y, w, h = (finite(v, f"{where}: box value") for v in box)
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
    items = {item.id: item for item in db.execute(  # the sizes only: this runs under the
        select(Item.id, Item.width, Item.height)   # write lock, keep it short
        .where(Item.project_id == project_id, Item.id.in_(ids)))} if ids else {}
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
            score = finite(score, f"{where}: score")
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
            rows.append({"project_id": project_id, "item_id": item_id,
                         "model_version": int(model_version), "rank": rank, "label": label,
                         "score": score, "x": x, "y": y, "w": w, "h": h})
    db.execute(delete(SuggestionRow).where(SuggestionRow.project_id == project_id))
    execute_many(db, insert(SuggestionRow.__table__), rows)  # one driver executemany
    return len(rows)


# built once, of the table's columns (no ORM work per call): every claim and submit runs it
_rows = SuggestionRow.__table__.c
_SUGGESTIONS_OF = (select(_rows.label, _rows.score, _rows.x, _rows.y, _rows.w, _rows.h)
                   .where(_rows.item_id == bindparam("p_item")).order_by(_rows.rank))


def suggestions_for(db: Session, item_id: int) -> list[Suggestion]:
    """Item ``item_id``'s suggestions, best first (one indexed query; [] when none).

    >>> suggestions_for(db, 7)  # doctest: +SKIP
    [Suggestion(label='broken', score=0.9, box=(4.0, 5.0, 60.0, 40.0))]
    """
    rows = db.execute(_SUGGESTIONS_OF, {"p_item": item_id}).all()
    return [Suggestion(label, score, None if x is None else (x, y, w, h))
            for label, score, x, y, w, h in rows]


class Assist(NamedTuple):
    """What a label did with the suggestions it was shown."""

    suggested: int = 0
    accepted: int = 0
    moved: int = 0
    deleted: int = 0
    added: int = 0


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def assist_counts(suggestions: Sequence[Suggestion], value: str | None,
                  boxes: Sequence[Mapping]) -> Assist:
    """Compare a submitted label (``value``, or ``boxes`` ``{x, y, w, h, label}``) with the
    ``suggestions`` shown. Boxes: each submitted box is matched to the suggestion it overlaps
    most (IoU >= MATCH_IOU, best pairs first, the same class first among equals); a match
    with the same class and every edge within SAME_PX is accepted, any other match moved;
    unmatched suggestions were deleted, unmatched boxes added. A class: the top suggestion
    accepted, or deleted and another class added.

    >>> s = [Suggestion("a", .9, (0, 0, 10, 10)), Suggestion("b", .8, (50, 50, 10, 10))]
    >>> assist_counts(s, None, [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "a"},
    ...                         {"x": 52, "y": 50, "w": 10, "h": 10, "label": "b"},
    ...                         {"x": 90, "y": 90, "w": 5, "h": 5, "label": "a"}])
    Assist(suggested=2, accepted=1, moved=1, deleted=0, added=1)
    >>> assist_counts([Suggestion("cat", .7)], "dog", [])
    Assist(suggested=1, accepted=0, moved=0, deleted=1, added=1)
    """
    if not any(s.box is not None for s in suggestions):
        if not suggestions:
            return Assist(added=len(boxes) if value in (None, "") else 1)
        same = suggestions[0].label == value
        return Assist(len(suggestions[:1]), int(same), 0, int(not same), int(not same))
    shown = [s for s in suggestions if s.box is not None]
    got = [(b["x"], b["y"], b["w"], b["h"]) for b in boxes]
    pairs = sorted(((_iou(s.box, g), s.label == boxes[j]["label"], -i, -j)
                    for i, s in enumerate(shown) for j, g in enumerate(got)), reverse=True)
    used_s, used_b, accepted, moved = set(), set(), 0, 0
    for iou, _, i, j in pairs:
        i, j = -i, -j
        if iou < MATCH_IOU:
            break
        if i in used_s or j in used_b:
            continue
        used_s.add(i)
        used_b.add(j)
        edges_kept = max(abs(p - q) for p, q in zip(shown[i].box, got[j], strict=True))
        if shown[i].label == boxes[j]["label"] and edges_kept <= SAME_PX:
            accepted += 1
        else:
            moved += 1
    return Assist(len(shown), accepted, moved, len(shown) - len(used_s), len(got) - len(used_b))


def assist_rate(db: Session, project: Project) -> list[dict]:
    """Per query round (oldest first): labels saved, how many of them were shown
    suggestions, the suggestions accepted / moved / deleted and the boxes or classes added,
    and ``accept_rate`` (accepted share of the suggestions shown; None when none were).

    >>> assist_rate(db, project)  # doctest: +SKIP
    [{'round': 1, 'labels': 12, 'assisted': 9, 'suggested': 20, 'accepted': 14, ...}]
    """
    rows = db.execute(
        select(LabelAssist.round_number, func.count(LabelAssist.label_id),
               func.count(LabelAssist.label_id).filter(LabelAssist.suggested > 0),
               func.sum(LabelAssist.suggested), func.sum(LabelAssist.accepted),
               func.sum(LabelAssist.moved), func.sum(LabelAssist.deleted),
               func.sum(LabelAssist.added))
        .where(LabelAssist.project_id == project.id)
        .group_by(LabelAssist.round_number).order_by(LabelAssist.round_number)).all()
    out = []
    for number, labels, assisted, suggested, accepted, moved, deleted, added in rows:
        out.append({"round": number, "labels": labels, "assisted": assisted,
                    "suggested": suggested, "accepted": accepted, "moved": moved,
                    "deleted": deleted, "added": added,
                    "accept_rate": accepted / suggested if suggested else None})
    return out
