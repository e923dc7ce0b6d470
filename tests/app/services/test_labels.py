"""Saving labels: idempotent by request id, versioned, a stale edit refused, on SQLite and
(when it can start) PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from alwild.app.services import leases
from alwild.app.services.labels import (
    MIN_SIDE,
    Conflict,
    Submission,
    check_boxes,
    submit_label,
)
from alwild.app.services.training import train_project
from alwild.app.store.orm import Item, Label, Project
from alwild.errors import UserValueError
from tests.app.conftest import make_setup, user_named


def test_submit_is_idempotent_and_a_stale_edit_gets_the_current_version(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10)
    train_project(ws, s.project_id)
    with ws.session() as db:
        project, ann = db.get(Project, s.project_id), user_named(db, "ann")
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
        with pytest.raises(Conflict) as err:  # a first label sent again from another tab
            submit_label(db, project, item, ann, Submission("r4", "died"))
        db.rollback()
        assert "already labelled this item (version 2" in str(err.value)
        assert "None" not in str(err.value)


@given(side=st.floats(0.0, 40.0), other=st.floats(1.0, 40.0), wide=st.booleans())
def test_a_box_under_one_pixel_a_side_is_refused_and_says_its_size(side, other, wide):
    w, h = (side, other) if wide else (other, side)
    box = {"x": 2.0, "y": 3.0, "w": w, "h": h, "label": "a"}
    if side >= MIN_SIDE:
        assert check_boxes([box], ["a"], 50, 50) == [box]
    else:
        said = "both must be positive" if side == 0 else "at least 1 px wide and high"
        with pytest.raises(UserValueError, match=said):
            check_boxes([box], ["a"], 50, 50)
