"""Label Studio predictions from the project's latest query round and model.

Each prediction's ``score`` is the task's place in alwild's query order, as a fraction:
``rank / n`` for the ``n`` tasks the round ranked (0.0 for the task alwild asks first),
1.0 for tasks it did not rank (labelled ones, or beyond the ranked share). Label Studio
sorts prediction scores ascending ("lowest first" is what its Uncertainty sampling and
the Data Manager's ascending sort do), so either puts the most informative task first.

The result is the model's guess, read from the same inputs the app's training uses
(:func:`~alwild.app.services.project_models.model_inputs`): for a classify project the
class its model gives the item (images: from their backbone embeddings). For a detect
project, the boxes its trained detector proposes: the item's suggestions stored at the last
retrain (``alwild.app.services.suggestions``: the pool's frames), else, for a frame that
has none stored (labelled or held-out ones), what the detector finds in it now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from alwild.app.services.project_models import box_suggestions, detector_from_bytes, model_inputs
from alwild.app.services.projects import project_kind
from alwild.app.services.suggestions import Suggestion, suggestions_for
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, ModelVersion, Project, QueryRound, RoundItem
from alwild.app.store.workspace import Workspace
from alwild.export.labelstudio import LabelConfig, result_regions
from alwild.export.records import Box

__all__ = ["Ranking", "latest_ranking", "queue_scores", "task_predictions", "UNRANKED_SCORE"]

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


def _inputs(ws: Workspace, db: Session, project: Project, items: Sequence[Item], estimator):
    """What the project's model reads for ``items``, as its training builds it (the rows'
    table, in the model's column order; the images' backbone embeddings)."""
    X = model_inputs(ws, project_kind(db, project), project.task, [i.data for i in items],
                     [i.media_path for i in items])
    columns = getattr(estimator, "feature_names_in_", None)
    return X.reindex(columns=list(columns)) if columns is not None else X


def _class_results(ws: Workspace, db: Session, project: Project, config: LabelConfig,
                   items: Sequence[Item], estimator) -> list[list[dict]]:
    """The model's class of each item, scored by its probability ([] without a model)."""
    if estimator is None:
        return [[] for _ in items]
    proba = estimator.predict_proba(_inputs(ws, db, project, items, estimator))
    guesses = estimator.classes_[proba.argmax(1)]
    return [result_regions(config, str(guess), [], score=float(p))
            for guess, p in zip(guesses, proba.max(1), strict=True)]


def _detected(ws: Workspace, project: Project, items: Sequence[Item],
              detector: bytes | None) -> list[list[Suggestion]]:
    """The trained detector's suggestions for ``items`` ([] each without a detector)."""
    if detector is None or not items:
        return [[] for _ in items]
    found = detector_from_bytes(detector, ws).detect(
        [str(ws.media_root / i.media_path) for i in items])
    return [box_suggestions(d, project.labels) for d in found]


def _detect_results(ws: Workspace, db: Session, project: Project, config: LabelConfig,
                    items: Sequence[Item], detector: bytes | None) -> list[list[dict]]:
    """Rectangles per item: its suggestions stored at the last retrain, else what the
    trained detector finds in the frame now."""
    shown = [[s for s in suggestions_for(db, item.id) if s.box is not None] for item in items]
    missing = [k for k, got in enumerate(shown) if not got]
    for k, got in zip(missing, _detected(ws, project, [items[k] for k in missing], detector),
                      strict=True):
        shown[k] = got
    return [[region for s in got for region in result_regions(
                config, None, [Box(item.data.get("file", ""), *s.box, s.label)],
                item.width, item.height, s.score)]
            for item, got in zip(items, shown, strict=True)]


def task_predictions(ws: Workspace, db: Session, project: Project, config: LabelConfig,
                     items: Sequence[Item], ranking: Ranking, estimator=None) -> list[dict]:
    """One Label Studio prediction per item (``result``, ``score``, ``model_version``);
    ``estimator`` is the round's model (loaded when not given; a detection project's model
    is its detector's bytes)."""
    if estimator is None and ranking.model is not None:
        m = ranking.model
        estimator = load_model(ws.models_root, m.path, m.digest, ws.secret_key)
    if project.task == "detect":
        results = _detect_results(ws, db, project, config, items, estimator)
    else:
        results = _class_results(ws, db, project, config, items, estimator)
    scores = queue_scores(ranking.ranks, [i.id for i in items])
    return [{"result": result, "score": float(score), "model_version": ranking.model_version}
            for result, score in zip(results, scores, strict=True)]
