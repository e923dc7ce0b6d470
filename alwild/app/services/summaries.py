"""Read-side helpers shared by the API and the pages: finding an item the caller may see,
and turning store rows into plain dicts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alwild.app.services.labels import disagreements, label_summary
from alwild.app.services.members import people
from alwild.app.services.projects import NotFound, can_see
from alwild.app.services.tokens import visible_tokens
from alwild.app.services.training import learning_curve
from alwild.app.store.orm import (
    Item,
    Label,
    Membership,
    ModelVersion,
    Project,
    QueryRound,
    User,
    now,
)

__all__ = ["item_for", "visible_labels", "admin_overview", "label_dict", "item_dict",
           "project_dict", "queue_entries", "progress", "honest_figures", "preview_text"]


def item_for(db: Session, user: User, uid: str) -> tuple[Item, Project]:
    """The item with public id ``uid`` if ``user`` may see its project (else NotFound)."""
    item = db.scalar(select(Item).where(Item.uid == uid))
    if item is None:
        raise NotFound(f"no item {uid!r}")
    project = db.get(Project, item.project_id)
    if not can_see(db, user, project):
        raise NotFound(f"no item {uid!r}")
    return item, project


def label_dict(db: Session, label: Label, item: Item) -> dict:
    user = db.get(User, label.user_id)
    return {"item": item.uid, "value": label.value, "boxes": label.boxes,
            "version": label.version, "annotator": user.username if user else "?",
            "request_id": label.request_id, "updated_at": label.updated_at}


def visible_labels(db: Session, item: Item, user: User, is_admin: bool) -> list[dict]:
    """Every label of ``item`` for an admin; the user's own for an annotator."""
    query = select(Label).where(Label.item_id == item.id)
    if not is_admin:
        query = query.where(Label.user_id == user.id)
    return [label_dict(db, lab, item) for lab in db.scalars(query)]


def item_dict(db: Session, item: Item, project: Project, user: User) -> dict:
    mine = db.scalar(select(Label).where(Label.item_id == item.id, Label.user_id == user.id))
    return {"uid": item.uid, "project": project.slug, "kind": item.kind, "data": item.data,
            "media_url": f"/api/items/{item.uid}/media" if item.kind == "image" else None,
            "width": item.width, "height": item.height, "split": item.split,
            "score": item.score, "guess": item.guess, "guess_p": item.guess_p,
            "lease_expires": item.lease_expires if item.lease_user_id == user.id else None,
            "my_label": None if mine is None else label_dict(db, mine, item)}


def project_dict(project: Project) -> dict:
    keys = ("slug", "name", "task", "labels", "strategy", "batch_size", "retrain_every",
            "budget", "overlap", "lease_seconds", "train_state", "train_error", "stream_share",
            "stream_max_per_hour", "stream_max_per_day")
    return {k: getattr(project, k) for k in keys}


def preview_text(item: Item, width: int = 90) -> str:
    if item.kind == "image":
        return str(item.data.get("file", item.uid))
    text = ", ".join(f"{k}={v}" for k, v in item.data.items() if v is not None)
    return text if len(text) <= width else text[: width - 1] + "…"


def queue_entries(db: Session, project: Project, limit: int = 200) -> list[dict]:
    t = now()
    items = db.scalars(select(Item).where(Item.project_id == project.id, Item.queued.is_(True),
                                          Item.n_labels < project.overlap)
                       .order_by(Item.queue_rank, Item.id).limit(limit)).all()
    return [{"uid": i.uid, "rank": i.queue_rank, "score": i.score, "guess": i.guess,
             "guess_p": i.guess_p, "split": i.split, "leased": i.lease_expires >= t,
             "preview": preview_text(i)} for i in items]


def current_round(db: Session, project: Project) -> QueryRound | None:
    return db.scalar(select(QueryRound).where(QueryRound.project_id == project.id)
                     .order_by(QueryRound.number.desc()).limit(1))


AP_PREFIX = "ap50:"


def honest_figures(models: list[dict]) -> dict | None:
    """The latest model's figures that a do-nothing model cannot fake: balanced accuracy
    beside the majority-class baseline's, and AP@0.5 per class for a detector.

    >>> q = honest_figures([{"version": 2, "metrics": {"balanced_accuracy": 0.7,
    ...     "majority_balanced_accuracy": 0.5, "majority_accuracy": 0.875, "ap50:broken": 0.4}}])
    >>> q["balanced_accuracy"], q["majority_balanced_accuracy"], q["ap50"]
    (0.7, 0.5, {'broken': 0.4})
    """
    if not models or not models[-1]["metrics"]:
        return None
    figures = models[-1]["metrics"]
    keys = ("balanced_accuracy", "majority_balanced_accuracy", "majority_accuracy")
    return {"version": models[-1]["version"], **{k: figures.get(k) for k in keys},
            "ap50": {k[len(AP_PREFIX):]: v for k, v in sorted(figures.items())
                     if k.startswith(AP_PREFIX)}}


def progress(db: Session, project: Project) -> dict:
    summary = label_summary(db, project)
    rnd = current_round(db, project)
    this_round = 0
    round_out = None
    if rnd is not None:
        this_round = db.scalar(select(func.count(Label.id)).join(Item).where(
            Item.project_id == project.id, Label.created_at >= rnd.created_at)) or 0
        mv = db.get(ModelVersion, rnd.model_version_id) if rnd.model_version_id else None
        round_out = {"number": rnd.number, "strategy": rnd.strategy,
                     "model_version": mv.version if mv else None,
                     "labels_at_start": rnd.labels_at_start, "created_at": rnd.created_at}
    models = learning_curve(db, project)
    return {**summary, "labels_this_round": this_round, "round": round_out,
            "models": models, "quality": honest_figures(models),
            "train_state": project.train_state,
            "train_error": project.train_error,
            "retrain_in": max(0, project.retrain_every - project.changes_since_train)}


def admin_overview(db: Session, user: User) -> dict:
    """What the Admin page shows: projects, people, memberships, label counts per person,
    the disagreements to review per project, and the API tokens ``user`` may see."""
    projects = db.scalars(select(Project).order_by(Project.id)).all()
    counts = dict(db.execute(select(Label.user_id, func.count(Label.id))
                             .group_by(Label.user_id)).all())
    return {"projects": projects, "users": people(db),
            "members": {(m.project_id, m.user_id) for m in db.scalars(select(Membership))},
            "counts": counts,
            "review": {p.slug: list(disagreements(db, p)) for p in projects},
            "project_dicts": {p.slug: project_dict(p) for p in projects},
            "tokens": visible_tokens(db, user)}
