"""Cold start: stratified first batches, and no trust in uncertainty before every class is seen."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from alwild import ActiveLearner


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def labels_to_see_all(X, y, known, seed):
    first = np.flatnonzero(np.isin(y, [0, 1]))[:4]
    learner = ActiveLearner(LogisticRegression(max_iter=300), "margin", X[first], y[first],
                            known_classes=known, random_state=seed)
    pool = np.setdiff1d(np.arange(len(y)), first)
    used = []
    while np.unique(learner.y_training).size < 10:
        idx, _ = learner.query(X[pool], 5)
        used.append(learner.last_strategy_)
        learner.teach(X[pool[idx]], y[pool[idx]])
        pool = np.delete(pool, idx)
    return len(learner.y_training), used, learner


def test_known_classes_keep_the_cold_start_until_every_class_is_labelled(digits):
    X, y = digits
    n, used, learner = labels_to_see_all(X, y, known=np.arange(10), seed=0)
    assert set(used) == {"cold_start:diversity"}
    assert learner.unseen_classes() == []
    learner.query(X[:300], 5)
    assert learner.last_strategy_ == "margin"


def test_a_rare_class_on_the_confident_side_is_found_only_when_classes_are_declared():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([0, 0], 1, (200, 2)), rng.normal([4, 0], 1, (200, 2)),
                   rng.normal([-12, 0], 0.5, (8, 2))])
    y = np.r_[np.zeros(200), np.ones(200), np.full(8, 2)].astype(int)
    found = {}
    for known in (None, [0, 1, 2]):
        learner = ActiveLearner(LogisticRegression(), "margin", X[[0, 1, 200, 201]],
                                y[[0, 1, 200, 201]], known_classes=known, random_state=0)
        pool = np.arange(2, 408)
        pool = pool[~np.isin(pool, [200, 201])]
        for _ in range(6):
            idx, _ = learner.query(X[pool], 5)
            learner.teach(X[pool[idx]], y[pool[idx]])
            pool = np.delete(pool, idx)
        found[known is not None] = int(np.sum(learner.y_training == 2))
    assert found[False] == 0 and found[True] >= 1


def test_kmeans_cold_start_first_batch_covers_more_classes_than_random(digits):
    X, y = digits
    covered = {}
    for mode in ("kmeans", "random"):
        counts = []
        for seed in range(5):
            learner = ActiveLearner(LogisticRegression(), "entropy", cold_start=mode,
                                    random_state=seed)
            idx, _ = learner.query(X, 10)
            assert learner.last_strategy_ == f"cold_start:{mode}"
            counts.append(np.unique(y[idx]).size)
        covered[mode] = np.mean(counts)
    assert covered["kmeans"] > covered["random"]


def test_unknown_cold_start_mode_is_an_error():
    with pytest.raises(ValueError, match="cold_start must be one of"):
        ActiveLearner(LogisticRegression(), cold_start="psychic")


def test_without_known_classes_behaviour_is_unchanged(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learner = ActiveLearner(LogisticRegression(max_iter=300), "margin", X[:30], y[:30])
    learner.query(X[30:200], 5)
    assert learner.last_strategy_ == "margin" and learner.unseen_classes() == []
