"""Two-stage and streaming k-center selection on a LocalCluster."""

import dask.array as da
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from alwild.learners import ActiveLearner
from alwild.scale import connect
from alwild.scale.diversity import streaming_k_center, two_stage
from alwild.select import k_center_greedy, min_sq_distances


@pytest.fixture(scope="module")
def client():
    with connect(n_workers=2, processes=False) as c:
        yield c


def _blobs(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(12, 3))
    X = centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 3))
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    return X, y


def _radius(X, picks, labelled):
    centres = np.concatenate([X[picks], labelled])
    return float(np.sqrt(min_sq_distances(X, centres).max()))


def test_two_stage_cluster_margin_equals_the_in_memory_strategy(client):
    X, y = _blobs()
    lab = np.arange(0, X.shape[0], 100)

    def learner():
        return ActiveLearner(LogisticRegression(), "cluster_margin", X[lab], y[lab],
                             random_state=2)

    expected, _ = learner().query(X, 8, n_candidates=120)
    got = two_stage(learner(), da.from_array(X, chunks=900), 8, client, "margin", "cluster",
                    n_candidates=120, random_state=2)
    assert got.index.tolist() == expected.tolist()


def test_two_stage_k_center_is_spread_among_the_most_uncertain(client):
    X, y = _blobs(seed=1)
    lab = np.arange(0, X.shape[0], 100)
    learner = ActiveLearner(LogisticRegression(), "margin", X[lab], y[lab], random_state=0)
    scores = learner.query_strategy.utility(learner, X)
    got = two_stage(learner, da.from_array(X, chunks=700), 10, client, "margin", "k_center",
                    n_candidates=200, random_state=0)
    top200 = np.argsort(-scores)[:200]
    assert set(got.index.tolist()) <= set(top200.tolist())
    assert np.unique(got.index).size == 10

    def radius_over_candidates(idx):  # the labelled rows count as centres already chosen
        return min_sq_distances(X[top200], np.concatenate([X[idx], X[lab]])).max()

    assert radius_over_candidates(got.index) < radius_over_candidates(top200[:10])


@pytest.mark.parametrize("chunks", [4000, 700])
def test_streaming_k_center_covers_within_the_bound_of_greedy(client, chunks):
    X, y = _blobs(seed=3)
    labelled = X[:5]
    learner = ActiveLearner(LogisticRegression(), "coreset", X[:5], np.array([0, 1, 0, 1, 0]),
                            random_state=0)
    got = streaming_k_center(learner, da.from_array(X, chunks=chunks), 30, client, 4)
    assert np.unique(got.index).size == 30
    greedy = k_center_greedy(X, 30, labelled, 4)
    ratio = _radius(X, got.index, labelled) / _radius(X, greedy, labelled)
    if chunks == X.shape[0]:  # one partition: the same greedy run
        assert sorted(got.index.tolist()) == sorted(greedy.tolist())
    else:  # 6 partitions, one merge level: at most 4 x OPT <= 4 x greedy
        assert ratio <= 4.0
