"""The bandit behind ``auto`` (alwild.select.bandit): a proper mixture with its floor,
exact draw probabilities and importance weights that are unbiased (checked against a
Monte-Carlo estimate on a synthetic pool)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.errors import UserValueError
from alwild.select import bandit

log_weights = st.lists(st.floats(-50, 50), min_size=1, max_size=6).map(np.array)


@settings(max_examples=60, deadline=None)
@given(w=log_weights, share=st.floats(0, 1))
def test_probabilities_sum_to_one_and_keep_the_floor(w, share):
    floor = share / w.size
    p = bandit.arm_probabilities(w, floor)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(p >= floor - 1e-12)
    assert int(np.argmax(p)) == int(np.argmax(w)) or np.isclose(p.max(), p[np.argmax(w)])
    soft = np.exp(w - w.max()) / np.exp(w - w.max()).sum()
    free = p > floor + 1e-12  # the arms above the floor keep their weights' proportions
    if free.any():
        assert p[free] / p[free].sum() == pytest.approx(soft[free] / soft[free].sum())
    if np.all(soft >= floor):  # the floor takes nothing from weights that already meet it
        assert p == pytest.approx(soft)


@settings(max_examples=60, deadline=None)
@given(share=st.floats(0.001, 0.999), floor=st.floats(0, 0.5))
def test_two_arms_are_the_weights_clipped_to_the_floor(share, floor):
    p = bandit.arm_probabilities(np.log([share, 1 - share]), floor)
    assert p[0] == pytest.approx(min(max(share, floor), 1 - floor))


def test_a_floor_above_one_over_k_is_refused():
    with pytest.raises(UserValueError, match="floor"):
        bandit.arm_probabilities(np.zeros(4), 0.3)


@given(k=st.integers(1, 8), rounds=st.integers(0, 10_000), start=st.floats(0.05, 1.0))
def test_the_floor_starts_at_its_start_and_narrows_to_its_minimum(k, rounds, start):
    floor = bandit.exploration_floor(k, rounds, minimum=0.05, start=start)
    assert bandit.exploration_floor(k, 0) == pytest.approx(1 / k)
    assert bandit.exploration_floor(k, 0, start=start) == pytest.approx(min(start, 1 / k))
    assert min(0.05, 1 / k) - 1e-12 <= floor <= min(start, 1 / k) + 1e-12
    assert bandit.exploration_floor(k, rounds + 1, start=start) <= floor


@given(st.lists(st.integers(0, 6), max_size=40))
def test_unseen_class_mass_is_add_one_good_turing(labels):
    counts = {c: labels.count(c) for c in set(labels)}
    singletons = sum(1 for n in counts.values() if n == 1)
    mass = bandit.unseen_class_mass(np.array(labels, dtype=int))
    assert mass == pytest.approx((singletons + 1) / (len(labels) + 1))
    assert 0 < mass <= 1
    if labels:  # one more label of a class already seen twice never raises it
        twice = [c for c, n in counts.items() if n >= 2]
        if twice:
            assert bandit.unseen_class_mass(np.array(labels + twice[:1])) < mass


def _rankings(n, rng):
    return [rng.permutation(n), None, np.argsort(-np.arange(n) % 7, kind="stable")]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 30), seed=st.integers(0, 999), data=st.data())
def test_slots_are_distinct_and_q_matches_an_independent_sum(n, seed, data):
    rng = np.random.default_rng(seed)
    k = data.draw(st.integers(1, n))
    p = rng.dirichlet(np.ones(3))
    rankings = _rankings(n, rng)
    rows, q, n_available, credit = bandit.draw_slots(p, rankings, n, k, random_state=seed)
    assert np.unique(rows).size == k and rows.min() >= 0 and rows.max() < n
    taken: set[int] = set()
    for slot, row in enumerate(rows):
        proposed = [next(int(r) for r in ranking if int(r) not in taken)
                    for ranking in (rankings[0], rankings[2])]
        expected = p[0] * (proposed[0] == row) + p[2] * (proposed[1] == row) + \
            p[1] / (n - slot)
        assert q[slot] == pytest.approx(expected)
        assert n_available[slot] == n - slot
        assert credit[slot, 1] == pytest.approx(1 / ((n - slot) * q[slot]))
        taken.add(int(row))


def _weighted_errors(p, arms, f, k, draws):
    """Per draw and slot, ``w · f(row)`` minus the mean of ``f`` over the rows it was drawn
    from; and per draw the unweighted mean of the rows minus the pool's."""
    n = f.size
    errors = np.empty((draws, k))
    naive = np.empty(draws)
    for i in range(draws):
        rows, q, n_available, _ = bandit.draw_slots(p, arms, n, k, random_state=i)
        w = bandit.importance_weights(q, n_available)
        for slot in range(k):
            available = np.setdiff1d(np.arange(n), rows[:slot])
            errors[i, slot] = w[slot] * f[rows[slot]] - f[available].mean()
        naive[i] = f[rows].mean() - f.mean()
    return errors, naive


