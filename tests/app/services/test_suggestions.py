"""The model's suggestions: written for a model version, read back per item in rank order,
replaced wholesale by the next version; bad suggestions refused with the reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from alwild.app.services.labels import Submission, submit_label
from alwild.app.services.suggestions import (
    Suggestion,
    assist_counts,
    assist_rate,
    clip_box,
    replace_suggestions,
    suggestions_for,
)
from alwild.app.store.orm import Item, LabelAssist, Project, SuggestionRow, now
from alwild.errors import UserValueError
from tests.app.conftest import make_setup, user_named


def _items(db, project_id):
    return db.scalars(select(Item).where(Item.project_id == project_id)
                      .order_by(Item.id)).all()


def test_suggestions_round_trip_in_rank_order_and_a_new_version_replaces_them(ws, tmp_path):
    s = make_setup(ws, tmp_path, task="detect")
    with ws.session() as db, db.begin():
        a, b = _items(db, s.project_id)[:2]
        first = [Suggestion("broken", 0.4, (1, 2, 30, 40)),
                 Suggestion("insulator", 0.9, (10.5, 20, 5, 6))]
        n = replace_suggestions(db, s.project_id, 1, {a.id: first,
                                                      b.id: [Suggestion("insulator", 0.7,
                                                                        (0, 0, 8, 8))]})
        a_id, b_id = a.id, b.id
    assert n == 3
    with ws.session() as db:
        assert suggestions_for(db, a_id) == [Suggestion("broken", 0.4, (1.0, 2.0, 30.0, 40.0)),
                                             Suggestion("insulator", 0.9,
                                                        (10.5, 20.0, 5.0, 6.0))]
    with ws.session() as db, db.begin():
        assert replace_suggestions(db, s.project_id, 2,
                                   {b_id: [Suggestion("broken", 0.6, (3, 3, 9, 9))]}) == 1
    with ws.session() as db:
        assert suggestions_for(db, a_id) == []
        assert suggestions_for(db, b_id) == [Suggestion("broken", 0.6, (3.0, 3.0, 9.0, 9.0))]
        assert db.scalar(select(SuggestionRow.model_version)) == 2


def test_boxes_are_cut_to_the_image_and_one_outside_it_is_dropped(sqlite_ws, tmp_path):
    s = make_setup(sqlite_ws, tmp_path, task="detect")
    with sqlite_ws.session() as db, db.begin():
        item = _items(db, s.project_id)[0]
        w = item.width
        n = replace_suggestions(db, s.project_id, 1, {item.id: [
            Suggestion("broken", 0.5, (w - 10, -4, 50, 20)),
            Suggestion("broken", 0.5, (w + 1, 0, 5, 5))]})
        assert n == 1
        assert suggestions_for(db, item.id) == [Suggestion("broken", 0.5, (w - 10, 0, 10, 16))]


@pytest.mark.parametrize("bad, message", [
    (Suggestion("cat", 0.5, (0, 0, 4, 4)), "not one of"),
    (Suggestion("broken", float("nan"), (0, 0, 4, 4)), "finite"),
    (Suggestion("broken", 0.5, None), "no box"),
    (Suggestion("broken", 0.5, (0, 0, 0, 4)), "positive"),
    (Suggestion("broken", 0.5, (0, 0, 4)), "(x, y, w, h)"),
])
def test_a_bad_suggestion_is_refused_and_the_old_ones_stay(sqlite_ws, tmp_path, bad, message):
    s = make_setup(sqlite_ws, tmp_path, task="detect")
    with sqlite_ws.session() as db, db.begin():
        item = _items(db, s.project_id)[0]
        replace_suggestions(db, s.project_id, 1, {item.id: [Suggestion("broken", 0.5,
                                                                       (0, 0, 4, 4))]})
        item_id = item.id
    with sqlite_ws.session() as db, pytest.raises(UserValueError, match=message), db.begin():
        replace_suggestions(db, s.project_id, 2, {item_id: [bad]})
    with sqlite_ws.session() as db:
        assert len(suggestions_for(db, item_id)) == 1


def test_classification_suggestions_are_classes_and_other_projects_items_are_refused(
        sqlite_ws, tmp_path):
    s = make_setup(sqlite_ws, tmp_path, n=10)
    with sqlite_ws.session() as db, db.begin():
        item = _items(db, s.project_id)[0]
        other = db.scalar(select(Project).where(Project.slug == "other"))
        assert replace_suggestions(db, s.project_id, 1,
                                   {item.id: [Suggestion("survived", 0.8, None)]}) == 1
        with pytest.raises(UserValueError, match="box"):
            replace_suggestions(db, s.project_id, 1,
                                {item.id: [Suggestion("died", 0.8, (0, 0, 1, 1))]})
        with pytest.raises(UserValueError, match="not in project"):
            replace_suggestions(db, other.id, 1, {item.id: [Suggestion("a", 0.8, None)]})
        assert suggestions_for(db, item.id) == [Suggestion("survived", 0.8, None)]
        assert db.scalar(select(func.count(SuggestionRow.id))) == 1


@given(st.tuples(*[st.floats(-500, 500)] * 2, *[st.floats(0.01, 800)] * 2),
       st.integers(1, 400), st.integers(1, 400))
def test_a_clipped_box_lies_inside_the_image_and_inside_the_box(box, width, height):
    cut = clip_box(box, width, height)
    x, y, w, h = box
    if cut is None:
        assert x >= width or y >= height or x + w <= 0 or y + h <= 0
        return
    cx, cy, cw, ch = cut
    assert 0 <= cx and 0 <= cy and cx + cw <= width + 1e-9 and cy + ch <= height + 1e-9
    assert cw > 0 and ch > 0
    assert x - 1e-9 <= cx and y - 1e-9 <= cy
    assert cx + cw <= x + w + 1e-6 and cy + ch <= y + h + 1e-6


_box = st.tuples(st.floats(0, 300), st.floats(0, 300), st.floats(1, 80), st.floats(1, 80))
_label = st.sampled_from(["insulator", "broken"])


@given(st.lists(st.tuples(_label, _box), max_size=6), st.lists(st.tuples(_label, _box),
                                                                max_size=6))
def test_assist_counts_account_for_every_suggestion_and_every_box(shown, drawn):
    suggestions = [Suggestion(lab, 0.5, box) for lab, box in shown]
    boxes = [{"x": x, "y": y, "w": w, "h": h, "label": lab} for lab, (x, y, w, h) in drawn]
    a = assist_counts(suggestions, None, boxes)
    assert a.suggested == len(suggestions)
    assert a.accepted + a.moved + a.deleted == len(suggestions)
    assert a.accepted + a.moved + a.added == len(boxes)
    kept = assist_counts(suggestions, None, [
        {"x": x, "y": y, "w": w, "h": h, "label": lab} for lab, (x, y, w, h) in shown])
    assert kept.accepted == len(suggestions) and kept.added == kept.deleted == 0


def test_a_label_saved_on_a_held_out_check_counts_no_suggestions(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=40, seed_labels=10)
    with ws.session() as db, db.begin():
        project = db.get(Project, s.project_id)
        check = db.scalar(select(Item).where(Item.project_id == s.project_id,
                                             Item.split == "holdout",
                                             Item.n_labels == 0))
        replace_suggestions(db, s.project_id, 1, {check.id: [Suggestion("died", 0.9)]})
        ann = user_named(db, "ann")
        check.lease_user_id, check.lease_expires = ann.id, now() + 60
        label, _ = submit_label(db, project, check, ann, Submission("h1", "died"))
        row = db.get(LabelAssist, label.id)
        assert (row.suggested, row.accepted, row.added) == (0, 0, 1)
        assert assist_rate(db, project)[0]["accept_rate"] is None


def test_identical_boxes_of_two_classes_are_each_matched_to_their_own_class():
    box = (5.0, 5.0, 20.0, 20.0)
    shown = [Suggestion("broken", 0.5, box), Suggestion("insulator", 0.5, box)]
    drawn = [{"x": 5, "y": 5, "w": 20, "h": 20, "label": lab} for lab in ("insulator", "broken")]
    assert assist_counts(shown, None, drawn).accepted == 2
