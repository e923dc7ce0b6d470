"""Bulk table ingest: rows read and inserted in batches give the same items, hashes and
labels whatever the batch size, a re-ingest adds nothing, and a failure in a late batch
leaves the project as it was (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from alwild.app.services.ingest import _clean, _row_texts, ingest, row_hash
from alwild.app.services.projects import create_project
from alwild.app.store.orm import Item, Label
from alwild.errors import UserValueError


def _table(path, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n).round(3), "k": rng.integers(0, 9, n),
                          "site": rng.choice(["n", "s", "é\"q"], n),
                          "Survived": rng.choice(["ok", "broken"], n)})
    frame["g"] = rng.integers(0, 5, n).astype(object)
    frame.loc[n - 3, "g"] = None            # whole numbers with a gap in a late batch,
    frame["k"] = frame["k"].astype(object)
    frame.loc[n - 2, "k"] = 2.5             # and with a decimal in it: floats everywhere
    frame.loc[n // 2, "site"] = None
    frame = pd.concat([frame, frame.iloc[:5]], ignore_index=True)  # 5 repeated rows
    frame.to_csv(path, index=False)
    return frame


def _project(ws, name="rows"):
    with ws.session() as db, db.begin():
        return create_project(db, name, "classify", ["ok", "broken"]).id


def _ingest(ws, project_id, source, **kw):
    with ws.session() as db, db.begin():
        from alwild.app.store.orm import Project

        return ingest(ws, db, db.get(Project, project_id), str(source), **kw)


def _items(ws, project_id):
    with ws.session() as db:
        return sorted(db.execute(select(Item.content_hash, Item.data, Item.split, Item.n_labels)
                                 .where(Item.project_id == project_id)).all())


@pytest.mark.parametrize("batch_rows", [7, 50_000])
def test_batches_give_the_items_of_one_whole_read(ws, tmp_path, batch_rows):
    frame = _table(tmp_path / "t.csv", 120)
    one, batched = _project(ws, "one"), _project(ws, "batched")
    report = _ingest(ws, one, tmp_path / "t.csv", label_column="Survived")
    assert (report.added, report.duplicates, report.labelled) == (120, 5, 120)
    _ingest(ws, batched, tmp_path / "t.csv", label_column="Survived", batch_rows=batch_rows)
    items = _items(ws, one)
    assert [i[0] for i in items] == [i[0] for i in _items(ws, batched)]
    records = [{k: _clean(v) for k, v in r.items()}
               for r in pd.read_csv(tmp_path / "t.csv").drop(columns="Survived")
               .to_dict("records")]
    assert {row_hash(r) for r in records} == {i[0] for i in items}  # the old hashes
    assert {json.dumps(i[1], sort_keys=True) for i in items} == {
        json.dumps(r, sort_keys=True) for r in records}
    assert all(i[3] == 1 for i in items)
    with ws.session() as db:
        values = db.execute(select(Item.content_hash, Label.value).join(Label).where(
            Item.project_id == batched)).all()
    wanted = dict(zip(map(row_hash, records), frame["Survived"], strict=True))
    assert len(values) == 120 and all(wanted[h] == v for h, v in values)
    assert {type(r["k"]) for r in records} == {float}  # as one whole read gives them
    assert any(r["g"] is None for r in records) and not math.isnan(
        sum(r["g"] for r in records if r["g"] is not None))


def test_a_reingest_adds_nothing_and_a_late_failure_leaves_nothing(ws, tmp_path):
    _table(tmp_path / "t.csv", 60)
    pid = _project(ws)
    assert _ingest(ws, pid, tmp_path / "t.csv", batch_rows=8).added == 60
    again = _ingest(ws, pid, tmp_path / "t.csv", batch_rows=13)
    assert (again.added, again.duplicates) == (0, 65)
    bad = tmp_path / "bad.csv"
    good = pd.DataFrame({"x": np.arange(40.0) + 1000, "k": 1.0, "site": "n"})
    bad.write_text(good.to_csv(index=False) + "1,2,3,4,5\n")
    with pytest.raises(UserValueError, match=r"malformed CSV.*line 42"):
        _ingest(ws, pid, bad, batch_rows=10)
    assert len(_items(ws, pid)) == 60
    wrong = tmp_path / "wrong.csv"
    good.assign(Survived=["ok"] * 39 + ["maybe"]).to_csv(wrong, index=False)
    with pytest.raises(UserValueError, match="'maybe' is not one of"):
        _ingest(ws, pid, wrong, batch_rows=10, label_column="Survived")
    with ws.session() as db:
        assert db.scalar(select(func.count(Label.id))) == 0
    assert len(_items(ws, pid)) == 60


def test_parquet_is_read_in_batches_too(ws, tmp_path):
    frame = pd.DataFrame({"a": np.arange(30), "b": [f"r{i}" for i in range(30)]})
    frame.to_parquet(tmp_path / "t.parquet")
    pid = _project(ws)
    assert _ingest(ws, pid, tmp_path / "t.parquet", batch_rows=4).added == 30
    assert sorted(i[1]["a"] for i in _items(ws, pid)) == list(range(30))


cells = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=6),
                  st.floats(allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=5, unique=True),
       st.data())
def test_row_texts_are_json_dumps_of_the_records(names, data):
    n = data.draw(st.integers(1, 6))
    columns = {c: data.draw(st.lists(cells, min_size=n, max_size=n)) for c in names}
    columns[names[0]] = data.draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n))
    frame = pd.DataFrame(columns)
    records = [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]
    texts = _row_texts(frame)
    assert texts.plain == [json.dumps(r) for r in records]
    assert texts.sorted_keys == [json.dumps(r, sort_keys=True, default=str) for r in records]
