"""power_margin (stochastic batch acquisition, Kirsch et al. 2023): a draw without
replacement in proportion to ``score ** beta``. Checked against independent computations:
uniform at beta = 0 (chi-square), top-k for a large beta, the first slot's frequencies
against ``score ** beta``, exact draw probabilities, and as one of auto's arms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from alwild import ActiveLearner, get_strategy
from alwild import scores as S
from alwild.errors import UserValueError
from alwild.select import Proportional, draw_slots
from alwild.strategies import power_log_weights


def _draw(scores, beta, k, seed):
    arm = Proportional(power_log_weights(np.asarray(scores), beta))
    return draw_slots(np.ones(1), [arm], len(scores), k, random_state=seed)


@settings(max_examples=50, deadline=None)
@given(scores=st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1)), min_size=1, max_size=30),
       beta=st.sampled_from([0.0, 0.5, 1.0, 3.0]), seed=st.integers(0, 10_000), data=st.data())
def test_rows_never_repeat_and_q_is_the_weight_share_of_the_rows_left(scores, beta, seed, data):
    scores = np.array(scores)  # none tiny: this reference's score ** beta would underflow
    k = data.draw(st.integers(1, scores.size))
    rows, q, n_available, credit = _draw(scores, beta, k, seed)
    assert np.unique(rows).size == k and 0 <= rows.min() and rows.max() < scores.size
    weights = np.ones_like(scores) if beta == 0 else scores ** beta
    taken = np.zeros(scores.size, dtype=bool)
    for slot, row in enumerate(rows):
        left = weights[~taken]
        # rows of weight 0 only once no other is left, then uniformly
        expected = 1 / left.size if left.sum() == 0 else weights[row] / left.sum()
        assert q[slot] == pytest.approx(expected, rel=1e-9)
        assert n_available[slot] == scores.size - slot
        assert credit[slot, 0] == pytest.approx(1.0)  # the only arm: P_a(row) / q = 1
        taken[row] = True


def test_the_row_probabilities_sum_to_one_over_the_rows_left():
    arm = Proportional(power_log_weights(np.array([0.0, 0.2, 0.5, 0.9, 0.0]), 1.0))
    taken = np.array([False, True, False, False, False])
    p = arm.probabilities(taken)
    assert p.sum() == pytest.approx(1.0) and p[1] == 0 and p[0] == 0 and p[4] == 0
    np.testing.assert_allclose(p[[2, 3]], [0.5 / 1.4, 0.9 / 1.4])
    # only rows of weight 0 left: uniform among them
    np.testing.assert_allclose(arm.probabilities(np.array([False, 1, 1, 1, False], bool)),
                               [0.5, 0, 0, 0, 0.5])


def test_beta_zero_draws_uniformly_chi_square():
    scores = np.linspace(0.0, 1.0, 8) ** 3  # very unequal scores, one of them 0
    firsts = np.array([_draw(scores, 0.0, 3, seed)[0][0] for seed in range(4000)])
    counts = np.bincount(firsts, minlength=scores.size)
    assert stats.chisquare(counts).pvalue > 1e-3
    # and the same scores at beta = 1 are far from uniform
    firsts = np.array([_draw(scores, 1.0, 3, seed)[0][0] for seed in range(4000)])
    assert stats.chisquare(np.bincount(firsts, minlength=scores.size)).pvalue < 1e-12


def test_the_first_slot_follows_score_to_the_beta_chi_square():
    scores = np.array([0.05, 0.1, 0.3, 0.5, 0.7, 0.95])
    beta = 2.0
    firsts = np.array([_draw(scores, beta, 2, seed)[0][0] for seed in range(5000)])
    expected = scores ** beta / np.sum(scores ** beta) * firsts.size
    assert stats.chisquare(np.bincount(firsts, minlength=scores.size), expected).pvalue > 1e-3


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), data=st.data())
def test_a_large_beta_is_top_k(seed, n, data):
    rng = np.random.default_rng(seed)
    scores = rng.permutation(n) / n + 0.5 / n  # distinct, in (0, 1)
    k = data.draw(st.integers(1, n))
    rows, *_ = _draw(scores, 1e4, k, seed)
    assert rows.tolist() == np.argsort(-scores)[:k].tolist()


def test_rows_the_model_is_sure_of_come_last():
    scores = np.array([0.0, 0.4, 0.0, 0.8, 0.0])
    rows, q, _, _ = _draw(scores, 1.0, 4, 0)
    assert set(rows[:2].tolist()) == {1, 3}
    assert q[2:].tolist() == pytest.approx([1 / 3, 1 / 2])


def _model(seed=0):
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3,
                               n_clusters_per_class=1, random_state=seed)
    return LogisticRegression().fit(X[:30], y[:30]), X[30:]


def test_the_strategy_draws_on_margin_and_is_seeded():
    clf, pool = _model()
    strategy = get_strategy("power_margin")
    idx, scores = strategy.pick(clf, pool, 10, random_state=3)
    np.testing.assert_allclose(scores, S.margin(clf.predict_proba(pool)))
    again, _ = strategy.pick(clf, pool, 10, random_state=3)
    other, _ = strategy.pick(clf, pool, 10, random_state=4)
    assert idx.tolist() == again.tolist() and idx.tolist() != other.tolist()
    assert np.unique(idx).size == 10
    # beta as a parameter: very large is margin's top-k (as a set; margin breaks ties)
    top = get_strategy("margin").pick(clf, pool, 10, random_state=0)[0]
    sharp = strategy.pick(clf, pool, 10, random_state=0, beta=1e4)[0]
    assert set(sharp.tolist()) == set(top.tolist())


def test_drawn_rows_are_more_uncertain_than_random_but_spread():
    """At beta = 1 the picks' mean score lies between random's and top-k's."""
    clf, pool = _model(1)
    scores = S.margin(clf.predict_proba(pool))
    drawn = np.mean([scores[get_strategy("power_margin").pick(clf, pool, 20,
                                                               random_state=s)[0]].mean()
                     for s in range(30)])
    assert scores.mean() < drawn < np.sort(scores)[-20:].mean()


def test_bad_beta_and_bad_scores_say_what_is_wrong():
    with pytest.raises(UserValueError, match="beta"):
        get_strategy("power_margin", beta=-1.0)
    with pytest.raises(UserValueError, match="beta"):
        power_log_weights(np.array([0.5]), float("nan"))
    with pytest.raises(UserValueError, match="scores >= 0"):
        power_log_weights(np.array([0.5, -0.1]), 1.0)
    with pytest.raises(UserValueError, match="one weight per pool row"):
        draw_slots(np.ones(1), [Proportional(np.zeros(3))], 4, 1)


def test_as_an_arm_of_auto_its_slots_and_weights_are_recorded():
    X, y = make_classification(n_samples=400, n_features=6, n_informative=4, n_classes=3,
                               n_clusters_per_class=1, random_state=2)
    strategy = get_strategy("auto", arms=("power_margin", "random"), prior=(0.95, 0.05))
    learner = ActiveLearner(LogisticRegression(), strategy, X[:12], y[:12], random_state=0)
    pool = np.arange(12, len(y))
    for _ in range(6):
        idx, _ = learner.query(X[pool], 6)
        assert np.unique(idx).size == 6
        learner.teach(X[pool[idx]], y[pool[idx]])
        pool = np.delete(pool, idx)
    slots = [arm for h in strategy.history for arm in h["slots"]]
    assert "power_margin" in slots and set(slots) <= set(strategy.all_arms)
    assert all(isinstance(h["reward"], float) for h in strategy.history[:-2])
