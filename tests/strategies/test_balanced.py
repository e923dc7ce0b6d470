"""Imbalance-aware strategies, their pure selectors, and strategy="auto"."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alwild import ActiveLearner, get_strategy
from alwild.select import cluster_stratified, density, epsilon_greedy, kmeans_seeds

NEW = ["cluster_stratified", "epsilon_greedy", "density_weighted", "density_margin",
       "class_balanced", "auto"]


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # mixed classes in X[:10]
    return X[order], y[order]


def model():
    return make_pipeline(StandardScaler(), LogisticRegression())


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("k", [1, 7])
def test_contract_unique_valid_indices_and_reproducible(cancer, name, k):
    X, y = cancer
    picks = []
    for _ in range(2):
        learner = ActiveLearner(model(), name, X[:20], y[:20], random_state=3)
        idx, rows = learner.query(X[20:300], n_instances=k)
        assert len(set(idx.tolist())) == k and idx.min() >= 0 and idx.max() < 280
        np.testing.assert_array_equal(rows, X[20:300][idx])
        picks.append(idx)
    np.testing.assert_array_equal(*picks)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 60), k=st.integers(1, 5), eps=st.floats(0, 1), seed=st.integers(0, 99))
def test_epsilon_greedy_picks_are_unique_and_greedy_part_is_top(n, k, eps, seed):
    scores = np.random.default_rng(seed).random(n)
    idx = epsilon_greedy(scores, k, eps, random_state=seed)
    assert idx.size == k == np.unique(idx).size
    if eps == 0:
        np.testing.assert_array_equal(np.sort(idx), np.sort(np.argsort(-scores)[:k]))


def test_cluster_stratified_reaches_a_small_far_cluster_that_top_k_misses():
    rng = np.random.default_rng(0)
    big = rng.normal(0, 1, size=(300, 2))
    small = rng.normal(20, 0.1, size=(6, 2))
    X = np.vstack([big, small])
    scores = np.r_[rng.uniform(0.5, 1.0, 300), np.full(6, 0.1)]  # rare rows look certain
    idx = cluster_stratified(scores, X, 4, random_state=0)
    assert np.any(idx >= 300)
    assert not np.any(np.argsort(-scores)[:4] >= 300)


def test_density_matches_sklearn_rbf_kernel():
    rng = np.random.default_rng(1)
    X, ref = rng.normal(size=(50, 3)), rng.normal(size=(30, 3))
    expected = rbf_kernel(X, ref, gamma=1 / (2 * 1.5**2)).mean(axis=1)
    np.testing.assert_allclose(density(X, ref, bandwidth=1.5, chunk_size=7), expected)


def test_kmeans_seeds_cover_every_well_separated_group():
    rng = np.random.default_rng(2)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]])
    X = np.vstack([c + rng.normal(0, 0.3, size=(40, 2)) for c in centres])
    picks = kmeans_seeds(X, 4, random_state=0)
    assert sorted((picks // 40).tolist()) == [0, 1, 2, 3]


def test_auto_rejects_unknown_or_recursive_arms():
    with pytest.raises(ValueError, match="unknown strategy"):
        get_strategy("auto", arms=("margin", "telepathy"))
    with pytest.raises(ValueError, match="own arms"):
        get_strategy("auto", arms=("auto",))
