"""Saving a label: checked against the project, idempotent by request id, versioned.

A new label needs the annotator's lease; an edit must name the version it started from,
and a stale one is refused with the current label (HTTP 409), never overwritten. Each save
also records how the label used the model's suggestions (a LabelAssist row, counted here
from the submitted answer against the stored suggestions, never taken from the client).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from alwild.app.services.leases import LeaseError, holds_lease, human_labels
from alwild.app.services.suggestions import Assist, assist_counts, finite, suggestions_for
from alwild.app.store.orm import Item, Label, LabelAssist, Project, QueryRound, User, now
from alwild.errors import UserValueError

__all__ = ["Submission", "Conflict", "submit_label", "check_boxes", "label_summary",
           "disagreements", "frame_target", "current_round", "MAX_BOXES", "MIN_SIDE"]

MAX_BOXES = 500
#: the smallest box side a label may have, in image pixels (a smaller one is a slip)
MIN_SIDE = 1.0


@dataclass
class Submission:
    request_id: str
    value: str | None = None
    boxes: list[dict] = field(default_factory=list)
    image_width: int | None = None
    image_height: int | None = None
    seconds: float = 0.0
    base_version: int | None = None


class Conflict(Exception):
    """A stale edit: someone saved a newer version of this label first."""

    def __init__(self, message: str, current: Label) -> None:
        super().__init__(message)
        self.current = current


def check_boxes(boxes: list, labels: list[str], width: int, height: int) -> list[dict]:
    """Boxes ``{x, y, w, h, label}`` in image pixels, each inside the image and at least
    ``MIN_SIDE`` pixels on each side.

    >>> check_boxes([{"x": 1, "y": 2, "w": 3, "h": 4, "label": "a"}], ["a"], 10, 10)
    [{'x': 1.0, 'y': 2.0, 'w': 3.0, 'h': 4.0, 'label': 'a'}]
    """
    if not isinstance(boxes, list) or len(boxes) > MAX_BOXES:
        raise UserValueError(f"boxes must be a list of at most {MAX_BOXES} boxes")
    out = []
    for i, box in enumerate(boxes):
        if not isinstance(box, dict):
            raise UserValueError(f"box {i} must be an object with x, y, w, h, label")
        x, y = finite(box.get("x"), f"box {i} x"), finite(box.get("y"), f"box {i} y")
        w, h = finite(box.get("w"), f"box {i} w"), finite(box.get("h"), f"box {i} h")
        if w <= 0 or h <= 0:
            raise UserValueError(f"box {i} has width {w:g} and height {h:g}: both must be "
                                 "positive (x, y is its top-left corner)")
        if w < MIN_SIDE or h < MIN_SIDE:
            raise UserValueError(f"box {i} is {w:g} x {h:g} px: a box must be at least "
                                 f"{MIN_SIDE:g} px wide and high (draw it around the object)")
        if x < 0 or y < 0 or x + w > width + 0.5 or y + h > height + 0.5:
            raise UserValueError(f"box {i} ({x:g},{y:g},{w:g}x{h:g}) is outside the "
                             f"{width}x{height} image")
        if box.get("label") not in labels:
            raise UserValueError(f"box {i} has label {box.get('label')!r}, not one of {labels}")
        out.append({"x": x, "y": y, "w": w, "h": h, "label": box["label"]})
    return out


def _validate(project: Project, item: Item, sub: Submission) -> list[dict]:
    if not sub.request_id or len(sub.request_id) > 64:
        raise UserValueError("request_id must be 1-64 characters (a fresh one per submission)")
    if project.task == "classify":
        if sub.value not in project.labels:
            raise UserValueError(f"label {sub.value!r} is not one of this project's labels "
                             f"{project.labels}")
        if sub.boxes:
            raise UserValueError("this is a classify project: send a value, not boxes")
        return []
    if item.kind != "image":
        raise UserValueError("boxes need an image item")
    if sub.value is not None and sub.value != "" and sub.value not in project.labels:
        raise UserValueError(f"label {sub.value!r} is not one of {project.labels}")
    for got, want, what in ((sub.image_width, item.width, "width"),
                            (sub.image_height, item.height, "height")):
        if got is not None and got != want:
            raise UserValueError(f"image_{what} {got} does not match the image ({want} px): "
                             "boxes must be in the image's own pixels")
    return check_boxes(sub.boxes, project.labels, item.width, item.height)


_SEEN_OR_MINE = select(Label).where(  # one query for both, built once
    (Label.request_id == bindparam("p_request"))
    | ((Label.item_id == bindparam("p_item")) & (Label.user_id == bindparam("p_user"))))


def submit_label(db: Session, project: Project, item: Item, user: User,
                 sub: Submission) -> tuple[Label, bool]:
    """Save (or replay) a submission; returns (label, changed). Caller commits."""
    boxes = _validate(project, item, sub)
    seen = label = None  # the label of this request id; the user's label on this item
    for row in db.scalars(_SEEN_OR_MINE, {"p_request": sub.request_id, "p_item": item.id,
                                          "p_user": user.id}):
        if row.request_id == sub.request_id:
            seen = row
        if row.item_id == item.id and row.user_id == user.id:
            label = row
    if seen is not None:
        if seen.user_id != user.id or seen.item_id != item.id:
            raise UserValueError("request_id was already used for another label; "
                             "send a fresh one per submission")
        return seen, False
    seconds = max(0.0, min(finite(sub.seconds, "seconds"), 86400.0))
    if label is not None:
        if sub.base_version is None:
            raise Conflict(f"you have already labelled this item (version {label.version}, "
                           "saved from another page or tab): reload it to see that label, "
                           f"or send base_version {label.version} to replace it", label)
        if sub.base_version != label.version:
            raise Conflict(f"this label was changed since version {sub.base_version}; the "
                           f"current version is {label.version}: reload and edit that",
                           label)
        label.value, label.boxes, label.version = sub.value, boxes, label.version + 1
        label.request_id, label.updated_at = sub.request_id, now()
        label.seconds += seconds
        db.flush()
        _count_change(db, project)
        _record_edit_assist(db, project, item, label)
        return label, True
    if sub.base_version is not None:
        raise UserValueError("base_version was given but you have no label on this item yet")
    if not holds_lease(item, user):
        raise LeaseError("your lease on this item expired (or was never taken): "
                         "claim it again from the queue, then submit")
    label = _insert_label(db, item, user, sub, boxes, seconds)
    n_labels = db.execute(_TAKE_ITEM, {"p_item": item.id}).scalar_one()
    for key, value in (("n_labels", n_labels), ("lease_user_id", None), ("lease_expires", 0.0)):
        set_committed_value(item, key, value)
    _count_change(db, project)
    counts = _assist(db, item, label)
    db.execute(_INSERT_ASSIST, {"p_label": label.id, "p_project": project.id,
                                "p_now": label.updated_at, **counts._asdict()})
    return label, True


# a new label's writes, each one statement built once (cheaper than the ORM's flush):
# the label, the item's count with its lease released, the project's change count and
# how the label used the suggestions; counts are incremented by the database, so two
# concurrent transactions never lose one
_items, _projects = Item.__table__, Project.__table__
_INSERT_LABEL = insert(Label.__table__).returning(Label.__table__.c.id)
_TAKE_ITEM = (update(_items).where(_items.c.id == bindparam("p_item"))
              .values(n_labels=_items.c.n_labels + 1, lease_user_id=None, lease_expires=0.0)
              .returning(_items.c.n_labels))
_COUNT_CHANGE = (update(_projects).where(_projects.c.id == bindparam("p_project"))
                 .values(changes_since_train=_projects.c.changes_since_train + 1)
                 .returning(_projects.c.changes_since_train))


def _insert_label(db: Session, item: Item, user: User, sub: Submission, boxes: list[dict],
                  seconds: float) -> Label:
    """Insert the first label of ``user`` on ``item``; returns it as a persistent object of
    ``db`` (no flush, no reload)."""
    t = now()
    values = {"item_id": item.id, "user_id": user.id, "value": sub.value, "boxes": boxes,
              "image_width": item.width, "image_height": item.height, "seconds": seconds,
              "request_id": sub.request_id, "version": 1, "created_at": t, "updated_at": t}
    label = Label(id=db.execute(_INSERT_LABEL, values).scalar_one(), **values)
    make_transient_to_detached(label)
    db.add(label)
    return label


def _count_change(db: Session, project: Project) -> None:
    """One more label change since the last training, counted by the database."""
    count = db.execute(_COUNT_CHANGE, {"p_project": project.id}).scalar_one()
    set_committed_value(project, "changes_since_train", count)


_CURRENT_ROUND = (select(QueryRound).where(QueryRound.project_id == bindparam("p_project"))
                  .order_by(QueryRound.number.desc()).limit(1))
_rounds = QueryRound.__table__.c
# the current round's number, read by the write of a label's LabelAssist row itself
_ROUND_NUMBER = (select(func.max(_rounds.number))
                 .where(_rounds.project_id == bindparam("p_project")).scalar_subquery())


def current_round(db: Session, project: Project) -> QueryRound | None:
    """The project's newest query round (None before the first training)."""
    return db.scalar(_CURRENT_ROUND, {"p_project": project.id})


