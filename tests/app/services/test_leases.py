"""Handing out items with leases: never one item to two people at once, expired leases,
overlap and the label budget, on SQLite and (when it can start) PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from alwild.app.services import leases
from alwild.app.services.labels import Submission, disagreements, submit_label
from alwild.app.services.leases import LeaseError
from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, Label, Project, User
from tests.app.conftest import make_setup, user_named


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
                project, user = db.get(Project, s.project_id), user_named(db, name)
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


def test_an_expired_lease_is_refused_and_changes_nothing(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10, lease_seconds=10)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann, boss = (db.get(Project, s.project_id), user_named(db, "ann"),
                              user_named(db, "boss"))
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
        ann, boss = user_named(db, "ann"), user_named(db, "boss")
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


def test_the_budget_check_agrees_with_the_exact_count_for_every_budget(ws, tmp_path):
    """``budget_spent`` skips the count while the largest label id is under the budget:
    cross-checked against the count itself, for budgets below, at and above the labels."""
    s = make_setup(ws, tmp_path, n=60, seed_labels=5, budget=100)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann = db.get(Project, s.project_id), user_named(db, "ann")
        for k in range(3):
            item = leases.claim_next(db, project, ann)
            submit_label(db, project, item, ann, Submission(f"c{k}", "died"))
            db.commit()
        given = leases.human_labels(db, project)
        top = db.scalar(select(Label.id).order_by(Label.id.desc()).limit(1))
        assert given == 3 and top >= 8  # 5 imported seed labels, then 3 given
        for budget in range(top + 3):
            project.budget = budget
            assert leases.budget_spent(db, project) == (given >= budget), budget
        db.rollback()


def test_no_item_is_handed_out_once_the_label_budget_is_spent(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=60, seed_labels=20, budget=2)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann = db.get(Project, s.project_id), user_named(db, "ann")
        for k in range(2):  # the 20 imported seed labels do not count
            item = leases.claim_next(db, project, ann)
            submit_label(db, project, item, ann, Submission(f"b{k}", "died"))
            db.commit()
        assert leases.claim_next(db, project, ann) is None


def test_a_claim_walks_the_open_items_index_without_a_sort(ws, tmp_path):
    """With half the round labelled, the claim's pick is read from ``ix_items_open`` in
    rank order: no sort and no step over labelled items (which made each claim cost
    milliseconds of database CPU, growing with the labels)."""
    from sqlalchemy import event

    s = make_setup(ws, tmp_path, n=120, seed_labels=20, batch_size=100)
    train_project(ws, s.project_id)
    with ws.session() as db, db.begin():
        project, user = db.get(Project, s.project_id), user_named(db, "ann")
        for _ in range(40):
            item = leases.claim_next(db, project, user)
            submit_label(db, project, item, user,
                         Submission(request_id=f"r{item.id}", value="died"))
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE ITEMS SET LEASE_USER_ID"):
            seen.append((statement, parameters))

    engine = ws.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        with ws.session() as db, db.begin():
            project, user = db.get(Project, s.project_id), user_named(db, "ann")
            assert leases.claim_next(db, project, user) is not None
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    (statement, parameters), = seen
    with engine.connect() as conn:
        raw = conn.connection.cursor()
        if engine.dialect.name == "sqlite":
            raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " ".join(str(row[-1]) for row in raw.fetchall())
            assert "ix_items_open" in plan and "TEMP B-TREE" not in plan, plan
        else:
            raw.execute("EXPLAIN " + statement, parameters)
            plan = " ".join(row[0] for row in raw.fetchall())
            assert "ix_items_open" in plan and "Sort" not in plan, plan
