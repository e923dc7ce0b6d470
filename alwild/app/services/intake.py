"""Streaming intake in two steps: the web process stores an arriving item and answers at
once; the training worker decides, in batches and with the current model, whether the
item's label is asked for (it is queued at the front of the current round) or not.

An item's state is its ``asked`` column: None while it waits (*pending*), then True
(*queued*) or False (*passed*). A decision is one :class:`~alwild.app.store.orm.
StreamDecision` row per item (its unique ``item_id`` forbids a second), written with the
item's new state in one transaction. That transaction holds the project's decision lock
(SQLite: the write lock of ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory
lock per project, not the project row, which label submits and model registration update
last) and rebuilds the :class:`~alwild.stream.BudgetManager` and the policy from the stored
decisions before it decides, so two workers, or a restarted one, never exceed the budget
and decide each item once. Scoring (features, embeddings) runs before it, outside any
lock; a worker killed before the commit leaves its items pending for the next batch.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.linear_model import LogisticRegression
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alwild.app.services.features import records_frame
from alwild.app.services.project_models import image_embeddings
from alwild.app.services.projects import NotFound
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, ModelVersion, Project, StreamDecision, now
from alwild.app.store.workspace import Workspace
from alwild.learners import StreamLearner
from alwild.stream import BudgetManager, get_policy

__all__ = ["StreamDecider", "POLICY", "BATCH", "accepted", "intake_state", "pending_count",
           "replayed"]

log = logging.getLogger("alwild.app.intake")
POLICY = "variable_uncertainty"
WINDOW = 1000
DAY = 86400.0
BATCH = 256
STREAM_LOCK_KEY = 0x616C73  # "als": the advisory lock space of stream decisions


def accepted(item: Item | None) -> dict:
    """The web process's answer to a streamed item it has stored: pending (or a duplicate
    of an item the project has, which is not stored again)."""
    if item is None:
        return {"uid": "", "status": "duplicate", "queued": False, "score": None,
                "guess": None, "duplicate": True, "budget": None}
    return {"uid": item.uid, "status": "pending", "queued": False, "score": None,
            "guess": None, "duplicate": False, "budget": None}


def intake_state(db: Session, item: Item) -> dict:
    """What became of a streamed ``item``: ``pending``, ``queued`` or ``passed``, with the
    score and the budget after its decision once the worker has made it (an item decided
    before decisions were stored on their own tells no budget)."""
    if item.source != "stream":
        raise NotFound(f"item {item.uid!r} did not come through streaming intake: it has "
                       "no stream decision")
    decision = db.scalar(select(StreamDecision).where(StreamDecision.item_id == item.id))
    if decision is None and item.asked is not None:
        return {**accepted(item), "status": "queued" if item.asked else "passed",
                "queued": item.asked, "score": item.score, "guess": item.guess}
    if decision is None:
        return accepted(item)
    return {"uid": item.uid, "status": "queued" if decision.asked else "passed",
            "queued": decision.asked, "score": decision.score, "guess": item.guess,
            "duplicate": False,
            "budget": {"spent": decision.spent, "seen": decision.seen,
                       "used_share": round(decision.spent / decision.seen, 4)}}


def _pending(project_id: int | None = None):
    where = [Item.source == "stream", Item.asked.is_(None)]
    return where if project_id is None else [Item.project_id == project_id, *where]


def pending_count(db: Session, project_id: int) -> int:
    """How many streamed items of ``project_id`` wait for a decision."""
    return db.scalar(select(func.count(Item.id)).where(*_pending(project_id))) or 0


def replayed(db: Session, project: Project) -> tuple[BudgetManager, object, float]:
    """The project's budget and policy as its stored decisions of the last day left them,
    and the time of the latest decision (decisions never go back in time).

    The last ``WINDOW`` decisions are replayed in order (the share and the policy's
    threshold); labels granted before them in the day count towards the hourly and daily
    caps.
    """
    budget = BudgetManager(share=project.stream_share, window=WINDOW,
                           max_per_hour=project.stream_max_per_hour,
                           max_per_day=project.stream_max_per_day)
    policy = get_policy(POLICY)
    since = now() - DAY
    mine = (StreamDecision.project_id == project.id, StreamDecision.decided_at >= since)
    recent = db.execute(select(StreamDecision.id, StreamDecision.asked,
                               StreamDecision.decided_at).where(*mine)
                        .order_by(StreamDecision.id.desc()).limit(WINDOW)).all()[::-1]
    if len(recent) == WINDOW:
        for at in db.scalars(select(StreamDecision.decided_at).where(
                *mine, StreamDecision.asked.is_(True), StreamDecision.id < recent[0].id)
                .order_by(StreamDecision.id)):
            budget.record(True, now=at)
    for _, asked, at in recent:
        room = budget.available(now=at)
        budget.record(asked, now=at)
        if room:
            policy.update(bool(asked))
    return budget, policy, recent[-1].decided_at if recent else -np.inf


class _Scorer:
    """The classifier and preprocessing of one model version (None: no model yet, or a
    detector, which scores frames, not items one by one: every item then scores 1.0 and
    the budget alone decides)."""

    def __init__(self, ws: Workspace, project: Project, mv: ModelVersion | None) -> None:
        self.version = None if mv is None else mv.version
        self.clf, self.prep = LogisticRegression(), None
        if mv is not None and project.task == "classify":
            model = load_model(ws.models_root, mv.path, mv.digest, ws.secret_key)
            # an image model reads the backbone's embeddings as they are
            self.clf, self.prep = ((model[-1], model[:-1]) if hasattr(model, "steps")
                                   else (model, "embed"))

    def features(self, ws: Workspace, items: list[Item]) -> np.ndarray:
        if self.prep is None:
            return np.zeros((len(items), 1))
        if self.prep == "embed":
            return image_embeddings(ws, [i.media_path for i in items])
        X = self.prep.transform(records_frame([i.data for i in items],
                                              self.prep.feature_names_in_))
        return X.toarray() if hasattr(X, "toarray") else np.asarray(X)


class StreamDecider:
    """The worker's side of streaming intake: decides pending items, a batch of at most
    ``batch`` per project at a time, oldest first.

    >>> StreamDecider(ws).drain()  # decide every pending item now  # doctest: +SKIP
    12
    """

    def __init__(self, ws: Workspace, batch: int = BATCH) -> None:
        self.ws, self.batch = ws, batch
        self._scorers: dict[int, _Scorer] = {}
        self.decided = 0

    def waiting_projects(self) -> list[int]:
        """The projects with streamed items waiting for a decision."""
        with self.ws.reader() as db:
            return list(db.scalars(select(Item.project_id).where(*_pending()).distinct()))

    def decide_batch(self, project_id: int) -> int:
        """Decide the oldest pending items of ``project_id``; how many this call decided."""
        with self.ws.reader() as db:
            project = db.get(Project, project_id)
            items = db.scalars(select(Item).where(*_pending(project_id))
                               .order_by(Item.id).limit(self.batch)).all()
            if project is None or not items:
                return 0
            mv = db.scalar(select(ModelVersion).where(ModelVersion.project_id == project_id)
                           .order_by(ModelVersion.version.desc()).limit(1))
        n = self._decide_items(project, items, self._scorer(project, mv))
        self.decided += n
        return n

    def _decide_items(self, project: Project, items: list[Item], scorer: _Scorer) -> int:
        """Score ``items`` and decide them; a batch the model cannot read is decided item
        by item, and an item it cannot read by the budget alone (its score is 1.0)."""
        try:
            X = scorer.features(self.ws, items)
        except Exception:
            if len(items) > 1:
                return sum(self._decide_items(project, [i], scorer) for i in items)
            log.exception("project %s: item %s cannot be scored by model v%s; the budget "
                          "alone decides it", project.id, items[0].uid, scorer.version)
            scorer = _Scorer(self.ws, project, None)
            X = scorer.features(self.ws, items)
        return self._decide(project.id, [i.id for i in items], X, scorer)

    def _scorer(self, project: Project, mv: ModelVersion | None) -> _Scorer:
        cached = self._scorers.get(project.id)
        if cached is None or cached.version != (None if mv is None else mv.version):
            cached = self._scorers[project.id] = _Scorer(self.ws, project, mv)
        return cached

    def _decide(self, project_id: int, ids: list[int], X: np.ndarray, scorer: _Scorer) -> int:
        """In one transaction under the project's lock: those of ``ids`` still pending
        are decided against the budget rebuilt from the stored decisions."""
        with self.ws.session() as db, db.begin():
            if self.ws.is_postgres:
                db.execute(select(func.pg_advisory_xact_lock(STREAM_LOCK_KEY, project_id)))
            project = db.get(Project, project_id)
            still = db.scalars(select(Item).where(Item.id.in_(ids), Item.asked.is_(None))
                               .order_by(Item.id)).all()
            if not still:
                return 0
            budget, policy, last = replayed(db, project)
            spent, seen = budget.spent, budget.seen
            at = max(now(), last)
            row_of = {item_id: row for row, item_id in enumerate(ids)}
            rows = [row_of[i.id] for i in still]
            learner = StreamLearner(scorer.clf, policy=policy, budget=budget,
                                    random_state=[project.id, still[0].id])
            preds, queries, scores = learner.ask_many(X[rows], now=at)
            front = db.scalar(select(func.min(Item.queue_rank)).where(
                Item.project_id == project_id, Item.queued.is_(True))) or 0
            latest = db.scalar(select(func.max(Item.round_id)).where(
                Item.project_id == project_id))
            for item, pred, query, score in zip(still, preds, queries, scores, strict=True):
                seen += 1
                spent += int(query)
                item.asked, item.score = bool(query), float(score)
                item.guess = None if pred is None else str(pred)
                if query:  # the newest asked item goes to the very front
                    front -= 1
                    item.queued, item.queue_rank, item.round_id = True, front, latest
                db.add(StreamDecision(item_id=item.id, project_id=project_id,
                                      asked=bool(query), score=float(score),
                                      model_version=scorer.version, spent=spent, seen=seen,
                                      decided_at=at))
        log.info("project %s: %s streamed item(s) decided, %s queued (model v%s)",
                 project_id, len(still), int(np.sum(queries)), scorer.version)
        return len(still)

    def run_once(self) -> int:
        """One batch for each project with pending items; how many items were decided."""
        return sum(self.decide_batch(p) for p in self.waiting_projects())

    def drain(self) -> int:
        """Decide until nothing is pending (also items another worker took and left);
        how many items this decider decided."""
        total = 0
        while self.waiting_projects():
            total += self.run_once()
        return total
