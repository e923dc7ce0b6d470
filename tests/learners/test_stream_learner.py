"""StreamLearner and stream policies on real (synthetic) streams."""

import numpy as np
import pytest
from scipy.stats import entropy as scipy_entropy
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

import alwild
from alwild.learners import ActiveLearner, StreamLearner
from alwild.scores import normalised_uncertainty
from alwild.stream import (
    BudgetManager,
    Periodic,
    RollingAccuracyDrift,
    VariableUncertainty,
    available_policies,
    get_policy,
)


def blobs(n, seed, flip=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, (1 - y if flip else y)


def play(sl, X, y, block=5):
    """Feed the stream in blocks (batched ask); teach the labels the learner asked for."""
    for start in range(0, len(y), block):
        _, query, _ = sl.ask(X[start : start + block])
        if query.any():
            sl.teach(X[start : start + block][query], y[start : start + block][query])
    return sl


def test_exported_from_the_package():
    assert alwild.StreamLearner is StreamLearner


@pytest.mark.parametrize("policy", available_policies())
def test_every_policy_respects_the_budget(policy):
    X, y = blobs(400, 0)
    sl = play(StreamLearner(GaussianNB(), policy, budget=0.1, random_state=0), X, y)
    assert 0 < sl.budget.spent <= 40
    assert sl.n_seen_ == 400 and sl.n_taught_ == sl.budget.spent


def test_variable_uncertainty_asks_for_more_uncertain_items_than_random():
    X, y = blobs(800, 1)
    asked = {}
    for policy in ("variable_uncertainty", "random"):
        sl = StreamLearner(GaussianNB(), policy, 0.1, random_state=0)
        scores = []
        for x_i, y_i in zip(X, y, strict=True):
            _, query, score = sl.ask(x_i)
            if query:
                scores.append(score)
                sl.teach(x_i, y_i)
        asked[policy] = np.mean(scores[len(scores) // 2 :])
    assert asked["variable_uncertainty"] > 2 * asked["random"]


def test_batched_ask_returns_arrays_and_single_ask_returns_scalars():
    X, y = blobs(50, 2)
    sl = StreamLearner(LogisticRegression(), budget=1.0, random_state=0)
    sl.teach(X[:10], y[:10])
    pred, query, score = sl.ask(X[10:20])
    assert pred.shape == query.shape == score.shape == (10,)
    assert query.dtype == bool and np.all((0 <= score) & (score <= 1))
    np.testing.assert_array_equal(pred, sl.predict(X[10:20]))
    p, q, s = sl.ask(X[20])
    assert isinstance(q, bool) and isinstance(s, float) and p in (0, 1)


def test_before_training_there_is_no_prediction_and_maximal_uncertainty():
    sl = StreamLearner(LogisticRegression(), budget=1.0)
    pred, query, score = sl.ask(np.zeros(3))
    assert pred is None and query and score == 1.0


def test_normalised_uncertainty_agrees_with_scipy_entropy():
    proba = np.random.default_rng(0).dirichlet(np.ones(4), size=20)
    expected = scipy_entropy(proba, axis=1) / np.log(4)
    np.testing.assert_allclose(normalised_uncertainty(proba, "entropy"), expected)
    np.testing.assert_allclose(
        normalised_uncertainty(proba, "least_confident"), (1 - proba.max(1)) / 0.75
    )


def test_wrong_number_of_features_is_a_clear_error():
    X, y = blobs(30, 3)
    sl = StreamLearner(LogisticRegression(), budget=1.0)
    sl.teach(X[:10], y[:10])
    with pytest.raises(ValueError, match="3 features but the stream has 2"):
        sl.ask(np.zeros(3))
    with pytest.raises(ValueError, match="features"):
        sl.teach(np.zeros((1, 5)), [0])


def test_unknown_class_is_refused_and_nothing_is_learned():
    X, y = blobs(30, 4)
    sl = StreamLearner(LogisticRegression(), budget=1.0, classes=[0, 1])
    sl.teach(X[:10], y[:10])
    with pytest.raises(ValueError, match="not among the known classes"):
        sl.teach(X[10], 7)
    assert sl.n_taught_ == 10 and len(sl.y_training) == 10


def test_budget_share_outside_unit_interval_is_an_error():
    with pytest.raises(ValueError, match="share must be in"):
        StreamLearner(LogisticRegression(), budget=1.5)
    with pytest.raises(TypeError, match="budget must be"):
        StreamLearner(LogisticRegression(), budget="ten percent")


def test_takes_over_an_active_learners_labelled_set():
    X, y = blobs(40, 5)
    al = ActiveLearner(LogisticRegression(), X_training=X[:20], y_training=y[:20])
    sl = StreamLearner(al, budget=0.5)
    assert sl.is_fitted and len(sl.y_training) == 20


def test_train_window_keeps_only_recent_labels():
    X, y = blobs(100, 6)
    sl = StreamLearner(LogisticRegression(), budget=1.0, train_window=30)
    sl.teach(X, y)
    np.testing.assert_array_equal(sl.y_training, y[-30:])


def test_drift_is_detected_and_the_model_recovers_faster_than_without():
    X1, y1 = blobs(400, 7)
    X2, y2 = blobs(250, 8, flip=True)
    X_test, y_test = blobs(500, 9, flip=True)
    scores = {}
    for name, drift in [("handled", RollingAccuracyDrift(window=15, min_drop=0.3)),
                        ("ignored", None)]:
        sl = StreamLearner(GaussianNB(), "split", budget=0.2, random_state=0, drift=drift)
        play(sl, X1, y1)
        assert sl.drifts_ == []
        play(sl, X2, y2)
        scores[name] = sl.score(X_test, y_test)
        if drift is not None:
            assert len(sl.drifts_) == 1 and 400 < sl.drifts_[0] < 500
    assert scores["handled"] > 0.9 > 0.5 > scores["ignored"]


def test_variable_uncertainty_threshold_moves_both_ways():
    p = VariableUncertainty(step=0.1)
    p.update(labelled=True)
    assert p.threshold == pytest.approx(0.9)
    p.update(labelled=False)
    assert p.threshold == pytest.approx(0.99)
    for _ in range(10):
        p.update(labelled=False)
    assert p.threshold == pytest.approx(1.1)  # capped just above 1
    assert p.wants(0.0, None)  # so even a fully confident item is asked for


def test_policy_errors_are_clear():
    with pytest.raises(ValueError, match="unknown stream policy"):
        get_policy("psychic")
    with pytest.raises(ValueError, match="period"):
        Periodic(0)
    with pytest.raises(ValueError, match="threshold"):
        get_policy("fixed_uncertainty", threshold=2.0)


def test_budget_manager_object_is_used_as_given():
    budget = BudgetManager(share=1.0, max_total=5)
    X, y = blobs(100, 10)
    play(StreamLearner(LogisticRegression(), "random", budget, policy_params={"rate": 1.0}), X, y)
    assert budget.spent == 5 and budget.remaining == 0


def test_a_warm_started_model_learns_a_class_that_arrives_later():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) + np.repeat([[0, 0], [5, 0], [0, 5]], 10, axis=0)
    y = np.repeat([0, 1, 2], 10)
    sl = StreamLearner(LogisticRegression(warm_start=True), policy="periodic")
    sl.teach(X[:20], y[:20])  # two classes: a (1, 2) coefficient matrix
    sl.teach(X[20:], y[20:])  # a third: the warm start cannot continue, so it starts afresh
    assert sl.estimator.classes_.tolist() == [0, 1, 2]
    assert (sl.predict(X) == y).mean() > 0.9
