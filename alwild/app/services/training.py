"""One retraining: snapshot the labels, fit through the library's ActiveLearner, evaluate
on the held-out labelled items, register the model version, re-score the pool and open
the next query round. Run by the training worker (:mod:`alwild.app.worker`) for a job.

Registration is one transaction: it takes the project's registrar lock, allocates the
next version (unique per project in the database), moves the model file from its
temporary name to its final one, opens the round and, for a job, marks the job done; if
any of that fails, nothing is registered and the file is removed."""

from __future__ import annotations

import os
import secrets
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

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
from alwild.app.store.bulk import execute_many
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

__all__ = ["train_project", "TrainResult", "learning_curve", "project_kind", "TEMP_PREFIX"]

HOLDOUT_TARGET = 60
TEMP_PREFIX = ".training-"
ADVISORY_KEY = 0x616C77  # "alw": the advisory lock space of model registration


@dataclass
class TrainResult:
    version: int | None
    accuracy: float | None
    n_labels: int
    round_number: int
    selected: int
    seconds: float

    @property
    def model(self) -> str:
        """The model this training made, in words.

        >>> TrainResult(None, None, 0, 1, 20, 0.1).model
        'no model yet (needs labels of two classes)'
        """
        return ("no model yet (needs labels of two classes)" if self.version is None
                else f"model v{self.version}")


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


Finish = Callable[[Session, dict], None]


def train_project(ws: Workspace, project_id: int, finish: Finish | None = None
                  ) -> TrainResult:
    """Retrain ``project_id`` and open its next round. ``finish(db, result)`` runs inside
    the registering transaction (a job marks itself done there; raising rolls back).

    >>> train_project(ws, project.id).version  # doctest: +SKIP
    1
    """
    return _train(ws, project_id, finish)


def _train(ws: Workspace, project_id: int, finish: Finish | None = None) -> TrainResult:
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
                               _holdout_checks(snap, has_label, hold_mask), start, finish)
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
                     int(hold_mask.sum()), picked, checks, warm, start, metrics, suggested,
                     finish)


@dataclass
class _Fitted:
    """A model trained outside the ActiveLearner, as :func:`_register` reads a learner."""

    estimator: object
    is_fitted: bool
    last_strategy_: str | None


def _train_detector(ws, project_id, snap, train_mask, hold_mask, pool_mask, checks,
                    start, finish) -> TrainResult:
    """A detection project's retrain: the library's BoxDetector on the labelled boxes."""
    pool_ids = snap.ids[pool_mask]
    n_labels, n_holdout = int(train_mask.sum()), int(hold_mask.sum())
    if not n_labels:  # nothing to learn from yet: the first frames of the pool
        picked = [(int(i), None, None, None) for i in pool_ids[:snap.batch]]
        return _register(ws, project_id, snap, _Fitted(None, False, None), None, 0, n_holdout,
                         picked, checks, False, start, {}, {}, finish)
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
                     done.suggested, finish)


def _take(X, idx):
    return X.iloc[idx] if isinstance(X, pd.DataFrame) else X[idx]


