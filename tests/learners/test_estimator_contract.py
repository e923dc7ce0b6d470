"""Learners as scikit-learn estimators, with any estimator that has fit and predict_proba,
and the modAL behaviours their users rely on (issue 12)."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier

from alwild.batch import uncertainty_batch_sampling
from alwild.learners import ActiveLearner, BayesianOptimizer, Committee, DeepActiveLearner
from alwild.uncertainty import margin_sampling, uncertainty_sampling
from tests.pools import N_LABELLED, classification_data

X, y = classification_data(n=90)
X_LAB, Y_LAB, POOL = X[:N_LABELLED], y[:N_LABELLED], X[N_LABELLED:]


class Duck:
    """A classifier by duck typing: fit and predict_proba, no scikit-learn base class."""

    def fit(self, X, y):
        self.classes_, self.mean_ = np.unique(y), np.mean(X, axis=0)
        return self

    def predict_proba(self, X):
        d = np.abs(np.asarray(X) - self.mean_).sum(axis=1, keepdims=True)
        p = np.hstack([1 / (1 + d), d / (1 + d)] + [np.zeros_like(d)] * (len(self.classes_) - 2))
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_a_duck_typed_estimator_learns_and_is_queried():
    learner = ActiveLearner(Duck(), "margin", X_LAB, Y_LAB, random_state=0)
    assert learner.is_fitted
    idx, rows = learner.query(POOL, n_instances=3)
    learner.teach(rows, y[N_LABELLED:][idx])
    assert learner.X_training.shape[0] == N_LABELLED + 3
    unfitted = ActiveLearner(Duck(), "margin", random_state=0)
    assert not unfitted.is_fitted
    unfitted.query(POOL)
    assert unfitted.last_strategy_ == "cold_start:diversity"


def test_clone_get_params_and_cross_validation():
    learner = ActiveLearner(LogisticRegression(max_iter=500), "entropy", X_LAB, Y_LAB,
                            random_state=3, chunk_size=64)
    twin = clone(learner)
    assert twin.get_params()["chunk_size"] == 64 and twin.query_strategy.name == "entropy"
    np.testing.assert_array_equal(twin.predict(POOL), learner.predict(POOL))
    scores = cross_val_score(ActiveLearner(LogisticRegression(max_iter=500)), X, y, cv=3)
    direct = cross_val_score(LogisticRegression(max_iter=500), X, y, cv=3)
    np.testing.assert_allclose(scores, direct)
    optimizer = clone(BayesianOptimizer(LogisticRegression(), random_state=1))
    assert optimizer.query_strategy.name == "max_EI" and optimizer.random_state == 1


def test_a_committee_is_an_estimator_an_active_learner_can_wrap():
    members = [ActiveLearner(RandomForestClassifier(n_estimators=5, random_state=s),
                             X_training=X_LAB, y_training=Y_LAB, bootstrap_init=True)
               for s in range(3)]
    committee = Committee(members)
    assert set(clone(committee).get_params()) >= {"learner_list", "query_strategy", "chunk_size"}
    ensemble = ActiveLearner(committee, random_state=0)
    idx, rows = ensemble.query(POOL)
    proba = committee.predict_proba(POOL)
    assert 1 - proba.max(axis=1)[idx[0]] == pytest.approx((1 - proba.max(axis=1)).max())
    ensemble.teach(rows, y[N_LABELLED:][idx], bootstrap=True)
    assert committee.fit(X, y) is committee
    assert all(m.X_training.shape[0] == X.shape[0] for m in members)
    assert committee.score(X, y) == pytest.approx(np.mean(committee.predict(X) == y))


def test_modal_style_committee_members_and_unfitted_classes():
    class Member:  # modAL's learners expose the estimator and predict, not classes_
        def __init__(self, votes, classes):
            self.query_strategy, self.votes = None, votes
            self.estimator = DecisionTreeClassifier()
            self.estimator.classes_ = np.asarray(classes)

        def predict(self, X):
            return self.votes

        def predict_proba(self, X):
            return np.eye(len(self.estimator.classes_))[np.searchsorted(
                self.estimator.classes_, self.votes)]

    committee = Committee([Member(np.array([0, 2]), [0, 2]), Member(np.array([1, 1]), [1])])
    np.testing.assert_array_equal(committee.vote(X[:2]), [[0, 1], [2, 1]])
    np.testing.assert_array_equal(committee.classes_, [0, 1, 2])
    np.testing.assert_array_equal(committee.vote_proba(X[:2])[0], [[1, 0, 0], [0, 1, 0]])
    unfitted = Committee([ActiveLearner(LogisticRegression()), ActiveLearner(Duck())])
    assert unfitted.classes_ is None and unfitted.n_classes_ == 0


def test_one_class_is_fitted_where_the_estimator_can_but_queries_start_cold():
    first = np.flatnonzero(y == 0)[:3]
    with pytest.warns(UserWarning, match="trained on it, but queries use the 'diversity'"):
        learner = ActiveLearner(DecisionTreeClassifier(), "entropy", X[first], y[first],
                                random_state=0)
    assert learner.is_fitted and learner.predict(POOL[:2]).tolist() == [0, 0]
    learner.query(POOL)
    assert learner.last_strategy_ == "cold_start:diversity"
    with pytest.warns(UserWarning, match="not trained yet"):
        refusing = ActiveLearner(LogisticRegression(), "entropy", X[first], y[first])
    assert not refusing.is_fitted, "a refused fit leaves no half-fitted estimator"
    with pytest.raises(NotFittedError, match="teach it labelled samples"):
        refusing.predict(POOL)


def test_partials_faces_and_foreign_results_are_taken_as_modal_gives_them():
    preset = functools.partial(uncertainty_batch_sampling, n_instances=3)
    cold = ActiveLearner(LogisticRegression(), preset, random_state=0)
    assert cold.query(POOL)[0].shape == (3,) and cold.last_strategy_ == "cold_start:diversity"
    warm = ActiveLearner(LogisticRegression(), preset, X_LAB, Y_LAB)
    idx, _ = warm.query(POOL)
    expected, _ = uncertainty_batch_sampling(warm, POOL, n_instances=3)
    np.testing.assert_array_equal(idx, expected)
    assert warm.query(POOL, n_instances=5)[0].shape == (5,), "the call's n_instances wins"
    faced = ActiveLearner(LogisticRegression(), margin_sampling, X_LAB, Y_LAB)
    assert faced.query_strategy is margin_sampling.strategy
    ties = ActiveLearner(LogisticRegression(), "least_confident", X_LAB, Y_LAB)
    flat = np.zeros((40, X.shape[1]))  # every row ties: modAL's first-index rule on request
    assert ties.query(flat, 3, random_tie_break=False)[0].tolist() == [0, 1, 2]

    def modal_style(learner, X_pool):
        return 7, "anything"

    one = ActiveLearner(LogisticRegression(), modal_style, X_LAB, Y_LAB)
    idx, row, metric = one.query(POOL, return_metrics=True)
    assert int(idx) == 7 and metric == "anything"
    np.testing.assert_array_equal(row, POOL[7])


def test_the_faces_return_indices_and_modal_metrics():
    clf = LogisticRegression(max_iter=500).fit(X_LAB, Y_LAB)
    idx, margin = margin_sampling(clf, POOL, n_instances=4)
    top2 = np.sort(clf.predict_proba(POOL), axis=1)[:, -2:]
    gap = top2[:, 1] - top2[:, 0]
    np.testing.assert_allclose(margin, gap[idx])
    assert set(idx.tolist()) == set(np.argsort(gap)[:4].tolist())
    idx, uncertainty = uncertainty_sampling(clf, POOL)
    assert uncertainty[0] == pytest.approx(1 - clf.predict_proba(POOL).max(axis=1).min())


def test_training_data_checks_and_force_all_finite():
    learner = ActiveLearner(LogisticRegression(), X_training=X_LAB, y_training=Y_LAB)
    learner._add_training_data(POOL[:2], y[N_LABELLED:N_LABELLED + 2])
    np.testing.assert_array_equal(learner.X_training, np.vstack([X_LAB, POOL[:2]]))
    bad = POOL[:2].copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values \(first bad rows: \[1\]\)"):
        learner.teach(bad, [0, 1])
    assert learner.X_training.shape[0] == N_LABELLED + 2
    lenient = ActiveLearner(Duck(), X_training=X_LAB, y_training=Y_LAB, force_all_finite=False)
    lenient.teach(np.full((2, X.shape[1]), np.inf), [0, 1])
    with pytest.raises(TypeError, match="force_all_finite must be True or False"):
        ActiveLearner(Duck(), force_all_finite="no")


def test_bayesian_optimizer_keeps_modals_running_maximum():
    from sklearn.gaussian_process import GaussianProcessRegressor

    opt = BayesianOptimizer(GaussianProcessRegressor())
    assert opt.get_max() == (None, -np.inf)
    opt._set_max(np.array([[0.0], [1.0]]), np.array([0.5, 2.0]))
    assert opt.get_max()[1] == 2.0 and opt.X_max.tolist() == [1.0]
    opt.teach(np.array([[3.0]]), np.array([1.0]))
    assert opt.y_max == 2.0, "a lower value leaves the maximum"
    opt.teach(np.array([[4.0]]), np.array([9.0]))
    assert opt.y_max == 9.0 and opt.X_max.tolist() == [4.0]
    column = BayesianOptimizer(GaussianProcessRegressor(), X_training=np.array([[0.0], [1.0]]),
                               y_training=np.array([[3.0], [5.0]]))  # targets as a column
    assert column.get_max()[1] == 5.0
    opt.fit(np.array([[0.0]]), np.array([-1.0]))
    assert opt.get_max()[1] == -1.0, "fit starts the maximum afresh"


class Net:
    """Stands in for skorch's NeuralNet: initialize, fit, partial_fit and the settings."""

    def __init__(self):
        self.calls, self.max_epochs, self.batch_size = [], 10, 128

    def initialize(self):
        self.calls.append("initialize")
        return self

    def fit(self, X, y):
        self.calls.append(("fit", len(X)))
        return self

    def partial_fit(self, X, y):
        self.calls.append(("partial_fit", len(X)))
        return self


def test_deep_active_learner_trains_on_each_batch():
    learner = DeepActiveLearner(Net(), random_state=0)
    learner.teach(X[:4], y[:4])
    learner.teach(X[:3], y[:3], warm_start=False, bootstrap=True)
    assert learner.estimator.calls == ["initialize", ("partial_fit", 4), ("fit", 3)]
    learner.num_epochs, learner.batch_size = 3, 16
    assert (learner.estimator.max_epochs, learner.estimator.batch_size) == (3, 16)
    with pytest.raises(ValueError, match="num_epochs must be at least 1"):
        learner.num_epochs = 0
    with pytest.raises(TypeError, match="batch_size must be a whole number"):
        learner.batch_size = 2.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert learner.query(POOL)[0].shape == (1,)
    assert learner.last_strategy_ == "cold_start:random"
