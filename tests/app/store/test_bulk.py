"""execute_many writes exactly what SQLAlchemy's own executemany writes, on both
databases, for inserts (with columns left to their defaults) and keyed updates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, delete, insert, select, update

from alwild.app.store.bulk import execute_many
from alwild.app.store.orm import Item, SuggestionRow
from tests.app.conftest import make_setup

SUGGESTION = st.fixed_dictionaries({
    "rank": st.integers(0, 5), "label": st.sampled_from(["died", "survived"]),
    "score": st.floats(-1e6, 1e6), "x": st.none() | st.floats(0, 100)})
TABLE = SuggestionRow.__table__


@pytest.fixture
def items(ws, tmp_path):
    s = make_setup(ws, tmp_path, n=20)
    with ws.session() as db:
        return ws, s.project_id, db.scalars(select(Item.id).where(
            Item.project_id == s.project_id)).all()


def _write_and_read(db, write, rows, factor) -> list:
    db.execute(delete(TABLE))
    write(insert(TABLE), rows)
    ids = db.scalars(select(TABLE.c.id).order_by(TABLE.c.id)).all()
    write(update(TABLE).where(TABLE.c.id == bindparam("row_id")).values(score=bindparam("s")),
          [{"row_id": i, "s": factor * k} for k, i in enumerate(ids[::2])])
    return db.execute(select(TABLE.c.item_id, TABLE.c.rank, TABLE.c.label, TABLE.c.score,
                             TABLE.c.x, TABLE.c.w).order_by(TABLE.c.id)).all()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(SUGGESTION, max_size=30), factor=st.floats(0.5, 2.0))
def test_execute_many_stores_what_sqlalchemy_stores(items, rows, factor):
    ws, project_id, item_ids = items
    full = [{"project_id": project_id, "item_id": item_ids[i % len(item_ids)],
             "model_version": 1, "w": None, **row} for i, row in enumerate(rows)]

    def sqlalchemy_write(statement, params):
        if params:
            db.execute(statement, params)

    with ws.session() as db, db.begin():
        expected = _write_and_read(db, sqlalchemy_write, full, factor)
        got = _write_and_read(db, lambda st_, p: execute_many(db, st_, p), full, factor)
    assert got == expected and len(got) == len(rows)
