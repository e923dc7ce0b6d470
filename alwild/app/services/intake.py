"""Streaming intake: each arriving item is scored by the current model and queued only if
the library's stream learner (its policy and label budget) asks for its label.

One :class:`~alwild.learners.StreamLearner` per project wraps the final classifier of the
latest registered model; the model's preprocessing turns the item into features first. The
policy and the :class:`~alwild.stream.BudgetManager` survive model updates; after a restart
the budget is rebuilt by replaying the stored stream decisions of the last day.
"""

from __future__ import annotations

import threading

import numpy as np
from sklearn.linear_model import LogisticRegression
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alwild.app.services.features import records_frame
from alwild.app.services.project_models import image_embeddings
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, ModelVersion, Project, now
from alwild.app.store.workspace import Workspace
from alwild.learners import StreamLearner
from alwild.stream import BudgetManager

__all__ = ["StreamIntake", "POLICY"]

POLICY = "variable_uncertainty"
WINDOW = 1000
DAY = 86400.0


class StreamIntake:
    """Decide, item by item, whether a streamed item goes into the labelling queue."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._state: dict[int, tuple[tuple, StreamLearner, object]] = {}

    def _budget(self, db: Session, project: Project) -> BudgetManager:
        budget = BudgetManager(share=project.stream_share, window=WINDOW,
                               max_per_hour=project.stream_max_per_hour,
                               max_per_day=project.stream_max_per_day)
        since = now() - DAY
        past = db.execute(select(Item.asked, Item.created_at).where(
            Item.project_id == project.id, Item.asked.is_not(None), Item.created_at >= since)
            .order_by(Item.created_at, Item.id)).all()
        for asked, at in past[-WINDOW:] if len(past) > WINDOW else past:
            budget.allow(bool(asked), now=at)
        return budget

    def _learner(self, db: Session, project: Project) -> tuple[StreamLearner, object]:
        mv = db.scalar(select(ModelVersion).where(ModelVersion.project_id == project.id)
                       .order_by(ModelVersion.version.desc()).limit(1))
        settings = (project.stream_share, project.stream_max_per_hour, project.stream_max_per_day)
        key = (mv.version if mv else None, settings)
        cached = self._state.get(project.id)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        if cached is not None and cached[0][1] == settings:
            policy, budget = cached[1].policy, cached[1].budget
        else:
            policy, budget = POLICY, self._budget(db, project)
        # no model yet, or a detector (it scores frames, not items one by one): unfitted,
        # so every item scores 1.0 and the budget alone decides
        clf, prep = LogisticRegression(), None
        if mv is not None and project.task == "classify":
            model = load_model(self.ws.models_root, mv.path, mv.digest, self.ws.secret_key)
            # an image model reads the backbone's embeddings as they are
            clf, prep = (model[-1], model[:-1]) if hasattr(model, "steps") else (model, "embed")
        learner = StreamLearner(clf, policy=policy, budget=budget, random_state=project.id)
        self._state[project.id] = (key, learner, prep)
        return learner, prep

    def _features(self, item: Item, prep) -> np.ndarray:
        if prep is None:
            return np.zeros((1, 1))
        if item.kind == "image":
            return image_embeddings(self.ws, [item.media_path])
        X = prep.transform(records_frame([item.data], prep.feature_names_in_))
        return X.toarray() if hasattr(X, "toarray") else np.asarray(X)

    def decide(self, db: Session, project: Project, item: Item) -> dict:
        """Score ``item`` and queue it at the front of the current round if asked for."""
        with self._lock:
            learner, prep = self._learner(db, project)
            prediction, query, score = learner.ask(self._features(item, prep)[0])
            budget = learner.budget
            state = {"spent": budget.spent, "seen": budget.seen,
                     "used_share": round(budget.used_share, 4)}
        item.asked, item.score = bool(query), float(score)
        item.guess = None if prediction is None else str(prediction)
        if query:
            first = db.scalar(select(func.min(Item.queue_rank)).where(
                Item.project_id == project.id, Item.queued.is_(True)))
            latest = db.scalar(select(func.max(Item.round_id)).where(
                Item.project_id == project.id))
            item.queued, item.queue_rank = True, (first or 0) - 1
            item.round_id = latest
        return {"uid": item.uid, "queued": bool(query), "score": float(score),
                "guess": item.guess, "duplicate": False, "budget": state}
