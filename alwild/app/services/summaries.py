"""Read-side helpers shared by the API and the pages: finding an item the caller may see,
and turning store rows into plain dicts."""

from __future__ import annotations

import bisect
import math

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from alwild.app.services.jobs import train_status
from alwild.app.services.labels import current_round, disagreements, label_summary
from alwild.app.services.members import people
from alwild.app.services.projects import NotFound, by_role
from alwild.app.services.suggestions import assist_rate, suggestions_for
from alwild.app.services.tokens import visible_tokens
from alwild.app.services.training import learning_curve
from alwild.app.store.orm import (
    Item,
    Label,
    Membership,
    ModelVersion,
    Project,
    QueryRound,
    RoundItem,
    User,
    now,
)

__all__ = ["item_for", "visible_labels", "admin_overview", "label_dict", "item_dict",
           "project_dict", "queue_entries", "progress", "honest_figures", "preview_text",
           "score_meaning", "score_rank", "score_classes"]

# what each app strategy's score is, and its range for k classes (None: no fixed range)
SCORE_MEANINGS = {
    "entropy": ("entropy of the model's class probabilities (nats): 0 when it is sure",
                lambda k: (0.0, math.log(k))),
    "margin": ("1 minus the gap between the two likeliest classes: 1 when they tie",
               lambda k: (0.0, 1.0)),
    "least_confident": ("1 minus the top class's probability: 0 when it is sure",
                        lambda k: (0.0, 1.0 - 1.0 / k)),
    "random": ("a random draw: every item is as likely", lambda k: (0.0, 1.0)),
    "bald": ("how much the model's MC-dropout draws disagree (mutual information, nats): "
             "0 when they agree", lambda k: (0.0, math.log(k))),
    "least_confident_box": ("1 minus the confidence of the least sure suggested box: 1 when "
                            "the detector is sure of nothing in the frame",
                            lambda k: (0.0, 1.0)),
}


_ITEM_FOR = by_role(lambda visible: select(Item, Project)
                    .join(Project, Project.id == Item.project_id)
                    .where(Item.uid == bindparam("p_uid"), visible))


def item_for(db: Session, user: User, uid: str) -> tuple[Item, Project]:
    """The item with public id ``uid`` if ``user`` may see its project (else NotFound)."""
    found = db.execute(_ITEM_FOR[user.role == "admin"], {"p_uid": uid, "p_user": user.id}).first()
    if found is None:
        raise NotFound(f"no item {uid!r}")
    return found[0], found[1]


def label_dict(db: Session, label: Label, item: Item, known: User | None = None) -> dict:
    """A label as the API shows it; ``known``: a user already at hand (the caller), used
    for the annotator's name when the label is theirs."""
    user = known if known is not None and known.id == label.user_id else db.get(
        User, label.user_id)
    return {"item": item.uid, "value": label.value, "boxes": label.boxes,
            "version": label.version, "annotator": user.username if user else "?",
            "request_id": label.request_id, "updated_at": label.updated_at}


def visible_labels(db: Session, item: Item, user: User, is_admin: bool) -> list[dict]:
    """Every label of ``item`` for an admin; the user's own for an annotator."""
    query = select(Label).where(Label.item_id == item.id)
    if not is_admin:
        query = query.where(Label.user_id == user.id)
    return [label_dict(db, lab, item) for lab in db.scalars(query)]


def score_meaning(strategy: str, n_classes: int) -> dict:
    """What a strategy's informativeness score means and its range for ``n_classes``
    classes (``low``/``high`` None where the strategy has no fixed scale).

    >>> score_meaning("entropy", 3)["high"]
    1.0986
    """
    what, span = SCORE_MEANINGS.get(strategy, (
        f"the {strategy} strategy's own score: higher means more worth asking", None))
    low, high = span(max(2, n_classes)) if span else (None, None)
    return {"strategy": strategy, "what": what,
            "low": None if low is None else round(low, 4),
            "high": None if high is None else round(high, 4)}


def score_rank(round_scores: list[float], score: float | None) -> dict | None:
    """The place of ``score`` among its round's scores (sorted ascending): ``rank`` (1 = the
    most informative), ``of`` and ``percentile`` (1.0 for the top item, towards 0 for the
    last), the scale the queue's bars use.

    >>> score_rank([0.1, 0.5, 0.9, 1.012], 1.012)
    {'rank': 1, 'of': 4, 'percentile': 1.0}
    """
    if score is None or not round_scores:
        return None
    return _place(len(round_scores) - bisect.bisect_right(round_scores, score),
                  len(round_scores))


def _place(above: int, n: int) -> dict:
    return {"rank": above + 1, "of": n, "percentile": round(1.0 - above / n, 4)}


def _round_scores(db: Session, round_id: int | None) -> list[float]:
    if round_id is None:
        return []
    return sorted(db.scalars(select(RoundItem.score).where(RoundItem.round_id == round_id,
                                                           RoundItem.score.is_not(None))))