def test_importance_weighted_means_are_unbiased_monte_carlo():
    """E[w · f(x)] over a slot's draw equals the mean of f over the rows it was drawn from,
    whatever the arms prefer (here two arms that love the rows where f is largest)."""
    draws = 6000
    rng = np.random.default_rng(0)
    f = rng.normal(size=40) + np.linspace(0, 3, 40)
    best_first = np.argsort(-f)
    errors, naive = _weighted_errors(np.array([0.6, 0.25, 0.15]),
                                     [best_first, None, best_first[::-1]], f, 3, draws)
    se = errors.std(axis=0, ddof=1) / np.sqrt(draws)
    assert np.all(np.abs(errors.mean(axis=0)) < 4 * se)
    assert naive.mean() > 10 * naive.std(ddof=1) / np.sqrt(draws)  # unweighted: biased


def test_the_weighted_gain_is_exactly_unbiased_brute_force():
    """One slot from a tiny pool: the exact expectation, over every way the slot can be
    drawn (enumerated here independently of draw_slots), of w · (after - before) is the
    pool's mean gain, with the q that draw_slots reports for each row."""
    n = 5
    after = np.array([1, 1, 0, 1, 0])
    before = np.array([0, 1, 1, 0, 0])
    rankings = [np.array([2, 0, 1, 3, 4]), None, np.array([4, 3, 2, 1, 0])]
    p = np.array([0.5, 0.2, 0.3])
    exact = {row: 0.2 / n for row in range(n)}
    exact[2] += 0.5
    exact[4] += 0.3
    reported = {}
    for seed in range(200):
        rows, q, n_available, _ = bandit.draw_slots(p, rankings, n, 1, random_state=seed)
        reported[int(rows[0])] = (q[0], n_available[0])
    assert set(reported) == set(range(n))
    expectation = sum(exact[row] * bandit.weighted_gain(
        bandit.importance_weights(np.array([q]), np.array([n_av])),
        after[[row]], before[[row]]) for row, (q, n_av) in reported.items())
    assert expectation == pytest.approx((after - before).mean(), abs=1e-12)
    for row, (q, _) in reported.items():
        assert q == pytest.approx(exact[row])


