"""Label Studio predictions from the project's latest query round and model.

Each prediction's ``score`` is the task's place in alwild's query order, as a fraction:
``rank / n`` for the ``n`` tasks the round ranked (0.0 for the task alwild asks first),
1.0 for tasks it did not rank (labelled ones, or beyond the ranked share). Label Studio
sorts prediction scores ascending ("lowest first" is what its Uncertainty sampling and
the Data Manager's ascending sort do), so either puts the most informative task first.

The result is the model's guess: the class for a classify project. For a detect project,
the item's stored suggestions (``alwild.app.services.suggestions``: boxes a detector
proposed) when it has some; otherwise, since the project's model guesses the set of
classes in a frame, the boxes of the most similar labelled frame that has that set,
scaled to the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.features import records_frame
from alwild.app.services.labels import frame_target
from alwild.app.services.suggestions import suggestions_for
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, Label, ModelVersion, Project, QueryRound, RoundItem
from alwild.app.store.workspace import Workspace
from alwild.export.labelstudio import LabelConfig, result_regions
from alwild.export.records import Box

__all__ = ["Ranking", "latest_ranking", "queue_scores", "nearest_frame", "task_predictions",
           "UNRANKED_SCORE"]

UNRANKED_SCORE = 1.0


@dataclass(frozen=True)
class Ranking:
    """The latest round: its ``model_version`` name and each ranked item's ``rank``."""

    model_version: str
    ranks: dict[int, int]
    model: ModelVersion | None


def _version_name(rnd: QueryRound | None, model: ModelVersion | None) -> str:
    if rnd is None:
        return "alwild-untrained"
    return f"alwild-round{rnd.number}" + (f"-model{model.version}" if model else "")


def latest_ranking(db: Session, project: Project) -> Ranking:
    """The latest round of ``project`` (the untrained ranking if there is none)."""
    rnd = db.scalar(select(QueryRound).where(QueryRound.project_id == project.id)
                    .order_by(QueryRound.number.desc()).limit(1))
    if rnd is None:
        return Ranking(_version_name(None, None), {}, None)
    model = db.get(ModelVersion, rnd.model_version_id) if rnd.model_version_id else None
    ranks = dict(db.execute(select(RoundItem.item_id, RoundItem.rank)
                            .where(RoundItem.round_id == rnd.id)).all())
    return Ranking(_version_name(rnd, model), ranks, model)


def queue_scores(ranks: dict[int, int], item_ids: Sequence[int]) -> np.ndarray:
    """Label Studio scores: ``rank / n`` of ranked items, :data:`UNRANKED_SCORE` otherwise.

    >>> queue_scores({5: 0, 6: 1, 7: 2, 8: 3}, [6, 5, 9]).tolist()
    [0.25, 0.0, 1.0]
    """
    n = max(1, len(ranks))
    return np.array([ranks[i] / n if i in ranks else UNRANKED_SCORE for i in item_ids])


def nearest_frame(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """For each query row, the index of the nearest candidate row (Euclidean).

    >>> nearest_frame(np.array([[0.0, 0], [5, 5]]), np.array([[4.0, 4], [1, 0]])).tolist()
    [1, 0]
    """
    d = ((query[:, None, :] - candidates[None, :, :]) ** 2).sum(-1)
    return d.argmin(1)


def _features(items: Sequence[Item], estimator):
    if items and items[0].kind == "image":
        return np.stack([np.frombuffer(i.features, np.float32) for i in items])
    columns = getattr(estimator, "feature_names_in_", None)
    return records_frame([i.data for i in items], columns)


def _guesses(estimator, items: Sequence[Item]) -> tuple[list[str | None], np.ndarray]:
    if estimator is None or not items:
        return [None] * len(items), np.full(len(items), np.nan)
    proba = estimator.predict_proba(_features(items, estimator))
    return [str(c) for c in estimator.classes_[proba.argmax(1)]], proba.max(1)


def _scaled(box: dict, sx: float, sy: float, file: str) -> Box:
    return Box(file, box["x"] * sx, box["y"] * sy, box["w"] * sx, box["h"] * sy, box["label"])


def _frame_boxes(db: Session, project: Project, items: Sequence[Item],
                 guesses: list[str | None]) -> list[list[Box]]:
    """The boxes of the nearest labelled frame whose classes are the guessed set."""
    out: list[list[Box]] = [[] for _ in items]
    labelled = db.execute(select(Item, Label).join(Label, Label.item_id == Item.id)
                          .where(Item.project_id == project.id)
                          .order_by(Label.updated_at)).all()
    by_target: dict[str, dict[int, tuple[Item, Label]]] = {}
    for item, label in labelled:
        by_target.setdefault(frame_target(project, label), {})[item.id] = (item, label)
    for guess in set(g for g in guesses if g and g != "none"):
        pool = list(by_target.get(guess, {}).values())
        which = [j for j, g in enumerate(guesses) if g == guess]
        if not pool:
            continue
        near = nearest_frame(_features([items[j] for j in which], None),
                             _features([p[0] for p in pool], None))
        for j, k in zip(which, near, strict=True):
            ref, label = pool[k]
            sx, sy = items[j].width / ref.width, items[j].height / ref.height
            out[j] = [_scaled(b, sx, sy, items[j].data.get("file", "")) for b in label.boxes]
    return out


def task_predictions(ws: Workspace, db: Session, project: Project, config: LabelConfig,
                     items: Sequence[Item], ranking: Ranking, estimator=None) -> list[dict]:
    """One Label Studio prediction per item (``result``, ``score``, ``model_version``)."""
    if estimator is None and ranking.model is not None:
        m = ranking.model
        estimator = load_model(ws.models_root, m.path, m.digest, ws.secret_key)
    guesses, confidence = _guesses(estimator, items)
    scores = queue_scores(ranking.ranks, [i.id for i in items])
    out = []
    if project.task == "detect":
        results = _detect_results(db, project, config, items, guesses, confidence)
    else:
        results = [result_regions(config, guess, [], score=None if np.isnan(p) else float(p))
                   for guess, p in zip(guesses, confidence, strict=True)]
    for result, score in zip(results, scores, strict=True):
        out.append({"result": result, "score": float(score),
                    "model_version": ranking.model_version})
    return out


def _detect_results(db: Session, project: Project, config: LabelConfig,
                    items: Sequence[Item], guesses: list[str | None],
                    confidence: np.ndarray) -> list[list[dict]]:
    """Rectangles per item: its stored suggestions, else the nearest frame's boxes."""
    nearest = _frame_boxes(db, project, items, guesses)
    out = []
    for item, p, frame in zip(items, confidence, nearest, strict=True):
        stored = [s for s in suggestions_for(db, item.id) if s.box is not None]
        boxes = ([(Box(item.data.get("file", ""), *s.box, s.label), s.score) for s in stored]
                 if stored else [(b, None if np.isnan(p) else float(p)) for b in frame])
        out.append([region for box, score in boxes for region in
                    result_regions(config, None, [box], item.width, item.height, score)])
    return out