def score_classes(project: Project) -> int:
    """How many classes the project's model tells apart: its labels, or for detection
    (a frame's set of box classes) every subset of them.

    >>> from types import SimpleNamespace as NS
    >>> score_classes(NS(task="detect", labels=["a", "b", "c"]))
    8
    """
    return len(project.labels) if project.task == "classify" else 2 ** len(project.labels)


# an item's place in its round and the strategy of the project's current round, in one
# query built once of the tables' columns (every claim runs it); the counts read only
# ``ix_round_items_round_score``
_ranked, _rounds = RoundItem.__table__.c, QueryRound.__table__.c
_in_round = _ranked.round_id == bindparam("p_round")
_PLACE_AND_STRATEGY = select(
    select(func.count()).where(_in_round, _ranked.score.is_not(None)).scalar_subquery(),
    select(func.count()).where(_in_round, _ranked.score > bindparam("p_score"))
    .scalar_subquery(),
    select(_rounds.strategy).where(_rounds.project_id == bindparam("p_project"))
    .order_by(_rounds.number.desc()).limit(1).scalar_subquery())


def _score_info(db: Session, item: Item, project: Project) -> dict | None:
    """What the item's score means under the current round's strategy (the project's
    before the first round) and, counted by the database, its :func:`score_rank` in its
    own round."""
    if item.score is None:
        return None
    n, above, strategy = db.execute(_PLACE_AND_STRATEGY, {
        "p_score": item.score, "p_project": project.id, "p_round": item.round_id}).one()
    return {**score_meaning(strategy or project.strategy, score_classes(project)),
            "rank": _place(above, n) if n else None}


_MY_LABEL = select(Label).where(Label.item_id == bindparam("p_item"),
                               Label.user_id == bindparam("p_user"))


def item_dict(db: Session, item: Item, project: Project, user: User,
              unlabelled: bool = False) -> dict:
    """An item as the API and the item page show it: its data, the caller's label, the
    model's suggestions (none on held-out checks) and what its score means.
    ``unlabelled``: the caller is known to have no label on it (a claim hands out only
    such items), so it is not looked up."""
    mine = None if unlabelled else db.scalar(_MY_LABEL, {"p_item": item.id, "p_user": user.id})
    shown = [] if item.split == "holdout" else suggestions_for(db, item.id)
    return {"uid": item.uid, "project": project.slug, "kind": item.kind, "data": item.data,
            "media_url": f"/api/items/{item.uid}/media" if item.kind == "image" else None,
            "width": item.width, "height": item.height, "split": item.split,
            "score": item.score, "guess": item.guess, "guess_p": item.guess_p,
            "lease_expires": item.lease_expires if item.lease_user_id == user.id else None,
            "my_label": None if mine is None else label_dict(db, mine, item, user),
            "thumb_url": f"/api/items/{item.uid}/thumb" if item.kind == "image" else None,
            "suggestions": [{"label": g.label, "score": g.score,
                             "box": None if g.box is None else list(g.box)} for g in shown],
            "score_info": _score_info(db, item, project)}


def project_dict(db: Session, project: Project) -> dict:
    keys = ("slug", "name", "task", "labels", "strategy", "batch_size", "retrain_every",
            "budget", "overlap", "lease_seconds", "stream_share", "stream_max_per_hour",
            "stream_max_per_day")
    state, error = train_status(db, project.id)
    return {**{k: getattr(project, k) for k in keys}, "train_state": state,
            "train_error": error}


def preview_text(item: Item, width: int = 90) -> str:
    if item.kind == "image":
        return str(item.data.get("file", item.uid))
    text = ", ".join(f"{k}={v}" for k, v in item.data.items() if v is not None)
    return text if len(text) <= width else text[: width - 1] + "…"


def queue_entries(db: Session, project: Project, limit: int = 200) -> list[dict]:
    """The current round's open items, most informative first; ``place`` is each score's
    rank in its round (see :func:`score_rank`), ``thumb_url`` an image item's thumbnail."""
    t = now()
    items = db.scalars(select(Item).where(Item.project_id == project.id, Item.queued.is_(True),
                                          Item.n_labels < project.overlap)
                       .order_by(Item.queue_rank, Item.id).limit(limit)).all()
    rounds = {i.round_id: _round_scores(db, i.round_id) for i in items}
    return [{"uid": i.uid, "rank": i.queue_rank, "score": i.score, "guess": i.guess,
             "guess_p": i.guess_p, "split": i.split, "leased": i.lease_expires >= t,
             "preview": preview_text(i), "place": score_rank(rounds[i.round_id], i.score),
             "thumb_url": f"/api/items/{i.uid}/thumb" if i.kind == "image" else None}
            for i in items]


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
    state, error = train_status(db, project.id)
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
            "assist": assist_rate(db, project),
            "train_state": state, "train_error": error,
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
            "project_dicts": {p.slug: project_dict(db, p) for p in projects},
            "tokens": visible_tokens(db, user)}
