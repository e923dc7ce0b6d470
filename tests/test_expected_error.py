"""alwild.expected_error: modAL's face of expected error reduction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from alwild import get_strategy
from alwild.errors import UserValueError
from alwild.expected_error import expected_error_reduction
from alwild.learners import ActiveLearner
from tests.pools import classification_data

X, y = classification_data(n=40, n_features=3, n_classes=2)


def _learner(X_lab=X[:8]):
    return ActiveLearner(LogisticRegression(), X_training=X_lab, y_training=y[:8])


@pytest.mark.parametrize("loss, ours", [("binary", "01"), ("log", "log")])
def test_the_face_runs_the_strategy_on_the_whole_pool(loss, ours):
    pool = X[8:]
    idx, expected = expected_error_reduction(_learner(), pool, loss=loss, n_instances=2)
    strategy = get_strategy("expected_error_reduction", loss=ours, n_candidates=32, n_eval=32)
    same, utility = strategy.pick(_learner(), pool, 2, random_state=0)
    np.testing.assert_array_equal(idx, same)
    np.testing.assert_allclose(expected, -utility[idx])
    assert np.all(expected <= np.sort(-utility)[1] + 1e-12), "the two lowest expected errors"


def test_expected_error_by_hand_for_one_candidate():
    pool = X[8:11]
    learner = _learner()
    idx, expected = expected_error_reduction(learner, pool, loss="binary", n_instances=3)
    p = learner.predict_proba(pool)
    for i, err in zip(idx, expected, strict=True):
        future = 0.0
        for c in (0, 1):
            refit = clone(learner.estimator).fit(np.vstack([X[:8], pool[i]]), np.r_[y[:8], c])
            future += p[i, c] * np.mean(1 - refit.predict_proba(pool).max(axis=1))
        assert err == pytest.approx(future)


def test_a_share_of_the_pool_are_candidates_and_bad_arguments_assert():
    learner = _learner(sparse.csr_matrix(X[:8]))
    pool = sparse.csr_matrix(X[8:])
    idx, _ = expected_error_reduction(learner, pool, p_subsample=0.1, n_instances=2)
    assert idx.size == 2
    with pytest.raises(AssertionError, match=r"p_subsample must be a share in \[0, 1\]"):
        expected_error_reduction(learner, pool, p_subsample=1.5)
    with pytest.raises(ValueError, match="loss must be 'binary' or 'log', got 42"):
        expected_error_reduction(learner, pool, loss=42)


class _NoClasses:
    """An estimator without ``classes_`` whose probabilities always have two columns (like
    modAL's multidimensional example's mock), whatever labels it was fitted on."""

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.seen_ = np.unique(y)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)

    def predict_proba(self, X):
        p = np.full((len(X), 2), 0.5)
        if getattr(self, "seen_", np.array([0, 1])).tolist() == [0]:
            p[:, 0] = 0.75
            p[:, 1] = 0.25
        return p


def test_a_model_without_classes_and_one_labelled_class_uses_its_probabilities_columns():
    """Labels all 0 and two probability columns: the classes are 0 and 1 (this was a NumPy
    broadcasting error, seen once in modAL's example runs); labels that are not those
    integers get an error that says to give the estimator classes_."""
    X, _ = classification_data(n=30)
    with pytest.warns(UserWarning, match="only one class"):
        learner = ActiveLearner(_NoClasses(), X_training=X[:5], y_training=np.zeros(5, int))
        named = ActiveLearner(_NoClasses(), X_training=X[:5], y_training=np.array(["a"] * 5))
    idx, errors = expected_error_reduction(learner, X[5:], n_instances=2)
    assert len(set(idx.tolist())) == 2 and np.isfinite(errors).all()
    with pytest.raises(UserValueError, match="2 columns.*classes_"):
        expected_error_reduction(named, X[5:], n_instances=2)