def _assist(db: Session, item: Item, label: Label) -> Assist:
    """How ``label`` used the suggestions shown with ``item`` (none on held-out checks)."""
    shown = [] if item.split == "holdout" else suggestions_for(db, item.id)
    return assist_counts(shown, label.value, label.boxes)


_INSERT_ASSIST = insert(LabelAssist.__table__).values(
    label_id=bindparam("p_label"), project_id=bindparam("p_project"),
    round_number=_ROUND_NUMBER, updated_at=bindparam("p_now"),
    **{key: bindparam(key) for key in Assist._fields})


def _record_edit_assist(db: Session, project: Project, item: Item, label: Label) -> None:
    """Count an edited label's use of the suggestions again (its row may be missing: a
    label saved before these rows were kept, or an imported one)."""
    row = db.get(LabelAssist, label.id) or LabelAssist(label_id=label.id, project_id=project.id)
    row.round_number = (select(func.max(QueryRound.number))  # the current round's, read
                        .where(QueryRound.project_id == project.id)  # by the write itself
                        .scalar_subquery())
    for key, count in _assist(db, item, label)._asdict().items():
        setattr(row, key, count)
    row.updated_at = now()
    db.add(row)
    db.flush()


def frame_target(project: Project, label: Label) -> str:
    """The class the model learns for a label: the value, or for boxes the set of classes.

    >>> from types import SimpleNamespace as NS
    >>> frame_target(NS(task="detect"), NS(boxes=[{"label": "b"}, {"label": "a"}], value=None))
    'a+b'
    """
    if project.task == "classify":
        return label.value
    classes = sorted({b["label"] for b in label.boxes})
    return "+".join(classes) if classes else "none"


def label_summary(db: Session, project: Project) -> dict:
    """Counts for the progress page; ``to_label``: the pool items still short of their
    labels (none left: no round can ask anything until items are added)."""
    total = db.scalar(select(func.count(Label.id)).join(Item).where(
        Item.project_id == project.id)) or 0
    items = db.scalar(select(func.count(Item.id)).where(Item.project_id == project.id)) or 0
    to_label = db.scalar(select(func.count(Item.id)).where(
        Item.project_id == project.id, Item.split == "pool",
        Item.n_labels < project.overlap)) or 0
    return {"labels": total, "n_items": items, "to_label": to_label,
            "budget_left": max(0, project.budget - human_labels(db, project))}


def disagreements(db: Session, project: Project) -> list[tuple[Item, list[Label]]]:
    """Items with more than one label whose answers differ (the review list)."""
    rows = db.scalars(select(Item).where(Item.project_id == project.id, Item.n_labels > 1)).all()
    out = []
    for item in rows:
        labels = db.scalars(select(Label).where(Label.item_id == item.id)).all()
        if len({frame_target(project, lab) for lab in labels}) > 1:
            out.append((item, list(labels)))
    return out