def test_weighted_gain_and_the_exp4_weights_by_hand():
    w = np.array([0.5, 2.0, 1.0])
    gain = bandit.weighted_gain(w, np.array([1, 1, 0]), np.array([0, 1, 1]))
    assert gain == pytest.approx((0.5 * 1 + 0 + 1.0 * -1) / 3)
    assert bandit.weighted_gain(np.array([]), np.array([]), np.array([])) == 0.0
    credits = np.array([[4.0, 0.5], [0.0, 1.0], [1.0, 1.0]])
    gains = np.array([0.02, -0.04, 0.01])  # scaled by the largest, 0.04
    np.testing.assert_allclose(bandit.exp4_log_weights(credits, gains, 0.1),
                               0.1 * np.array([4 * 0.5 + 1 * 0.25, 0.5 * 0.5 - 1 + 0.25]))
    np.testing.assert_allclose(bandit.exp4_log_weights(credits, np.zeros(3), 0.1), [0, 0])


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(UserValueError, match="sum to 1"):
        bandit.draw_slots(np.array([0.5, 0.2]), [None, None], 5, 1)
    with pytest.raises(UserValueError, match="rankings"):
        bandit.draw_slots(np.array([1.0]), [None, None], 5, 1)
    with pytest.raises(UserValueError, match="fewer than"):
        bandit.draw_slots(np.array([1.0]), [np.array([0])], 5, 2)
    with pytest.raises(UserValueError, match=r"\(0, 1\]"):
        bandit.importance_weights(np.array([0.0]), np.array([3]))


def test_taking_the_whole_pool_keeps_every_q_within_one():
    """When every arm names the same row (the last slots of a batch that empties the
    pool), q sums the whole mixture: rounding must not push it above 1."""
    p = np.array([0.1, 0.2, 0.7])
    p = p / p.sum()
    order = np.arange(7)
    rows, q, n_available, _ = bandit.draw_slots(p, [order, None, order[::-1]], 7, 7,
                                                random_state=3)
    assert sorted(rows.tolist()) == list(range(7)) and np.all(q <= 1.0)
    assert q[-1] == pytest.approx(1.0)
    bandit.importance_weights(q, n_available)  # accepted


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 30), seed=st.integers(0, 999), data=st.data())
def test_q_with_a_proportional_arm_matches_an_independent_sum(n, seed, data):
    """A ranking, a uniform and a proportional arm (power sampling) mixed: each slot's q
    is p_rank·[recommended] + p_uniform / left + p_prop · w(row) / w(rows left)."""
    rng = np.random.default_rng(seed)
    k = data.draw(st.integers(1, n))
    p = rng.dirichlet(np.ones(3))
    w = rng.uniform(0.01, 1.0, n)
    ranking = rng.permutation(n)
    arms = [ranking, None, bandit.Proportional(np.log(w))]
    rows, q, _, credit = bandit.draw_slots(p, arms, n, k, random_state=seed)
    assert np.unique(rows).size == k
    taken = np.zeros(n, dtype=bool)
    for slot, row in enumerate(rows):
        proposed = next(int(r) for r in ranking if not taken[r])
        share = np.array([proposed == row, 1 / (n - slot), w[row] / w[~taken].sum()])
        assert q[slot] == pytest.approx(p @ share)
        np.testing.assert_allclose(credit[slot], share / q[slot])
        taken[row] = True


def test_importance_weights_stay_unbiased_with_a_proportional_arm():
    """As the Monte-Carlo check above, with power sampling as one of the arms."""
    draws = 6000
    rng = np.random.default_rng(1)
    f = rng.normal(size=30) + np.linspace(0, 3, 30)
    weights = np.exp(f - f.max())  # prefers the rows where f is largest
    arms = [np.argsort(-f), None, bandit.Proportional(np.log(weights))]
    errors, naive = _weighted_errors(np.array([0.3, 0.1, 0.6]), arms, f, 3, draws)
    se = errors.std(axis=0, ddof=1) / np.sqrt(draws)
    assert np.all(np.abs(errors.mean(axis=0)) < 4 * se)
    assert naive.mean() > 10 * naive.std(ddof=1) / np.sqrt(draws)


@settings(max_examples=60, deadline=None)
@given(w=log_weights)
def test_a_floor_of_one_over_k_is_the_uniform_mixture_without_warnings(w):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0/0 once rounding raised every arm
        p = bandit.arm_probabilities(w, 1.0 / w.size)
    assert p == pytest.approx(np.full(w.size, 1.0 / w.size))
