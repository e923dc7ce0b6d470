"""One retraining: snapshot the labels, fit through the library's ActiveLearner, evaluate
on the held-out labelled items, register the model version, re-score the pool and open
the next query round. Called by the background worker and by ``alwild train``."""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, update

from alwild.app.services.labels import frame_target
from alwild.app.services.project_models import (
    DETECTOR_STRATEGY,
    class_suggestions,
    frame_guess,
    holdout_metrics,
    make_model,
    model_inputs,
    train_detector,
)
from alwild.app.services.projects import project_kind
from alwild.app.services.suggestions import replace_suggestions
from alwild.app.store.model_files import load_model, save_model
from alwild.app.store.orm import (
    Item,
    Label,
    ModelMetric,
    ModelVersion,
    Project,
    QueryRound,
    RoundItem,
    now,
)
from alwild.app.store.workspace import Workspace
from alwild.errors import UserValueError
from alwild.learners import ActiveLearner

__all__ = ["train_project", "TrainResult", "learning_curve", "project_kind"]

HOLDOUT_TARGET = 60


@dataclass
class TrainResult:
    version: int | None
    accuracy: float | None
    n_labels: int
    round_number: int
    selected: int
    seconds: float


@dataclass
class _Snapshot:
    kind: str
    task: str
    strategy: str
    batch: int
    overlap: int
    changes: int
    ids: np.ndarray
    split: np.ndarray
    targets: list
    X: object
    boxes: list | None = None
    labels: list | None = None


def _majority(labels: list[str]) -> str:
    return Counter(labels).most_common(1)[0][0]


def _snapshot(ws: Workspace, project_id: int) -> _Snapshot:
    with ws.session() as db, db.begin():
        db.get(Project, project_id).train_state = "training"
    with ws.reader() as db, db.begin():
        project = db.get(Project, project_id)
        kind = project_kind(db, project)
        items = db.execute(select(Item.id, Item.split, Item.data, Item.media_path)
                           .where(Item.project_id == project_id).order_by(Item.id)).all()
        answers: dict[int, list[str]] = {}
        boxes: dict[int, list[dict]] = {}  # the latest label's boxes of each item
        for lab in db.execute(select(Label.item_id, Label.value, Label.boxes).join(Item)
                              .where(Item.project_id == project_id)
                              .order_by(Label.updated_at)):
            answers.setdefault(lab.item_id, []).append(frame_target(project, lab))
            boxes[lab.item_id] = lab.boxes or []
        snap = _Snapshot(kind, project.task, project.strategy, project.batch_size,
                         project.overlap, project.changes_since_train,
                         np.array([r.id for r in items], dtype=np.int64),
                         np.array([r.split for r in items]),
                         [_majority(answers[r.id]) if r.id in answers else None for r in items],
                         None, labels=list(project.labels))
        inputs = [r.data for r in items], [r.media_path for r in items]
    snap.X = model_inputs(ws, kind, snap.task, *inputs)
    snap.boxes = [boxes.get(r.id, []) for r in items]
    return snap


def _rows(X, mask: np.ndarray):
    return X.iloc[np.flatnonzero(mask)] if isinstance(X, pd.DataFrame) else X[mask]


def _warm_estimator(ws: Workspace, project_id: int, fresh, classes: np.ndarray):
    """The last model (to warm-start from) when it was trained on the same classes."""
    with ws.session() as db:
        last = db.scalar(select(ModelVersion).where(ModelVersion.project_id == project_id)
                         .order_by(ModelVersion.version.desc()).limit(1))
    if last is None:
        return fresh, False
    model = load_model(ws.models_root, last.path, last.digest, ws.secret_key)
    if type(model) is not type(fresh) or list(getattr(model, "classes_", [])) != list(classes):
        return fresh, False
    return model, True


def _fit(learner_factory, estimator, fallback):
    try:
        return learner_factory(estimator), True
    except ValueError:  # warm start shape no longer fits (new columns or categories)
        return learner_factory(fallback), False


def train_project(ws: Workspace, project_id: int) -> TrainResult:
    """Retrain ``project_id`` and open its next round; records a failure in the project."""
    try:
        return _train(ws, project_id)
    except Exception as err:
        with ws.session() as db, db.begin():
            project = db.get(Project, project_id)
            project.train_state = "failed"
            project.train_error = f"{type(err).__name__}: {err}"[:2000]
        raise


