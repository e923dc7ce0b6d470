"""Selection on a LocalCluster equals the in-memory ActiveLearner/Committee query exactly."""

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import BayesianRidge, LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from alwild.learners import ActiveLearner, Committee
from alwild.scale import connect, query_pool, row_utility
from alwild.strategies import available_strategies, get_strategy

N_ROWS, N_FEATURES = 3_000, 4
TOP_K_STRATEGIES = {
    "least_confident", "margin", "entropy", "vote_entropy", "consensus_entropy",
    "max_disagreement", "max_std", "bald", "expected_gradient_length", "max_PI", "max_EI",
    "max_UCB", "mean_std", "variation_ratios", "max_entropy", "svm_binary_minimum",
    "mean_max_loss", "max_loss", "min_confidence", "avg_confidence", "max_score", "avg_score",
}


@pytest.fixture(scope="module")
def client():
    with connect(n_workers=2, processes=False) as c:
        yield c


def _data(seed=0):
    rng = np.random.default_rng(seed)
    # Few distinct values: many identical rows, so equal scores and tie-breaks are common.
    X = rng.integers(0, 3, size=(N_ROWS, N_FEATURES)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] + rng.integers(0, 2, N_ROWS) > 2).astype(int)
    return X, y


def _learner(name, X, y, seed):
    """A fitted model of the kind ``name`` needs, made the same way each call."""
    needs = getattr(get_strategy(name), "needs", "std" if name.startswith("max_") else "proba")
    lab = np.arange(0, N_ROWS, 50)
    if needs == "std":
        target = X[lab] @ np.arange(1, N_FEATURES + 1)
        return ActiveLearner(BayesianRidge(), name, X[lab], target, random_state=seed)
    if needs in ("committee", "votes", "mc"):
        members = [
            ActiveLearner(LogisticRegression(C=c), X_training=X[lab + j], y_training=y[lab + j])
            for j, c in enumerate((0.1, 1.0, 10.0))
        ]
        return Committee(members, name, random_state=seed)
    if needs.startswith("multilabel"):
        label_sets = np.column_stack([y[lab] == c for c in np.unique(y)]).astype(int)
        return ActiveLearner(OneVsRestClassifier(LogisticRegression()), name, X[lab],
                             label_sets, random_state=seed)
    return ActiveLearner(LogisticRegression(), name, X[lab], y[lab], random_state=seed)


def _write_shards(tmp_path, X, sizes):
    paths, start = [], 0
    for i, size in enumerate(sizes):
        frame = pd.DataFrame(X[start : start + size], columns=[f"f{j}" for j in range(X.shape[1])])
        path = tmp_path / f"part-{i:03d}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
        start += size
    return str(tmp_path / "part-*.parquet")


def test_pool_compatible_strategies_are_the_top_k_ones():
    compatible = set()
    for name in available_strategies():
        try:
            row_utility(get_strategy(name))
            compatible.add(name)
        except ValueError as err:
            assert "partition by partition" in str(err)
    assert compatible == TOP_K_STRATEGIES


@pytest.mark.parametrize("name", sorted(TOP_K_STRATEGIES))
def test_cluster_selection_equals_in_memory_query(client, tmp_path, name):
    X, y = _data()
    pattern = _write_shards(tmp_path, X, [700, 1, 999, 1300])  # uneven, one single-row shard
    k = 60
    expected, _ = _learner(name, X, y, seed=3).query(X, k)
    got = query_pool(_learner(name, X, y, seed=3), pattern, name, k, client, random_state=3)
    assert got.index.tolist() == expected.tolist()
    assert got.n_scored == N_ROWS


@pytest.mark.parametrize("kind", ["npy", "dask_array", "dask_frame"])
def test_every_pool_type_gives_the_in_memory_result(client, tmp_path, kind):
    X, y = _data(1)
    if kind == "npy":
        np.save(tmp_path / "a.npy", X[:1700])
        np.save(tmp_path / "b.npy", X[1700:])
        pool = [str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]
    elif kind == "dask_array":
        pool = da.from_array(X, chunks=(450, 2))
    else:
        frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(N_FEATURES)])
        pool = dd.from_pandas(frame, npartitions=5)
    model = _learner("entropy", X, y, seed=9)
    expected, _ = _learner("entropy", X, y, seed=9).query(X, 40)
    got = query_pool(model, pool, "entropy", 40, client, random_state=9)
    assert got.index.tolist() == expected.tolist()


def test_model_fitted_on_a_dataframe_reads_its_columns_by_name(client, tmp_path):
    X, y = _data(2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["note"] = "text"  # an extra, non-numeric column the model does not use
    frame[["note", "d", "c", "b", "a"]].to_parquet(tmp_path / "p.parquet", index=False)
    clf = LogisticRegression().fit(frame[["a", "b", "c", "d"]][::10], y[::10])
    learner = ActiveLearner(clf, "margin", random_state=4)
    expected, _ = learner.query(frame[["a", "b", "c", "d"]], 25)
    got = query_pool(clf, str(tmp_path / "p.parquet"), "margin", 25, client, random_state=4)
    assert got.index.tolist() == expected.tolist()


def test_subsample_scores_only_the_share_and_ranks_it_like_in_memory(client, tmp_path):
    from alwild.select import best_first, subsample_mask, tie_keys, tie_seed

    X, y = _data(3)
    pattern = _write_shards(tmp_path, X, [1000, 1000, 1000])
    learner = _learner("entropy", X, y, seed=0)
    got = query_pool(learner, pattern, "entropy", 30, client, random_state=5, subsample=0.2)
    rng = np.random.default_rng(5)
    seed, sub_seed = tie_seed(rng), tie_seed(rng)
    kept = np.flatnonzero(subsample_mask(sub_seed, np.arange(N_ROWS), 0.2))
    scores = learner.query_strategy.utility(learner, X[kept])
    expected = kept[best_first(scores, tie_keys(seed, kept), kept, 30)]
    assert got.index.tolist() == expected.tolist()
    assert got.n_scored == kept.size
    assert 450 < kept.size < 750


def test_a_non_top_k_strategy_is_refused_with_the_alternatives(client):
    X, y = _data()
    with pytest.raises(ValueError, match="cannot be scored partition by partition"):
        query_pool(_learner("entropy", X, y, 0), da.from_array(X), "ranked_batch", 5, client)
