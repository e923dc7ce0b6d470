"""Retraining: evaluation on held-out items, the next round by entropy, warm starts and a
recorded failure, on SQLite and (when it can start) PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from alwild.app.services import leases
from alwild.app.services.training import train_project
from alwild.app.store.model_files import load_model
from alwild.app.store.orm import Item, Label, ModelVersion, Project, RoundItem
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
    with pytest.raises(Exception, match="bald"):
        train_project(ws, s.project_id)
    with ws.session() as db:
        project = db.get(Project, s.project_id)
        assert project.train_state == "failed" and "bald" in project.train_error
        item = leases.claim_next(db, project, user_named(db, "ann"))
        assert item is not None  # the previous round is still open
