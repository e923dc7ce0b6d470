"""Bad input: each error says what was wrong and what to do, and the learner survives it.

"Survives" means: the labelled set and the fitted model are unchanged, and a later
valid query and teach work.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import BayesianRidge, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from alwild.learners import ActiveLearner, BayesianOptimizer, Committee
from alwild.strategies import get_strategy
from tests.pools import N_LABELLED, as_frame, classification_data, frame_pipeline

X, y = classification_data(n=100)
X_LAB, Y_LAB, POOL, Y_POOL = X[:N_LABELLED], y[:N_LABELLED], X[N_LABELLED:], y[N_LABELLED:]
PROBE = X[:30]


def _learner(strategy="entropy", **kw):
    return ActiveLearner(LogisticRegression(max_iter=500), strategy, X_LAB, Y_LAB,
                         random_state=0, **kw)


def _committee(strategy="vote_entropy"):
    members = [ActiveLearner(DecisionTreeClassifier(max_depth=d, random_state=0),
                             X_training=X_LAB, y_training=Y_LAB) for d in (1, 2, 3)]
    return Committee(members, strategy, random_state=0)


def _state(model):
    return (np.array(model.X_training, copy=True), np.array(model.y_training, copy=True),
            model.predict_proba(PROBE) if model.is_fitted else None)


def _assert_intact(model, before, pool=POOL, labels=Y_POOL):
    X_tr, y_tr, proba = before
    np.testing.assert_array_equal(model.X_training, X_tr)
    np.testing.assert_array_equal(model.y_training, y_tr)
    if proba is not None:
        np.testing.assert_array_equal(model.predict_proba(PROBE), proba)
    idx, rows = model.query(pool, n_instances=2)
    model.teach(rows, labels[idx])
    assert model.y_training.shape[0] == y_tr.shape[0] + 2


# ------------------------------------------------------------------------ NaN and inf

NAN_STRATEGIES = ["least_confident", "margin", "entropy", "expected_gradient_length",
                  "ranked_batch", "coreset", "cluster_margin", "class_quota",
                  "expected_error_reduction"]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("strategy", NAN_STRATEGIES)
def test_nonfinite_pool_rows_are_named(strategy, bad):
    # expected error reduction evaluates every pool row here (n_eval >= pool size)
    params = {"n_candidates": 3, "n_eval": 200} if strategy == "expected_error_reduction" else {}
    learner = _learner(get_strategy(strategy, **params))
    before = _state(learner)
    pool = POOL.copy()
    pool[[7, 40], 1] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite values \(first bad rows: \[7, 40\]\)"
                       ) as err:
        learner.query(pool, n_instances=3)
    assert "impute" in str(err.value)
    _assert_intact(learner, before)


@pytest.mark.parametrize("strategy", ["vote_entropy", "consensus_entropy", "max_disagreement",
                                      "bald"])
def test_nonfinite_rows_are_named_for_committees(strategy):
    members = [ActiveLearner(LogisticRegression(C=c, max_iter=500), X_training=X_LAB,
                             y_training=Y_LAB) for c in (0.1, 1.0, 10.0)]
    committee = Committee(members, strategy, random_state=0)
    before = _state(committee)
    pool = POOL.copy()
    pool[12, 0] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[12\]"):
        committee.query(pool, n_instances=2)
    _assert_intact(committee, before)


def test_nonfinite_rows_are_named_for_the_cold_start():
    learner = ActiveLearner(LogisticRegression(), "entropy", random_state=0)
    pool = POOL.copy()
    pool[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[3\]"):
        learner.query(pool, n_instances=2)
    assert learner.query(POOL, n_instances=2)[0].size == 2


def test_nonfinite_rows_are_named_in_sparse_and_frame_pools():
    learner = _learner()
    before = _state(learner)
    pool = POOL.copy()
    pool[20, 3] = np.inf
    with pytest.raises(ValueError, match=r"first bad rows: \[20\]"):
        learner.query(sparse.csr_matrix(pool), n_instances=2)
    frame_learner = ActiveLearner(frame_pipeline(LogisticRegression(max_iter=500)), "entropy",
                                  as_frame(X_LAB), Y_LAB)
    frame = as_frame(POOL)
    frame.loc[frame.index[9], "f2"] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[9\]"):
        frame_learner.query(frame, n_instances=2)
    _assert_intact(learner, before)


def test_a_nonfinite_row_in_a_late_chunk_is_named_by_its_pool_position():
    learner = _learner(chunk_size=16)
    pool = POOL.copy()
    pool[77] = np.nan
    with pytest.raises(ValueError, match=r"first bad rows: \[77\]"):
        learner.query(pool)


# ------------------------------------------------------------------ batch size and pool


@pytest.mark.parametrize("n_instances", [0, -2, POOL.shape[0] + 1, 2.5])
def test_n_instances_outside_the_pool(n_instances):
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match=rf"the pool has {POOL.shape[0]} rows: ask for "
                                         rf"between 1 and {POOL.shape[0]}"):
        learner.query(POOL, n_instances=n_instances)
    _assert_intact(learner, before)


@pytest.mark.parametrize("empty", [np.zeros((0, 4)), sparse.csr_matrix((0, 4)),
                                   as_frame(np.zeros((0, 4)))], ids=["ndarray", "csr", "frame"])
def test_an_empty_pool(empty):
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match="the pool is empty: there is nothing left to query"):
        learner.query(empty)
    _assert_intact(learner, before)


def test_a_missing_pool():
    with pytest.raises(ValueError, match="X_pool is None: pass the unlabelled samples"):
        _learner().query(None)


def test_a_pool_with_a_different_feature_count():
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match="the pool has 5 features but the learner was trained "
                                         "on 4: pass pool rows with the same columns"):
        learner.query(np.hstack([POOL, POOL[:, :1]]))
    _assert_intact(learner, before)


def test_a_frame_pool_with_a_missing_column():
    learner = ActiveLearner(frame_pipeline(LogisticRegression(max_iter=500)), "entropy",
                            as_frame(X_LAB), Y_LAB)
    before = (learner.X_training.copy(), learner.y_training.copy())
    with pytest.raises(ValueError, match="the pool has 4 features but the learner was trained "
                                         "on 5"):
        learner.query(as_frame(POOL).drop(columns="f3"))
    assert learner.X_training.equals(before[0])
    learner.query(as_frame(POOL))


def test_teach_with_a_different_feature_count():
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match="teach got 3 features but the labelled set has 4"):
        learner.teach(POOL[:2, :3], Y_POOL[:2])
    _assert_intact(learner, before)


# --------------------------------------------------------- what a strategy needs


@pytest.mark.parametrize("strategy", ["least_confident", "margin", "entropy", "ranked_batch",
                                      "class_quota", "cluster_margin",
                                      "expected_gradient_length", "expected_error_reduction"])
def test_probability_strategy_without_predict_proba(strategy):
    learner = ActiveLearner(LinearSVC(), strategy, X_LAB, Y_LAB)
    before = (learner.X_training.copy(), learner.y_training.copy(),
              learner.estimator.coef_.copy())
    with pytest.raises(TypeError, match=rf"strategy '{strategy}' needs class probabilities "
                                        r"\(predict_proba\), which LinearSVC does not provide"
                       ) as err:
        learner.query(POOL, n_instances=2)
    assert "CalibratedClassifierCV" in str(err.value)
    np.testing.assert_array_equal(learner.estimator.coef_, before[2])
    np.testing.assert_array_equal(learner.y_training, before[1])
    learner.query_strategy = get_strategy("coreset")
    idx, rows = learner.query(POOL, n_instances=2)
    learner.teach(rows, Y_POOL[idx])
    assert learner.y_training.shape[0] == N_LABELLED + 2


@pytest.mark.parametrize("strategy", ["auto", "margin", "entropy"])
def test_probability_strategy_on_a_regressor_points_to_regression_strategies(strategy):
    """A regression target: the way out is a strategy for regressors, not a classifier."""
    learner = ActiveLearner(make_pipeline(StandardScaler(), BayesianRidge()), strategy,
                            X_LAB, X_LAB[:, 0])
    with pytest.raises(TypeError, match=rf"strategy '{strategy}' needs class probabilities, "
                                        r"and Pipeline is a regressor: .*'max_std'"):
        learner.query(POOL, n_instances=2)
    learner.query_strategy = get_strategy("max_std")
    assert learner.query(POOL, n_instances=2)[0].shape == (2,)


def test_probability_strategy_called_modal_style_on_a_bare_estimator():
    svc = LinearSVC().fit(X_LAB, Y_LAB)
    with pytest.raises(TypeError, match="'margin' needs class probabilities"):
        get_strategy("margin_sampling")(svc, POOL)


@pytest.mark.parametrize("strategy", ["vote_entropy", "consensus_entropy", "max_disagreement"])
def test_committee_strategy_given_to_an_active_learner(strategy):
    with pytest.raises(TypeError, match=rf"strategy '{strategy}' measures disagreement between "
                                        r"committee members .* use Committee\(\[learner1"):
        _learner(strategy)


def test_committee_strategy_called_on_a_single_estimator():
    from alwild.disagreement import vote_entropy_sampling

    clf = LogisticRegression().fit(X_LAB, Y_LAB)
    with pytest.raises(TypeError, match="got a single LogisticRegression: use Committee"):
        vote_entropy_sampling(clf, POOL)


def test_bald_without_samples_says_what_it_needs():
    learner = _learner("bald")
    before = _state(learner)
    with pytest.raises(TypeError, match="'bald' needs Monte-Carlo probability samples: use a "
                                        "Committee"):
        learner.query(POOL)
    learner.query_strategy = get_strategy("entropy")
    _assert_intact(learner, before)


@pytest.mark.parametrize("strategy", ["max_EI", "max_PI", "max_UCB", "max_std"])
def test_std_strategies_on_a_model_without_std(strategy):
    learner = _learner(strategy)
    with pytest.raises(TypeError, match=rf"'{strategy}' needs a regressor with a predictive "
                                        r"standard deviation .* LogisticRegression lacks"):
        learner.query(POOL)
    committee = _committee(strategy)
    with pytest.raises(TypeError, match=rf"'{strategy}' needs a regressor with a predictive "
                                        r"standard deviation .* Committee lacks"):
        committee.query(POOL)


def test_improvement_strategy_before_any_observation():
    opt = BayesianOptimizer(GaussianProcessRegressor(), "max_EI", random_state=0)
    # nothing observed: the cold start picks instead of failing
    assert opt.query(POOL, n_instances=2)[0].size == 2
    assert opt.last_strategy_ == "cold_start:diversity"
    opt.teach(POOL[:3], POOL[:3, 0])
    opt.query(POOL, n_instances=2)
    assert opt.last_strategy_ == "max_EI"


def test_trees_accept_nan_pools_natively():
    committee = _committee("vote_entropy")  # decision trees route missing values
    pool = POOL.copy()
    pool[12, 0] = np.nan
    assert committee.query(pool, n_instances=2)[0].size == 2


def test_unknown_strategy_and_bad_settings():
    with pytest.raises(ValueError, match="unknown strategy 'uncertainity'; choose one of"):
        ActiveLearner(LogisticRegression(), "uncertainity")
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        ActiveLearner(LogisticRegression(), chunk_size=0)
    with pytest.raises(ValueError, match="give both X_training and y_training"):
        ActiveLearner(LogisticRegression(), X_training=X_LAB)


# ------------------------------------------------------------------------------ teach


@pytest.mark.parametrize("labels", [Y_POOL[:2], Y_POOL[:4]])
def test_teach_with_the_wrong_number_of_labels(labels):
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match=rf"got 3 samples but {labels.size} labels: pass "
                                         "exactly one label per row; nothing was added"):
        learner.teach(POOL[:3], labels)
    _assert_intact(learner, before)


def test_teach_without_labels():
    learner = _learner()
    before = _state(learner)
    with pytest.raises(ValueError, match="labels are missing"):
        learner.teach(POOL[:3], None)
    _assert_intact(learner, before)


def test_committee_teach_with_the_wrong_number_of_labels():
    committee = _committee()
    before = _state(committee)
    with pytest.raises(ValueError, match="got 3 samples but 2 labels"):
        committee.teach(POOL[:3], Y_POOL[:2])
    for member in committee:
        assert member.X_training.shape[0] == N_LABELLED
    _assert_intact(committee, before)


def test_a_failing_refit_keeps_the_labelled_set_and_model():
    learner = _learner()
    before = _state(learner)
    rows = POOL[:3].copy()
    rows[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        learner.teach(rows, Y_POOL[:3])
    _assert_intact(learner, before)


def test_a_committee_keeps_every_member_in_step_when_one_refit_fails():
    committee = _committee()
    committee.learner_list[2] = ActiveLearner(LogisticRegression(max_iter=500),
                                              X_training=X_LAB, y_training=Y_LAB)
    before = _state(committee)
    rows = POOL[:3].copy()
    rows[0, 0] = np.nan  # the trees accept it, LogisticRegression does not
    with pytest.raises(ValueError):
        committee.teach(rows, Y_POOL[:3])
    sizes = {m.y_training.shape[0] for m in committee}
    assert sizes == {N_LABELLED}, f"members disagree on the labelled set: {sizes}"
    _assert_intact(committee, before)


@pytest.mark.parametrize("strategy", ["max_EI", "max_PI", "max_UCB"])
def test_nonfinite_rows_are_named_for_the_bayesian_optimizer(strategy):
    grid = np.linspace(0, 1, 30).reshape(-1, 1)
    opt = BayesianOptimizer(GaussianProcessRegressor(), strategy, X_training=grid[[0, 29]],
                            y_training=np.array([0.0, 1.0]))
    before = (opt.X_training.copy(), opt.predict(grid))
    bad = grid.copy()
    bad[[4, 17]] = np.inf
    with pytest.raises(ValueError, match=r"first bad rows: \[4, 17\]"):
        opt.query(bad)
    np.testing.assert_array_equal(opt.X_training, before[0])
    np.testing.assert_array_equal(opt.predict(grid), before[1])
    idx, rows = opt.query(grid)
    opt.teach(rows, rows.ravel())
    assert opt.y_training.size == 3


def test_std_strategy_looks_at_the_last_step_of_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()), "max_UCB",
                            X_LAB, Y_LAB)
    with pytest.raises(TypeError, match="which LogisticRegression lacks"):
        learner.query(POOL)
    gp = make_pipeline(StandardScaler(), GaussianProcessRegressor(optimizer=None))
    opt = BayesianOptimizer(gp, "max_UCB", X_training=X_LAB, y_training=X_LAB[:, 0])
    assert opt.query(POOL, n_instances=2)[0].size == 2