def _holdout_checks(snap: _Snapshot, has_label, hold_mask) -> list[int]:
    """A few unlabelled held-out items per round until the evaluation set is big enough."""
    if hold_mask.sum() >= HOLDOUT_TARGET:
        return []
    open_ids = snap.ids[~has_label & (snap.split == "holdout")]
    return [int(i) for i in open_ids[: max(1, snap.batch // 10)]]


def _save(ws, learner) -> tuple[Path, str] | None:
    """Write the model file under a temporary name before the database transaction (keeps
    the write lock short); :func:`_register` gives it its versioned name."""
    if not learner.is_fitted:
        return None
    rel, digest = save_model(learner.estimator, ws.models_root,
                             f"{TEMP_PREFIX}{secrets.token_hex(8)}.joblib", ws.secret_key)
    return ws.models_root / rel, digest


def _one_registrar(db, project_id: int) -> Project:
    """The project, with the right to register its next version and round: on PostgreSQL a
    transaction-scoped advisory lock per project (SQLite's IMMEDIATE transactions are one
    at a time already). The project row itself is updated last, as a label submit does
    after its item, so the two never wait for each other in a cycle."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(ADVISORY_KEY, project_id)))
    return db.get(Project, project_id)


def _next(db, column, project_column, project_id: int) -> int:
    return (db.scalar(select(func.max(column)).where(project_column == project_id)) or 0) + 1


def _register(ws, project_id, snap, learner, accuracy, n_labels, n_holdout, picked, checks,
              warm, start, metrics, suggested, finish) -> TrainResult:
    saved = _save(ws, learner)
    final: Path | None = None
    try:
        with ws.session() as db, db.begin():
            project = _one_registrar(db, project_id)
            version = mv_id = None
            if saved is not None:
                temp, digest = saved
                version = _next(db, ModelVersion.version, ModelVersion.project_id, project_id)
                final = temp.with_name(f"{project.slug}-v{version}-{temp.stem[-16:]}.joblib")
                os.replace(temp, final)
                mv = ModelVersion(project_id=project_id, version=version,
                                  strategy=snap.strategy, n_labels=n_labels, accuracy=accuracy,
                                  n_holdout=n_holdout, train_seconds=time.perf_counter() - start,
                                  path=final.name, digest=digest, warm_started=warm)
                db.add(mv)
                db.flush()
                mv_id = mv.id
                db.add_all(ModelMetric(model_version_id=mv_id, name=k, value=v)
                           for k, v in metrics.items() if k != "accuracy")
                replace_suggestions(db, project_id, version, suggested)
            number = _next(db, QueryRound.number, QueryRound.project_id, project_id)
            rnd = QueryRound(project_id=project_id, number=number, model_version_id=mv_id,
                             strategy=learner.last_strategy_ or snap.strategy,
                             labels_at_start=n_labels)
            db.add(rnd)
            db.flush()
            _queue(db, project_id, rnd.id, snap.overlap, picked, checks)
            changes = Project.changes_since_train  # atomic: labels arrive meanwhile
            db.execute(update(Project).where(Project.id == project_id).values(
                changes_since_train=case((changes > snap.changes, changes - snap.changes),
                                         else_=0)).execution_options(synchronize_session=False))
            result = TrainResult(version, accuracy, n_labels, number, len(picked),
                                 time.perf_counter() - start)
            if finish is not None:
                finish(db, asdict(result))
    except BaseException:
        for path in (saved[0] if saved else None, final):
            if path is not None:
                path.unlink(missing_ok=True)
        raise
    return result


def _queue(db, project_id: int, round_id: int, overlap: int, picked, checks) -> None:
    """Release expired leases and queue the round's items (picked ones with their scores,
    then the held-out checks); the round's ranking is stored for the scored ones."""
    t = now()
    db.execute(update(Item).where(Item.project_id == project_id, Item.queued.is_(True),
                                  Item.lease_expires < t)
               .values(queued=False).execution_options(synchronize_session=False))
    wanted = [p[0] for p in picked] + checks
    done = set(db.scalars(select(Item.id).where(Item.id.in_(wanted),
                                                Item.n_labels >= overlap)))
    scored = [{"item_id": i, "score": s, "guess": g, "guess_p": p}
              for i, s, g, p in picked if i not in done]
    rows = scored + [{"item_id": i, "score": None, "guess": None, "guess_p": None}
                     for i in checks if i not in done]
    for rank, row in enumerate(rows):
        row.update(queued=True, queue_rank=rank, round_id=round_id)
    # one driver executemany each: this runs under the write lock, which requests wait for
    items = Item.__table__
    execute_many(db, update(items).where(items.c.id == bindparam("item_id")).values(
        {c: bindparam(c) for c in ("score", "guess", "guess_p", "queued", "queue_rank",
                                   "round_id")}), rows)
    execute_many(db, insert(RoundItem.__table__), [
        {"round_id": round_id, "item_id": r["item_id"], "rank": r["queue_rank"],
         "score": r["score"]} for r in scored])


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
