"""Bad pools get clear errors that name the shard at fault."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from alwild.scale import connect, query_pool

COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def client():
    with connect(n_workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] > 0).astype(int)
    return pd.DataFrame(X, columns=COLUMNS), y


def _shards(tmp_path, frames):
    for i, frame in enumerate(frames):
        frame.to_parquet(tmp_path / f"s{i}.parquet", index=False)
    return str(tmp_path / "s*.parquet")


def test_a_shard_with_another_schema_is_named(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    odd = frame[200:400].astype({"c": "int64"})
    pattern = _shards(tmp_path, [frame[:200], odd, frame[400:]])
    with pytest.raises(ValueError, match=r"s1\.parquet.*'c' as int64.*same schema"):
        query_pool(clf, pattern, "entropy", 5, client)


def test_a_shard_with_missing_columns_is_named(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame, y)  # knows its feature names
    pattern = _shards(tmp_path, [frame[:300], frame[300:].drop(columns=["d"])])
    with pytest.raises(ValueError, match=r"s1\.parquet.*lacks the columns \['d'\]"):
        query_pool(clf, pattern, "entropy", 5, client)


def test_nan_rows_are_reported_by_shard_and_pool_row(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    bad = frame[300:].copy()
    bad.iloc[7, 2] = np.nan
    pattern = _shards(tmp_path, [frame[:300], bad])
    with pytest.raises(ValueError, match=r"s1\.parquet.*NaN or infinite.*pool rows \[307\]"):
        query_pool(clf, pattern, "margin", 5, client)


def test_a_pool_narrower_than_the_model_is_refused(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    pattern = _shards(tmp_path, [frame[["a", "b", "c"]]])
    with pytest.raises(ValueError, match="3 feature columns but the model was trained on 4"):
        query_pool(clf, pattern, "entropy", 5, client)


def test_npy_files_of_another_width_are_refused(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    np.save(tmp_path / "a.npy", frame.to_numpy()[:, :3])
    with pytest.raises(ValueError, match="3 feature columns but the model was trained on 4"):
        query_pool(clf, str(tmp_path / "a.npy"), "entropy", 5, client)
    np.save(tmp_path / "b.npy", frame.to_numpy())
    with pytest.raises(ValueError, match=r"b\.npy' has 4 columns but .*a\.npy' has 3"):
        query_pool(clf, [str(tmp_path / "a.npy"), str(tmp_path / "b.npy")], "entropy", 5, client)


def test_an_unreadable_shard_is_named(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    pattern = _shards(tmp_path, [frame])
    (tmp_path / "s9.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match=r"s9\.parquet.*not a readable Parquet file"):
        query_pool(clf, pattern, "entropy", 5, client)


def test_no_matching_files_and_too_many_asked(client, tmp_path, data):
    frame, y = data
    clf = LogisticRegression().fit(frame.to_numpy(), y)
    with pytest.raises(FileNotFoundError, match="no file matches"):
        query_pool(clf, str(tmp_path / "none-*.parquet"), "entropy", 5, client)
    pattern = _shards(tmp_path, [frame[:10]])
    with pytest.raises(ValueError, match="pool has 10 rows"):
        query_pool(clf, pattern, "entropy", 11, client)
    with pytest.raises(ValueError, match=r"subsample must be a share of the pool in \(0, 1\]"):
        query_pool(clf, pattern, "entropy", 1, client, subsample=1.5)
