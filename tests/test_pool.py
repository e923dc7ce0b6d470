"""Pools of every type read in chunks: same results as one-shot, bad rows named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from alwild import scores as S
from alwild.learners import ActiveLearner, Committee
from alwild.pool import (
    iter_chunks,
    map_chunks,
    n_features,
    n_rows,
    nonfinite_rows,
    same_rows,
    take_rows,
)
from tests.pools import (
    N_LABELLED,
    POOL_KINDS,
    as_frame,
    classification_data,
    frame_pipeline,
    make_pool,
    to_memmap,
)


def _dense(rows) -> np.ndarray:
    if isinstance(rows, pd.DataFrame):
        return rows.to_numpy()
    if sparse.issparse(rows):
        return rows.toarray()
    return np.asarray(rows)


@pytest.mark.parametrize("kind", POOL_KINDS)
@pytest.mark.parametrize("chunk_size", [1, 7, 100, 1000])
def test_iter_chunks_covers_every_row_once_in_order(kind, chunk_size, tmp_path):
    X = classification_data(n=100)[0]
    pool = make_pool(kind, X, tmp_path)
    spans = [(a, b) for a, b, _ in iter_chunks(pool, chunk_size)]
    assert spans[0][0] == 0 and spans[-1][1] == 100
    assert all(b - a <= chunk_size for a, b in spans)
    assert all(b0 == a1 for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False))
    glued = np.concatenate([_dense(rows) for _, _, rows in iter_chunks(pool, chunk_size)])
    np.testing.assert_array_equal(glued, _dense(pool))


def test_iter_chunks_reads_memmaps_at_an_offset_and_slices(tmp_path):
    X = np.arange(60, dtype=np.float32).reshape(20, 3)
    path = tmp_path / "offset.dat"
    header = np.zeros(5, dtype=np.float32)
    with open(path, "wb") as fh:
        fh.write(header.tobytes())
        fh.write(X.tobytes())
    mm = np.memmap(path, dtype=np.float32, mode="r", offset=header.nbytes, shape=X.shape)
    for pool, expected in ((mm, X), (mm[5:17], X[5:17]), (mm[::2], X[::2])):
        glued = np.concatenate([rows for _, _, rows in iter_chunks(pool, 4)])
        np.testing.assert_array_equal(glued, expected)


def test_iter_chunks_turns_other_sparse_formats_into_row_slices():
    X = sparse.random(30, 5, density=0.3, format="coo", random_state=0)
    glued = sparse.vstack([rows for _, _, rows in iter_chunks(X, 8)])
    np.testing.assert_array_equal(glued.toarray(), X.toarray())


def test_iter_chunks_rejects_a_non_positive_chunk_size():
    with pytest.raises(ValueError, match="positive integer"):
        list(iter_chunks(np.zeros((3, 2)), 0))


_X, _y = classification_data(n=150)
_CLF = LogisticRegression(max_iter=500).fit(_X[:N_LABELLED], _y[:N_LABELLED])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["ndarray", "csr", "memmap"]), st.integers(1, 200), st.sampled_from([1, 3]))
def test_chunked_scoring_equals_one_shot_for_any_chunk_size(tmp_path, kind, chunk, n_jobs):
    pool = make_pool(kind, _X, tmp_path)
    one_shot = S.entropy(_CLF.predict_proba(pool))
    got = map_chunks(lambda rows: S.entropy(_CLF.predict_proba(rows)), pool, chunk, n_jobs)
    np.testing.assert_allclose(got, one_shot, rtol=1e-12, atol=1e-15)
    both = map_chunks(lambda rows: _CLF.predict_proba(rows)[:, :2], pool, chunk, n_jobs, width=2)
    np.testing.assert_allclose(both, _CLF.predict_proba(pool)[:, :2], rtol=1e-12)


def _learner_for(kind, strategy, chunk, n_jobs, tmp_path):
    if kind == "frame":
        model = frame_pipeline(LogisticRegression(max_iter=500))
        lab = as_frame(_X[:N_LABELLED])
    else:
        model, lab = LogisticRegression(max_iter=500), _X[:N_LABELLED]
    if kind == "committee":
        members = [ActiveLearner(LogisticRegression(C=c, max_iter=500), X_training=lab,
                                 y_training=_y[:N_LABELLED]) for c in (0.1, 10.0)]
        return Committee(members, strategy, chunk_size=chunk, n_jobs=n_jobs, random_state=0)
    return ActiveLearner(model, strategy, lab, _y[:N_LABELLED], chunk_size=chunk, n_jobs=n_jobs,
                         random_state=0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([
    ("ndarray", "entropy"), ("csr", "margin"), ("memmap", "expected_gradient_length"),
    ("frame", "margin"), ("frame", "expected_gradient_length"), ("memmap", "class_quota"),
    ("committee", "vote_entropy"), ("committee", "max_disagreement"),
]), st.integers(1, 200), st.sampled_from([1, 2]))
def test_learners_score_in_chunks_like_one_shot(tmp_path, case, chunk, n_jobs):
    kind, strategy = case
    pool_kind = "ndarray" if kind == "committee" else kind
    pool = make_pool(pool_kind, _X, tmp_path)
    learner = _learner_for(kind, strategy, chunk, n_jobs, tmp_path)
    idx, _ = learner.query(pool, n_instances=3)
    reference = _learner_for(kind, strategy, 10_000, 1, tmp_path)
    expected_idx, _ = reference.query(pool, n_instances=3)
    np.testing.assert_allclose(learner.last_scores_, reference.last_scores_, rtol=1e-10)
    np.testing.assert_array_equal(idx, expected_idx)


@pytest.mark.parametrize("n_jobs", [1, 4])
def test_map_chunks_names_the_first_nan_rows(n_jobs):
    X = _X.copy()
    X[[130, 133]] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[130, 133\].*impute") as err:
        map_chunks(lambda rows: S.entropy(_CLF.predict_proba(rows)), X, 20, n_jobs)
    assert "SimpleImputer" in str(err.value)


def test_map_chunks_names_infinite_rows_in_sparse_and_frame_pools():
    X = _X.copy()
    X[41, 2] = np.inf
    fn = lambda rows: S.entropy(_CLF.predict_proba(rows))  # noqa: E731
    with pytest.raises(ValueError, match=r"first bad rows: \[41\]"):
        map_chunks(fn, sparse.csr_matrix(X), 16, 1)
    frame = pd.DataFrame(X)
    with pytest.raises(ValueError, match=r"first bad rows: \[41\]"):
        map_chunks(lambda rows: fn(rows.to_numpy()), frame, 16, 1)


def test_map_chunks_names_rows_whose_scores_come_out_nan():
    # an estimator that accepts NaN but returns NaN probabilities must still be caught
    X = _X.copy()
    X[3] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[3\]"):
        map_chunks(lambda rows: np.asarray(rows).sum(axis=1), X, 50, 1)


def test_map_chunks_lets_other_errors_through():
    def fail(rows):
        raise ValueError("something else")

    with pytest.raises(ValueError, match="something else"):
        map_chunks(fail, _X, 50, 1)


def test_nonfinite_rows_of_each_type():
    X = np.zeros((8, 2))
    X[[1, 6]] = [np.nan, np.inf]
    assert nonfinite_rows(X) == [1, 6]
    assert nonfinite_rows(sparse.csr_matrix(X)) == [1, 6]
    frame = pd.DataFrame({"a": X[:, 0], "b": ["x"] * 8})
    assert nonfinite_rows(frame) == [1, 6]
    assert nonfinite_rows(np.array([["a"], ["b"]])) == []
    assert nonfinite_rows(np.full((10, 1), np.nan), limit=3) == [0, 1, 2]


def test_take_rows_keeps_the_container_type(tmp_path):
    idx = np.array([4, 0, 2])
    frame = as_frame(_X[:10])
    frame.index = frame.index + 100  # positions, not labels
    pd.testing.assert_frame_equal(take_rows(frame, idx), frame.iloc[idx])
    sp = take_rows(sparse.csr_matrix(_X[:10]), idx)
    assert sparse.issparse(sp) and np.array_equal(sp.toarray(), _X[idx])
    mm = take_rows(to_memmap(_X[:10], tmp_path / "m.dat"), idx)
    assert type(mm) is np.ndarray and np.array_equal(mm, _X[idx])
    assert take_rows(["a", "b", "c", "d", "e"], idx[:2]) == ["e", "a"]


def test_n_rows_and_n_features():
    assert (n_rows(_X), n_features(_X)) == (150, _X.shape[1])
    assert (n_rows(["a", "b"]), n_features(["a", "b"])) == (2, None)
    assert n_features(as_frame(_X)) == _X.shape[1] + 1


_BIG = np.random.default_rng(0).normal(size=(60_000, 32))


@pytest.mark.parametrize("kind", ["ndarray", "memmap", "csr"])
@pytest.mark.parametrize("strategy", ["entropy", "class_quota", "coreset", "ranked_batch"])
def test_query_never_copies_the_pool(kind, strategy, tmp_path):
    """Peak allocation during a query stays far below the pool's size (a copy is >= 1x)."""
    import tracemalloc

    pool = make_pool(kind, _BIG, tmp_path) if kind != "csr" else sparse.csr_matrix(_BIG)
    rng = np.random.default_rng(1)
    learner = ActiveLearner(LogisticRegression(), strategy, rng.normal(size=(40, 32)),
                            np.arange(40) % 3, chunk_size=1024, n_jobs=2)
    tracemalloc.start()
    try:
        learner.query(pool, n_instances=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # a copy of the dense pool is 1x its bytes; of the sparse one (data + indices) 1.5x
    limit = 1.0 if kind == "csr" else 0.5
    assert peak < limit * _BIG.nbytes, f"peak {peak / _BIG.nbytes:.2f}x the pool's bytes"


def test_a_copy_on_write_memmap_is_read_as_changed(tmp_path):
    path = tmp_path / "cow.dat"
    np.arange(12.0).reshape(6, 2).tofile(path)
    for mmap_mode in ("c", "r+"):
        mm = np.memmap(path, dtype=float, mode=mmap_mode, shape=(6, 2))
        mm[0] = [100.0, -100.0]
        glued = np.concatenate([rows for _, _, rows in iter_chunks(mm, 4)])
        np.testing.assert_array_equal(glued, np.asarray(mm))
    loaded = np.lib.format.open_memmap(tmp_path / "cow.npy", mode="w+", shape=(5, 2))
    loaded[:] = 1.0
    loaded.flush()
    cow = np.load(tmp_path / "cow.npy", mmap_mode="c")
    cow[3] = 9.0
    glued = np.concatenate([rows for _, _, rows in iter_chunks(cow, 2)])
    np.testing.assert_array_equal(glued[3], [9.0, 9.0])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(POOL_KINDS), st.integers(0, 10_000), st.booleans())
def test_same_rows_sees_the_values_in_order_whatever_the_container(tmp_path, kind, seed,
                                                                   with_nan):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 4))
    if with_nan and kind != "frame":
        X[rng.integers(8), rng.integers(4)] = np.nan
    pool = make_pool(kind, X, tmp_path)
    rows = take_rows(pool, np.arange(2, 6))
    for other in (_dense(rows), rows, take_rows(pool, np.arange(2, 6)),
                  _dense(rows).tolist()):
        assert same_rows(rows, other) and same_rows(other, rows)
    assert not same_rows(rows, take_rows(pool, np.array([3, 2, 4, 5])))  # another order
    assert not same_rows(rows, take_rows(pool, np.arange(2, 5)))  # fewer rows


def test_same_rows_of_text_and_ragged_lists():
    assert same_rows(["a b", None], np.array(["a b", None], dtype=object))
    assert not same_rows(["a b", "c"], ["c", "a b"])
    assert same_rows([[1, 2], [3]], [[1, 2], [3]]) and not same_rows([[1, 2], [3]], [[3], [1, 2]])
