"""The store, queue, labels and retraining, on SQLite and (when it can start) PostgreSQL."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from alwild.app.services import leases
from alwild.app.services.labels import Conflict, Submission, disagreements, submit_label
from alwild.app.services.leases import LeaseError
from alwild.app.services.training import train_project
from alwild.app.store.model_files import UnsafeModelFile, load_model
from alwild.app.store.orm import Item, Label, ModelVersion, Project, RoundItem, User
from alwild.scores import entropy
from tests.app.conftest import make_setup


def _user(db, name):
    return db.scalar(select(User).where(User.username == name))


def test_concurrent_claims_never_hand_an_item_to_two_annotators(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=150, seed_labels=30, batch_size=40)
    train_project(ws, s.project_id)
    with ws.session() as db, db.begin():
        from alwild.app.services.auth import create_user

        names = [create_user(db, f"u{i}", "annotator")[0].username for i in range(8)]
    claims: dict[str, list[int]] = {n: [] for n in names}

    def worker(name):
        while True:
            with ws.session() as db:
                project, user = db.get(Project, s.project_id), _user(db, name)
                item = leases.claim_next(db, project, user)
                if item is None:
                    db.commit()
                    return
                claims[name].append(item.id)
                submit_label(db, project, item, user,
                             Submission(request_id=f"{name}-{item.id}", value="died"))
                db.commit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    everything = [i for ids in claims.values() for i in ids]
    assert len(everything) == len(set(everything))
    with ws.session() as db:
        queued = db.scalars(select(Item.id).where(Item.round_id.is_not(None))).all()
        labels = db.scalars(select(Label.item_id).join(User).where(User.username.in_(names)))
        assert sorted(labels) == sorted(everything) == sorted(queued)


def test_submit_is_idempotent_and_a_stale_edit_gets_the_current_version(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann = db.get(Project, s.project_id), _user(db, "ann")
        item = leases.claim_next(db, project, ann)
        first, changed = submit_label(db, project, item, ann, Submission("r1", "died"))
        db.commit()
        again, changed_again = submit_label(db, project, item, ann, Submission("r1", "died"))
        db.commit()
        assert (first.id, changed, changed_again) == (again.id, True, False)
        edit, _ = submit_label(db, project, item, ann,
                               Submission("r2", "survived", base_version=1))
        db.commit()
        assert edit.version == 2
        with pytest.raises(Conflict) as err:
            submit_label(db, project, item, ann, Submission("r3", "died", base_version=1))
        db.rollback()
        assert err.value.current.version == 2 and err.value.current.value == "survived"
        assert db.scalar(select(Label).where(Label.item_id == item.id)).value == "survived"
        assert db.get(Item, item.id).n_labels == 1


def test_an_expired_lease_is_refused_and_changes_nothing(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10, lease_seconds=10)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann, boss = (db.get(Project, s.project_id), _user(db, "ann"),
                              _user(db, "boss"))
        item = leases.claim_next(db, project, ann)
        item.lease_expires = 1.0  # long ago
        db.commit()
        taken = leases.claim_next(db, project, boss)
        db.commit()
        assert taken.id == item.id  # an expired lease frees the item for the next person
        with pytest.raises(LeaseError, match="lease"):
            submit_label(db, project, item, ann, Submission("late", "died"))
        db.rollback()
        assert db.scalar(select(Label).where(Label.item_id == item.id)) is None


def test_overlap_two_hands_items_to_two_people_and_lists_disagreements(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10, overlap=2, batch_size=3)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project = db.get(Project, s.project_id)
        ann, boss = _user(db, "ann"), _user(db, "boss")
        a = leases.claim_next(db, project, ann)
        db.commit()
        b = leases.claim_next(db, project, boss)
        db.commit()
        assert a.id != b.id  # never two people at once
        submit_label(db, project, a, ann, Submission("a1", "died"))
        db.commit()
        again = leases.claim_next(db, project, boss)  # boss holds b: gets b back
        assert again.id == b.id
        submit_label(db, project, b, boss, Submission("b1", "died"))
        db.commit()
        second = leases.claim_next(db, project, boss)
        db.commit()
        assert second.id == a.id  # the other person's item, for its second label
        submit_label(db, project, second, boss, Submission("b2", "survived"))
        db.commit()
        review = disagreements(db, project)
        assert [i.id for i, _ in review] == [a.id]


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
        item = leases.claim_next(db, project, _user(db, "ann"))
        assert item is not None  # the previous round is still open


def test_a_model_file_that_the_app_did_not_write_is_not_loaded(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=60, seed_labels=30)
    train_project(ws, s.project_id)
    with ws.session() as db:
        mv = db.scalar(select(ModelVersion))
    path = ws.models_root / mv.path
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(UnsafeModelFile, match="signature"):
        load_model(ws.models_root, mv.path, mv.digest, ws.secret_key)
    with pytest.raises(UnsafeModelFile, match="leaves"):
        load_model(ws.models_root, "../secret.key", mv.digest, ws.secret_key)


def test_no_item_is_handed_out_once_the_label_budget_is_spent(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=60, seed_labels=20, budget=2)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann = db.get(Project, s.project_id), _user(db, "ann")
        for k in range(2):  # the 20 imported seed labels do not count
            item = leases.claim_next(db, project, ann)
            submit_label(db, project, item, ann, Submission(f"b{k}", "died"))
            db.commit()
        assert leases.claim_next(db, project, ann) is None
