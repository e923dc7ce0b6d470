"""Retraining: evaluation on held-out items, the next round by entropy, warm starts, a
failure recorded as a sentence, a round of held-out checks only, on SQLite and (when it
can start) PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, select, update

from alwild.app.services import leases
from alwild.app.services.jobs import request_job, train_status
from alwild.app.services.training import TEMP_PREFIX, train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, Label, ModelVersion, Project, RoundItem
from alwild.app.worker import Worker
from alwild.scores import entropy
from tests.app.conftest import make_setup, user_named


def test_retraining_evaluates_on_held_out_items_and_queues_the_highest_entropy(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=200, seed_labels=120, batch_size=15)
    result = train_project(ws, s.project_id)
    with ws.session() as db:
        mv = db.scalar(select(ModelVersion))
        model = load_model(ws.models_root, mv.path, mv.digest, ws.secret_key)
        items = db.scalars(select(Item).order_by(Item.id)).all()
        labels = {lab.item_id: lab.value for lab in db.scalars(select(Label))}
        frame = pd.DataFrame([i.data for i in items])
        hold = [k for k, i in enumerate(items) if i.split == "holdout" and i.id in labels]
        pool = [k for k, i in enumerate(items) if i.split == "pool" and i.id not in labels]
        acc = np.mean(model.predict(frame.iloc[hold]) ==
                      np.array([labels[items[k].id] for k in hold]))
        assert result.accuracy == pytest.approx(acc) and mv.n_holdout == len(hold)
        ent = entropy(model.predict_proba(frame.iloc[pool]))
        expected = {items[pool[k]].id for k in np.argsort(-ent)[:15]}
        picked = db.scalars(select(RoundItem).where(RoundItem.score.is_not(None))
                            .order_by(RoundItem.rank)).all()
        assert {r.item_id for r in picked} == expected
        scores = [r.score for r in picked]
        assert scores == sorted(scores, reverse=True)
        assert np.allclose(sorted(scores, reverse=True), np.sort(ent)[::-1][:15])
    second = train_project(ws, s.project_id)
    with ws.session() as db:
        versions = db.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()
        assert [v.version for v in versions] == [1, 2] and versions[1].warm_started
        assert second.round_number == 2


def test_a_failed_training_is_recorded_and_labelling_goes_on(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=60, seed_labels=20)
    train_project(ws, s.project_id)
    with ws.session() as db, db.begin():
        db.get(Project, s.project_id).strategy = "bald"  # needs MC samples: cannot run
        request_job(db, s.project_id)
    assert Worker(ws).drain() == 1
    with ws.session() as db:
        state, sentence = train_status(db, s.project_id)
        assert state == "failed" and "bald" in sentence and "\n" not in sentence
        assert len(db.scalars(select(ModelVersion)).all()) == 1
        assert list(ws.models_root.glob(f"{TEMP_PREFIX}*")) == []
        item = leases.claim_next(db, db.get(Project, s.project_id), user_named(db, "ann"))
        assert item is not None  # the previous round is still open


def test_a_round_of_only_held_out_checks_opens_without_an_empty_insert(ws, tmp_path):
    """Every pool item labelled: the new round holds only held-out checks and no scored
    items, so nothing is inserted into round_items (an empty bulk insert broke it)."""
    s = make_setup(ws, tmp_path, n=60, seed_labels=60, batch_size=10)
    with ws.session() as db, db.begin():
        db.execute(update(Item).where(Item.split == "holdout").values(n_labels=0))
        db.execute(delete(Label).where(Label.item_id.in_(
            select(Item.id).where(Item.split == "holdout"))))
    result = train_project(ws, s.project_id)
    with ws.session() as db:
        assert result.selected == 0 and db.scalars(select(RoundItem)).all() == []
        assert db.scalar(select(func.count()).select_from(Item).where(Item.queued)) >= 1