def _train(ws: Workspace, project_id: int) -> TrainResult:
    start = time.perf_counter()
    snap = _snapshot(ws, project_id)
    if snap.ids.size == 0:
        raise UserValueError("the project has no items yet: run `alwild ingest DIR DATA` first")
    has_label = np.array([t is not None for t in snap.targets], dtype=bool)
    y_all = np.array([t if t is not None else "" for t in snap.targets], dtype=object)
    train_mask = has_label & (snap.split == "pool")
    pool_mask = ~has_label & (snap.split == "pool")
    hold_mask = has_label & (snap.split == "holdout")
    if snap.task == "detect" and snap.kind == "image":
        return _train_detector(ws, project_id, snap, train_mask, hold_mask, pool_mask,
                               _holdout_checks(snap, has_label, hold_mask), start)
    y_train = y_all[train_mask].astype(str)
    classes = np.unique(y_train)
    fresh = make_model(snap.kind, snap.X, classes.size)
    estimator, warm = (fresh, False)
    if classes.size >= 2:
        estimator, warm = _warm_estimator(ws, project_id, fresh, classes)

    def factory(est):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ActiveLearner(est, snap.strategy, _rows(snap.X, train_mask), y_train,
                                 random_state=int(train_mask.sum()))

    learner, warm = _fit(factory, estimator, fresh) if warm else (factory(fresh), False)
    metrics = {}
    if learner.is_fitted and hold_mask.any():
        metrics = holdout_metrics(y_all[hold_mask].astype(str),
                                  learner.predict(_rows(snap.X, hold_mask)))
    accuracy = metrics.get("accuracy")
    pool_ids = snap.ids[pool_mask]
    picked: list[tuple[int, float | None, str | None, float | None]] = []
    suggested: dict = {}
    if pool_ids.size:
        X_pool = _rows(snap.X, pool_mask)
        n = min(snap.batch, pool_ids.size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idx, _ = learner.query(X_pool, n_instances=n)
        scores = learner.last_scores_
        guesses = probs = None
        if learner.is_fitted:
            pool_proba = learner.predict_proba(X_pool)
            suggested = class_suggestions(snap.task, learner.classes_, pool_proba, pool_ids)
            proba = pool_proba[idx]
            guesses = learner.classes_[proba.argmax(1)]
            probs = proba.max(1)
        for j, i in enumerate(idx):
            picked.append((int(pool_ids[i]), None if scores is None else float(scores[i]),
                           None if guesses is None else str(guesses[j]),
                           None if probs is None else float(probs[j])))
    checks = _holdout_checks(snap, has_label, hold_mask)
    return _register(ws, project_id, snap, learner, accuracy, int(train_mask.sum()),
                     int(hold_mask.sum()), picked, checks, warm, start, metrics, suggested)


@dataclass
class _Fitted:
    """A model trained outside the ActiveLearner, as :func:`_register` reads a learner."""

    estimator: object
    is_fitted: bool
    last_strategy_: str | None


def _train_detector(ws, project_id, snap, train_mask, hold_mask, pool_mask, checks,
                    start) -> TrainResult:
    """A detection project's retrain: the library's BoxDetector on the labelled boxes."""
    pool_ids = snap.ids[pool_mask]
    n_labels, n_holdout = int(train_mask.sum()), int(hold_mask.sum())
    if not n_labels:  # nothing to learn from yet: the first frames of the pool
        picked = [(int(i), None, None, None) for i in pool_ids[:snap.batch]]
        return _register(ws, project_id, snap, _Fitted(None, False, None), None, 0, n_holdout,
                         picked, checks, False, start, {}, {})
    with ws.session() as db:
        last = db.scalar(select(ModelVersion).where(ModelVersion.project_id == project_id)
                         .order_by(ModelVersion.version.desc()).limit(1))
    previous = None if last is None else load_model(ws.models_root, last.path, last.digest,
                                                    ws.secret_key)
    done = train_detector(ws, snap.labels, previous if isinstance(previous, bytes) else None,
                          snap.X, snap.boxes, snap.ids, train_mask, hold_mask, pool_mask,
                          snap.batch)
    picked = [(i, u, *frame_guess(done.suggested[i])) for i, u in done.picked]
    return _register(ws, project_id, snap, _Fitted(done.model, True, DETECTOR_STRATEGY), None,
                     n_labels, n_holdout, picked, checks, done.warm, start, done.metrics,
                     done.suggested)


def _take(X, idx):
    return X.iloc[idx] if isinstance(X, pd.DataFrame) else X[idx]


def _holdout_checks(snap: _Snapshot, has_label, hold_mask) -> list[int]:
    """A few unlabelled held-out items per round until the evaluation set is big enough."""
    if hold_mask.sum() >= HOLDOUT_TARGET:
        return []
    open_ids = snap.ids[~has_label & (snap.split == "holdout")]
    return [int(i) for i in open_ids[: max(1, snap.batch // 10)]]


def _save(ws, project_id, learner) -> tuple[int, str, str] | None:
    """Write the model file before the database transaction (keeps the write lock short)."""
    if not learner.is_fitted:
        return None
    with ws.session() as db:
        slug = db.get(Project, project_id).slug
        version = (db.scalar(select(func.max(ModelVersion.version))
                             .where(ModelVersion.project_id == project_id)) or 0) + 1
    rel, digest = save_model(learner.estimator, ws.models_root, f"{slug}-v{version}.joblib",
                             ws.secret_key)
    return version, rel, digest


def _register(ws, project_id, snap, learner, accuracy, n_labels, n_holdout, picked, checks,
              warm, start, metrics, suggested) -> TrainResult:
    saved = _save(ws, project_id, learner)
    with ws.session() as db, db.begin():
        project = db.get(Project, project_id)
        version = None
        mv_id = None
        if saved is not None:
            version, rel, digest = saved
            mv = ModelVersion(project_id=project_id, version=version, strategy=snap.strategy,
                              n_labels=n_labels, accuracy=accuracy, n_holdout=n_holdout,
                              train_seconds=time.perf_counter() - start, path=rel,
                              digest=digest, warm_started=warm)
            db.add(mv)
            db.flush()
            mv_id = mv.id
            db.add_all(ModelMetric(model_version_id=mv_id, name=k, value=v)
                       for k, v in metrics.items() if k != "accuracy")
            replace_suggestions(db, project_id, version, suggested)
        number = (db.scalar(select(func.max(QueryRound.number))
                            .where(QueryRound.project_id == project_id)) or 0) + 1
        rnd = QueryRound(project_id=project_id, number=number, model_version_id=mv_id,
                         strategy=learner.last_strategy_ or snap.strategy,
                         labels_at_start=n_labels)
        db.add(rnd)
        db.flush()
        t = now()
        db.execute(update(Item).where(Item.project_id == project_id, Item.queued.is_(True),
                                      Item.lease_expires < t)
                   .values(queued=False).execution_options(synchronize_session=False))
        wanted = [p[0] for p in picked] + checks
        done = set(db.scalars(select(Item.id).where(Item.id.in_(wanted),
                                                    Item.n_labels >= snap.overlap)))
        rows = [{"id": i, "score": s, "guess": g, "guess_p": p}
                for i, s, g, p in picked if i not in done]
        rows += [{"id": i, "score": None, "guess": None, "guess_p": None}
                 for i in checks if i not in done]
        for rank, row in enumerate(rows):
            row.update(queued=True, queue_rank=rank, round_id=rnd.id)
        if rows:
            db.execute(update(Item), rows)
            n_scored = len(rows) - len([i for i in checks if i not in done])
            db.execute(insert(RoundItem), [{"round_id": rnd.id, "item_id": r["id"],
                                            "rank": r["queue_rank"], "score": r["score"]}
                                           for r in rows[:n_scored]])
        project.changes_since_train = max(0, project.changes_since_train - snap.changes)
        project.train_state, project.train_error = "idle", None
    return TrainResult(version, accuracy, n_labels, number, len(picked),
                       time.perf_counter() - start)


def learning_curve(db, project: Project) -> list[dict]:
    """One dict per model version, oldest first: labels, held-out figures, fit time.

    ``metrics`` holds the version's other held-out figures by name (balanced accuracy and
    the majority-class baseline's, AP per class for a detector)."""
    rows = db.scalars(select(ModelVersion).where(ModelVersion.project_id == project.id)
                      .order_by(ModelVersion.version)).all()
    figures: dict[int, dict[str, float]] = {}
    for metric in db.scalars(select(ModelMetric).where(
            ModelMetric.model_version_id.in_([m.id for m in rows]))):
        figures.setdefault(metric.model_version_id, {})[metric.name] = metric.value
    return [{"version": m.version, "labels": m.n_labels, "accuracy": m.accuracy,
             "metrics": figures.get(m.id, {}), "n_holdout": m.n_holdout,
             "seconds": m.train_seconds, "warm": m.warm_started, "created_at": m.created_at}
            for m in rows]
