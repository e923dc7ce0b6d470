"""Learners: the query/teach loop, cold start, committees, bagging, Bayesian optimisation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.exceptions import NotFittedError
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from alwild import scores as S
from alwild.learners import ActiveLearner, BayesianOptimizer, Committee, CommitteeRegressor
from tests.pools import N_LABELLED, as_frame, classification_data, frame_pipeline

X, y = classification_data(n=120)
X_LAB, Y_LAB, POOL, Y_POOL = X[:N_LABELLED], y[:N_LABELLED], X[N_LABELLED:], y[N_LABELLED:]


def _learner(strategy="entropy", **kw):
    return ActiveLearner(LogisticRegression(max_iter=500), strategy, X_LAB, Y_LAB, **kw)


# --------------------------------------------------------------------- query and teach


def test_query_returns_the_top_rows_and_keeps_their_scores():
    learner = _learner()
    idx, rows, picked = learner.query(POOL, n_instances=5, return_metrics=True)
    expected = S.entropy(learner.predict_proba(POOL))
    np.testing.assert_allclose(learner.last_scores_, expected)
    assert set(idx.tolist()) == set(np.argsort(-expected)[:5].tolist())
    np.testing.assert_array_equal(rows, POOL[idx])
    np.testing.assert_allclose(picked, expected[idx])
    np.testing.assert_array_equal(learner.last_query_, idx)
    assert learner.last_strategy_ == "entropy"


def test_teach_adds_the_labels_and_refits():
    learner = _learner()
    coef = learner.estimator.coef_.copy()
    idx, rows = learner.query(POOL, n_instances=10)
    learner.teach(rows, Y_POOL[idx])
    assert learner.X_training.shape == (N_LABELLED + 10, X.shape[1])
    np.testing.assert_array_equal(learner.y_training, np.r_[Y_LAB, Y_POOL[idx]])
    refit = LogisticRegression(max_iter=500).fit(learner.X_training, learner.y_training)
    np.testing.assert_allclose(learner.estimator.coef_, refit.coef_)
    assert not np.allclose(learner.estimator.coef_, coef)
    assert learner.score(POOL, Y_POOL) == pytest.approx(refit.score(POOL, Y_POOL))
    np.testing.assert_array_equal(learner.predict(POOL), refit.predict(POOL))


def test_teach_only_new_fits_on_the_new_rows_but_keeps_every_label():
    learner = _learner()
    new = np.r_[0:10, 50:60]
    learner.teach(POOL[new], Y_POOL[new], only_new=True)
    only = LogisticRegression(max_iter=500).fit(POOL[new], Y_POOL[new])
    np.testing.assert_allclose(learner.estimator.coef_, only.coef_)
    assert learner.y_training.shape == (N_LABELLED + 20,)


def test_fit_replaces_the_labelled_set():
    learner = _learner()
    learner.fit(POOL[:30], Y_POOL[:30])
    np.testing.assert_array_equal(learner.X_training, POOL[:30])
    assert learner.is_fitted and learner.classes_.tolist() == [0, 1, 2]


def test_strategy_parameters_can_be_passed_to_query():
    learner = _learner("class_quota")
    predicted = learner.predict(POOL)
    entropy = S.entropy(learner.predict_proba(POOL))
    idx, _ = learner.query(POOL, n_instances=6, rare_share=1.0)
    # the whole batch is reserved: round-robin over the three classes, best rows first
    assert np.bincount(predicted[idx], minlength=3).tolist() == [2, 2, 2]
    for c in range(3):
        mine = np.flatnonzero(predicted == c)
        assert set(idx[predicted[idx] == c]) == set(mine[np.argsort(-entropy[mine])[:2]])
    idx, _ = learner.query(POOL, n_instances=6, rare_share=0.0)
    assert set(idx.tolist()) == set(np.argsort(-entropy)[:6].tolist())


def test_a_modal_style_function_can_be_the_strategy():
    def most_positive_first_feature(learner, X_pool, n_instances=1):
        idx = np.argsort(-X_pool[:, 0])[:n_instances]
        return idx, X_pool[idx]

    def no_batch(learner, X_pool):
        return np.argmax(X_pool[:, 1])

    learner = _learner(most_positive_first_feature)
    idx, _ = learner.query(POOL, n_instances=3)
    np.testing.assert_array_equal(idx, np.argsort(-POOL[:, 0])[:3])
    assert learner.last_scores_ is None
    assert learner.last_strategy_ == "most_positive_first_feature"
    single, row = _learner(no_batch).query(POOL)  # one index: one row, as modAL returns it
    assert single.tolist() == int(np.argmax(POOL[:, 1]))
    np.testing.assert_array_equal(row, POOL[single])
    with pytest.warns(UserWarning, match="returned 1 indices for n_instances=2"):
        _learner(no_batch).query(POOL, n_instances=2)


def test_learner_on_a_frame_pool_with_a_pipeline():
    frame = as_frame(X)
    learner = ActiveLearner(frame_pipeline(LogisticRegression(max_iter=500)), "margin",
                            frame.iloc[:N_LABELLED], Y_LAB)
    pool = frame.iloc[N_LABELLED:]
    idx, rows = learner.query(pool, n_instances=4)
    assert rows.equals(pool.iloc[idx])
    learner.teach(rows, Y_POOL[idx])
    assert learner.X_training.shape == (N_LABELLED + 4, frame.shape[1])
    assert list(learner.X_training.columns) == list(frame.columns)


# -------------------------------------------------------------------------- cold start


def test_cold_start_without_labels_picks_farthest_first():
    learner = ActiveLearner(LogisticRegression(), "entropy", random_state=1)
    assert not learner.is_fitted
    idx, _ = learner.query(POOL, n_instances=6)
    assert learner.last_strategy_ == "cold_start:diversity" and learner.last_scores_ is None
    assert np.unique(idx).size == 6
    for step in range(1, 6):
        d = cdist(POOL, POOL[idx[:step]]).min(axis=1)
        assert d[idx[step]] == pytest.approx(d.max())
    again = ActiveLearner(LogisticRegression(), "entropy", random_state=1).query(POOL, 6)[0]
    np.testing.assert_array_equal(idx, again)


def test_cold_start_random():
    learner = ActiveLearner(LogisticRegression(), "margin", cold_start="random", random_state=0)
    idx, _ = learner.query(POOL, n_instances=8)
    assert learner.last_strategy_ == "cold_start:random" and np.unique(idx).size == 8
    other = ActiveLearner(LogisticRegression(), "margin", cold_start="random", random_state=1)
    assert not np.array_equal(idx, other.query(POOL, n_instances=8)[0])


def test_cold_start_on_a_frame_with_an_unfitted_pipeline():
    frame = as_frame(X)
    learner = ActiveLearner(frame_pipeline(LogisticRegression()), "entropy", random_state=0)
    idx, rows = learner.query(frame, n_instances=3)
    assert np.unique(idx).size == 3 and rows.shape == (3, frame.shape[1])
    assert learner.last_strategy_ == "cold_start:random"  # the pipeline cannot encode yet


def test_a_single_class_waits_for_the_second_before_training():
    first = np.flatnonzero(y == 0)[:3]
    with pytest.warns(UserWarning, match="only one class .* labelled so far"):
        learner = ActiveLearner(LogisticRegression(), "entropy", X[first], y[first],
                                random_state=0)
    assert not learner.is_fitted
    idx, _ = learner.query(POOL, n_instances=2)
    assert learner.last_strategy_ == "cold_start:diversity"
    with pytest.raises(NotFittedError, match="teach it labelled samples"):
        learner.predict(POOL)
    other = np.flatnonzero(y == 1)[:1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        learner.teach(X[other], y[other])
    assert learner.is_fitted and learner.classes_.tolist() == [0, 1]
    learner.query(POOL, n_instances=2)
    assert learner.last_strategy_ == "entropy"


def test_cold_start_modes_are_checked():
    with pytest.raises(ValueError, match="cold_start must be one of"):
        ActiveLearner(LogisticRegression(), cold_start="farthest")


def test_committee_cold_start_then_training():
    members = [ActiveLearner(DecisionTreeClassifier(random_state=s)) for s in range(3)]
    committee = Committee(members, "vote_entropy", random_state=0)
    idx, _ = committee.query(POOL, n_instances=4)
    assert committee.last_strategy_ == "cold_start:diversity" and np.unique(idx).size == 4
    committee.teach(X_LAB, Y_LAB)
    committee.query(POOL, n_instances=4)
    assert committee.last_strategy_ == "vote_entropy"


# ---------------------------------------------------------------------------- committees


def _mixed_committee(strategy="vote_entropy"):
    """Members that have seen different classes: {0, 1}, {1, 2} and all three."""
    subsets = [np.isin(y, [0, 1]), np.isin(y, [1, 2]), np.ones_like(y, dtype=bool)]
    estimators = [LogisticRegression(max_iter=500), DecisionTreeClassifier(max_depth=3,
                  random_state=0), KNeighborsClassifier(5)]
    members = [ActiveLearner(est, X_training=X[m][:40], y_training=y[m][:40])
               for est, m in zip(estimators, subsets, strict=True)]
    return Committee(members, strategy, random_state=0)


def test_committee_aligns_members_that_saw_different_classes():
    committee = _mixed_committee()
    assert committee.classes_.tolist() == [0, 1, 2] and committee.n_classes_ == 3
    member_proba = committee.member_proba(POOL)
    assert member_proba.shape == (3, POOL.shape[0], 3)
    np.testing.assert_allclose(member_proba.sum(axis=2), 1.0)
    lr, tree, knn = (m.estimator for m in committee)
    np.testing.assert_array_equal(member_proba[0][:, 2], 0.0)
    np.testing.assert_allclose(member_proba[0][:, :2], lr.predict_proba(POOL))
    np.testing.assert_array_equal(member_proba[1][:, 0], 0.0)
    np.testing.assert_allclose(member_proba[1][:, 1:], tree.predict_proba(POOL))
    np.testing.assert_allclose(member_proba[2], knn.predict_proba(POOL))
    votes = committee.vote(POOL)
    np.testing.assert_array_equal(votes, np.column_stack([lr.predict(POOL), tree.predict(POOL),
                                                          knn.predict(POOL)]))
    np.testing.assert_allclose(committee.predict_proba(POOL), member_proba.mean(axis=0))
    np.testing.assert_array_equal(committee.vote_proba(POOL), member_proba.transpose(1, 0, 2))
    assert committee.score(POOL, Y_POOL) == np.mean(committee.predict(POOL) == Y_POOL)


@pytest.mark.parametrize("strategy", ["vote_entropy", "consensus_entropy", "max_disagreement"])
def test_committee_query_takes_the_top_disagreement(strategy):
    committee = _mixed_committee(strategy)
    idx, _ = committee.query(POOL, n_instances=5)
    member_proba = committee.member_proba(POOL)
    expected = {
        "vote_entropy": lambda: S.vote_entropy(
            np.searchsorted([0, 1, 2], committee.vote(POOL)), 3),
        "consensus_entropy": lambda: S.consensus_entropy(member_proba),
        "max_disagreement": lambda: S.kl_max_disagreement(member_proba),
    }[strategy]()
    np.testing.assert_allclose(committee.last_scores_, expected)
    rest = np.setdiff1d(np.arange(POOL.shape[0]), idx)
    assert expected[idx].min() >= expected[rest].max()


def test_committee_teach_reaches_every_member():
    committee = _mixed_committee()
    committee.teach(POOL[:5], Y_POOL[:5])
    assert all(m.X_training.shape[0] == 45 for m in committee)
    assert len(committee) == 3


def _knn_committee(seed):
    members = [ActiveLearner(KNeighborsClassifier(1), X_training=X[:40], y_training=y[:40],
                             random_state=seed + i) for i in range(3)]
    return Committee(members, "vote_entropy")


def _fitted_rows(member) -> np.ndarray:
    return member.estimator._fit_X  # what the 1-NN classifier was last fitted on


def test_rebag_refits_each_member_on_a_bootstrap_sample():
    committee = _knn_committee(seed=10)
    for member in committee:
        np.testing.assert_array_equal(_fitted_rows(member), X[:40])
    committee.rebag()
    samples = [_fitted_rows(m) for m in committee]
    for member, sample in zip(committee, samples, strict=True):
        np.testing.assert_array_equal(member.X_training, X[:40])  # the labels are kept
        assert sample.shape == (40, X.shape[1])
        rows = {tuple(r) for r in sample}
        assert rows <= {tuple(r) for r in X[:40]} and len(rows) < 40  # drawn with replacement
    assert not np.array_equal(samples[0], samples[1])
    again = _knn_committee(seed=10)
    again.rebag()
    for a, b in zip(samples, (_fitted_rows(m) for m in again), strict=True):
        np.testing.assert_array_equal(a, b)


def test_committee_teach_with_bootstrap():
    committee = _knn_committee(seed=0)
    committee.teach(POOL[:10], Y_POOL[:10], bootstrap=True)
    for member in committee:
        assert member.X_training.shape[0] == 50
        assert len({tuple(r) for r in _fitted_rows(member)}) < 50


def test_committee_regressor_queries_the_largest_spread():
    from tests.pools import regression_data

    Xr, yr = regression_data(n=90)
    members = [ActiveLearner(est, X_training=Xr[:20], y_training=yr[:20])
               for est in (DecisionTreeRegressor(max_depth=2, random_state=0), Ridge(),
                           DecisionTreeRegressor(max_depth=5, random_state=0))]
    committee = CommitteeRegressor(members, "max_std")
    idx, _ = committee.query(Xr[20:], n_instances=4)
    preds = np.column_stack([m.estimator.predict(Xr[20:]) for m in members])
    std = preds.std(axis=1)
    np.testing.assert_allclose(committee.last_scores_, std)
    assert set(idx.tolist()) == set(np.argsort(-std)[:4].tolist())
    mean, spread = committee.predict(Xr[20:], return_std=True)
    np.testing.assert_allclose(mean, preds.mean(axis=1))
    np.testing.assert_allclose(spread, std)
    assert committee.score(Xr[20:], yr[20:]) > 0.0


def test_committee_rejects_bare_estimators():
    with pytest.raises(TypeError, match="wrap each estimator as ActiveLearner"):
        Committee([LogisticRegression()])
    with pytest.raises(ValueError, match="at least one learner"):
        Committee([])


# ------------------------------------------------------------------ Bayesian optimiser


def _target(x):
    return -((x - 0.7) ** 2) + 0.1 * np.sin(15 * x)


GRID = np.linspace(0, 1, 101).reshape(-1, 1)


def _optimizer(strategy):
    start = np.array([5, 50, 95])
    gp = GaussianProcessRegressor(RBF(0.2), optimizer=None, normalize_y=True)
    return BayesianOptimizer(gp, strategy, X_training=GRID[start],
                             y_training=_target(GRID[start]).ravel(), random_state=0)


@pytest.mark.parametrize("strategy, score, params", [
    ("max_EI", S.expected_improvement, {"tradeoff": 0.01}),
    ("max_PI", S.probability_of_improvement, {"tradeoff": 0.01}),
    ("max_UCB", S.upper_confidence_bound, {"beta": 2.0}),
])
def test_bayesian_optimizer_acquisitions(strategy, score, params):
    opt = _optimizer(strategy)
    idx, _ = opt.query(GRID, n_instances=1, **params)
    mean, std = opt.estimator.predict(GRID, return_std=True)
    if strategy == "max_UCB":
        expected = score(mean, std, params["beta"])
    else:
        expected = score(mean, std, opt.y_max, params["tradeoff"])
    np.testing.assert_allclose(opt.last_scores_, expected, rtol=1e-9, atol=1e-12)
    assert expected[idx[0]] == pytest.approx(expected.max())
    for _ in range(8):
        idx, rows = opt.query(GRID, n_instances=1, **params)
        opt.teach(rows, _target(rows).ravel())
    x_best, y_best = opt.get_max()
    assert y_best == pytest.approx(_target(GRID).max(), abs=0.01)
    assert y_best == np.max(opt.y_training)
    np.testing.assert_array_equal(x_best, opt.X_training[np.argmax(opt.y_training)])


def test_improvement_acquisition_needs_an_observation():
    opt = BayesianOptimizer(GaussianProcessRegressor(), "max_EI")
    assert opt.get_max() == (None, -np.inf) and not opt.model_ready  # modAL's empty maximum
    from alwild.acquisition import max_EI, max_UCB

    prior = GaussianProcessRegressor()  # predicts from its prior, but has seen nothing
    with pytest.raises(ValueError, match="at least one observed target: teach the learner"):
        max_EI(prior, GRID)
    assert max_UCB(prior, GRID, n_instances=2)[0].size == 2


def test_vote_entropy_needs_only_votes():
    from sklearn.svm import LinearSVC

    members = [ActiveLearner(LinearSVC(C=c), X_training=X_LAB, y_training=Y_LAB)
               for c in (0.01, 1.0, 100.0)]
    committee = Committee(members, "vote_entropy")
    committee.query(POOL, n_instances=3)
    np.testing.assert_allclose(committee.last_scores_, S.vote_entropy(
        np.searchsorted(committee.classes_, committee.vote(POOL)), 3))
    committee.query_strategy = __import__("alwild").get_strategy("consensus_entropy")
    with pytest.raises(TypeError, match="'consensus_entropy' needs class probabilities"):
        committee.query(POOL)


# ------------------------------------------------------------- other pools and labels


@pytest.mark.parametrize("kind", ["ndarray", "csr", "frame", "memmap"])
def test_teach_keeps_the_labelled_set_in_the_pools_type(kind, tmp_path):
    from tests.pools import make_pool

    lab = X_LAB if kind == "memmap" else make_pool(kind, X_LAB, tmp_path)
    pool = make_pool(kind, POOL, tmp_path)
    est = frame_pipeline(LogisticRegression(max_iter=500)) if kind == "frame" else \
        LogisticRegression(max_iter=500)
    learner = ActiveLearner(est, "margin", lab, Y_LAB)
    idx, rows = learner.query(pool, n_instances=4)
    learner.teach(rows, Y_POOL[idx])
    assert type(learner.X_training) is type(lab)
    assert learner.X_training.shape[0] == N_LABELLED + 4
    from sklearn.base import clone

    refit = clone(est).fit(learner.X_training, learner.y_training)
    np.testing.assert_allclose(learner.predict_proba(pool), refit.predict_proba(pool))


def test_a_pool_of_texts_with_a_text_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    words = np.array(["apple pie", "apple tart", "pear pie", "car engine", "car wheel",
                      "bus engine", "apple juice", "train wheel", "pear juice", "bus stop"])
    labels = np.array([0, 0, 0, 1, 1, 1, 0, 1, 0, 1])
    model = make_pipeline(TfidfVectorizer(), LogisticRegression())
    cold = ActiveLearner(model, "entropy", random_state=0)
    idx, rows = cold.query(list(words), n_instances=2)  # unfitted pipeline: random cold start
    assert cold.last_strategy_ == "cold_start:random" and len(rows) == 2
    learner = ActiveLearner(model, "entropy", list(words[[0, 3]]), labels[[0, 3]])
    for strategy in ("entropy", "coreset", "ranked_batch", "cluster_margin"):
        learner.query_strategy = __import__("alwild").get_strategy(strategy)
        idx, rows = learner.query(list(words[1:]), n_instances=3)
        assert rows == [words[1:][i] for i in idx] and np.unique(idx).size == 3
    learner.teach(rows, labels[1:][idx])
    assert learner.X_training == list(words[[0, 3]]) + rows


@pytest.mark.parametrize("strategy", ["class_quota", "expected_error_reduction", "margin"])
def test_string_class_labels(strategy):
    names = np.array(["cat", "dog", "emu"])[y]
    strategy = __import__("alwild").get_strategy(strategy)
    if strategy.name == "expected_error_reduction":
        strategy = strategy.with_params(n_candidates=5, n_eval=30)
    learner = ActiveLearner(LogisticRegression(max_iter=500), strategy, X_LAB, names[:N_LABELLED])
    idx, rows = learner.query(POOL, n_instances=3)
    learner.teach(rows, names[N_LABELLED:][idx])
    assert learner.classes_.tolist() == ["cat", "dog", "emu"]


def test_string_class_labels_in_a_committee():
    names = np.array(["cat", "dog", "emu"])[y]
    members = [ActiveLearner(DecisionTreeClassifier(max_depth=d, random_state=0),
                             X_training=X_LAB, y_training=names[:N_LABELLED]) for d in (1, 3)]
    committee = Committee(members, "vote_entropy")
    committee.query(POOL, n_instances=2)
    assert set(committee.vote(POOL).ravel()) <= {"cat", "dog", "emu"}
    assert committee.last_scores_.max() > 0


def test_bayesian_optimizer_best_point_of_a_frame():
    import pandas as pd

    frame = pd.DataFrame({"a": np.linspace(0, 1, 5), "b": np.arange(5.0)})
    opt = BayesianOptimizer(GaussianProcessRegressor(), X_training=frame,
                            y_training=np.array([0.0, 3.0, 1.0, 2.0, 0.0]))
    x_best, y_best = opt.get_max()
    assert y_best == 3.0
    pd.testing.assert_series_equal(x_best, frame.iloc[1])


def test_a_prefitted_estimator_is_used_without_labelled_data():
    clf = LogisticRegression(max_iter=500).fit(X_LAB, Y_LAB)
    learner = ActiveLearner(clf, "entropy")
    assert learner.X_training is None and learner.is_fitted
    idx, _ = learner.query(POOL, n_instances=3)
    assert learner.last_strategy_ == "entropy"
    assert set(idx.tolist()) == set(np.argsort(-S.entropy(clf.predict_proba(POOL)))[:3].tolist())
    with pytest.raises(ValueError, match="the pool has 3 features but the learner was trained "):
        learner.query(POOL[:, :3])
    learner.teach(POOL[:6], Y_POOL[:6])
    assert learner.X_training.shape == (6, 4)
    refit = LogisticRegression(max_iter=500).fit(POOL[:6], Y_POOL[:6])
    np.testing.assert_allclose(learner.estimator.coef_, refit.coef_)


def test_bagging_with_one_label_per_class():
    """Early on a bootstrap sample often holds a single class: it is redrawn, not fitted."""
    two = np.array([np.flatnonzero(y == 0)[0], np.flatnonzero(y == 1)[0]])
    members = [ActiveLearner(KNeighborsClassifier(1), X_training=X[two], y_training=y[two],
                             random_state=s) for s in range(6)]
    committee = Committee(members, "vote_entropy")
    for _ in range(5):
        committee.rebag()
        for member in committee:
            fitted_y = member.estimator._y
            assert np.unique(fitted_y).size == 2
    committee.teach(POOL[:1], Y_POOL[:1], bootstrap=True)
    assert all(m.y_training.size == 3 for m in committee)
