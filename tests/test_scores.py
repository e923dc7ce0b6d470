"""Scores: hand-computed values, hypothesis properties, and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from scipy.stats import entropy as scipy_entropy
from sklearn.linear_model import LogisticRegression

from alwild import scores as S
from tests.pools import classification_data

LN2 = math.log(2.0)


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


# ---------------------------------------------------------------- hand-computed values


def test_least_confident_by_hand():
    proba = np.array([[0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(S.least_confident(proba), [0.3, 2 / 3, 0.0])


def test_margin_by_hand():
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(S.margin(proba), [0.7, 0.8, 1.0, 0.0])


def test_margin_of_a_single_class_is_zero():
    np.testing.assert_array_equal(S.margin(np.ones((3, 1))), np.zeros(3))


def test_entropy_by_hand():
    proba = np.array([[0.25] * 4, [0.5, 0.25, 0.25, 0.0], [1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(S.entropy(proba), [2 * LN2, 1.5 * LN2, 0.0])


def test_a_certain_row_scores_positive_zero():
    certain = np.array([[1.0, 0.0], [0.0, 1.0]])
    for value in (S.entropy(certain), S.vote_entropy(np.array([[1, 1]]), 2),
                  S.consensus_entropy(certain[None])):
        assert not np.signbit(value).any(), value


def test_vote_entropy_by_hand():
    votes = np.array([[0, 0, 1, 2], [1, 1, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_allclose(S.vote_entropy(votes, 3), [1.5 * LN2, 0.0, LN2])


def test_vote_entropy_of_no_rows():
    assert S.vote_entropy(np.zeros((0, 3), dtype=int), 2).shape == (0,)


def _two_members():
    # member 1 says (0.8, 0.2), member 2 says (0.4, 0.6): consensus (0.6, 0.4)
    return np.array([[[0.8, 0.2]], [[0.4, 0.6]]])


def test_consensus_entropy_by_hand():
    expected = -(0.6 * math.log(0.6) + 0.4 * math.log(0.4))
    np.testing.assert_allclose(S.consensus_entropy(_two_members()), [expected])


def test_kl_max_disagreement_by_hand():
    kl1 = 0.8 * math.log(0.8 / 0.6) + 0.2 * math.log(0.2 / 0.4)
    kl2 = 0.4 * math.log(0.4 / 0.6) + 0.6 * math.log(0.6 / 0.4)
    np.testing.assert_allclose(S.kl_max_disagreement(_two_members()), [max(kl1, kl2)])


def test_bald_by_hand():
    h = lambda *p: -sum(x * math.log(x) for x in p if x > 0)  # noqa: E731
    expected = h(0.6, 0.4) - (h(0.8, 0.2) + h(0.4, 0.6)) / 2
    np.testing.assert_allclose(S.bald(_two_members()), [expected])
    agree = np.array([[[0.3, 0.7]], [[0.3, 0.7]], [[0.3, 0.7]]])
    np.testing.assert_allclose(S.bald(agree), [0.0], atol=1e-12)


def test_probability_of_improvement_by_hand():
    got = S.probability_of_improvement(np.array([1.0, 3.0]), np.array([2.0, 0.5]), best=0.0,
                                       tradeoff=0.5)
    np.testing.assert_allclose(got, [_cdf(0.25), _cdf(5.0)])


def test_expected_improvement_by_hand():
    got = S.expected_improvement(np.array([1.0]), np.array([2.0]), best=0.0, tradeoff=0.5)
    np.testing.assert_allclose(got, [0.5 * _cdf(0.25) + 2.0 * _phi(0.25)])
    below = S.expected_improvement(np.array([-3.0]), np.array([1.0]), best=0.0)
    np.testing.assert_allclose(below, [-3.0 * _cdf(-3.0) + _phi(-3.0)])


def test_acquisition_with_zero_std_is_deterministic():
    mean, std = np.array([2.0, -1.0]), np.zeros(2)
    np.testing.assert_array_equal(S.probability_of_improvement(mean, std, best=0.0), [1.0, 0.0])
    np.testing.assert_array_equal(S.expected_improvement(mean, std, best=0.0), [2.0, 0.0])


def test_upper_confidence_bound_by_hand():
    got = S.upper_confidence_bound(np.array([1.0, -1.0]), np.array([2.0, 0.0]), beta=0.5)
    np.testing.assert_allclose(got, [2.0, -1.0])


def test_acquisition_rejects_negative_std_and_mismatched_shapes():
    with pytest.raises(ValueError, match="non-negative"):
        S.upper_confidence_bound(np.zeros(2), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="differ in shape"):
        S.expected_improvement(np.zeros(2), np.ones(3), best=0.0)


def _future():
    candidate = np.array([[0.3, 0.7]])
    # label 0 added: evaluation rows (0.9, 0.1), (0.5, 0.5); label 1 added: (1, 0), (0.2, 0.8)
    future = np.array([[[[0.9, 0.1], [0.5, 0.5]], [[1.0, 0.0], [0.2, 0.8]]]])
    return candidate, future


def test_expected_error_zero_one_by_hand():
    candidate, future = _future()
    expected = 0.3 * (0.1 + 0.5) / 2 + 0.7 * (0.0 + 0.2) / 2
    np.testing.assert_allclose(S.expected_error(candidate, future, loss="01"), [-expected])


def test_expected_error_log_by_hand():
    candidate, future = _future()
    h = lambda *p: -sum(x * math.log(x) for x in p if x > 0)  # noqa: E731
    expected = 0.3 * (h(0.9, 0.1) + h(0.5, 0.5)) / 2 + 0.7 * (0.0 + h(0.2, 0.8)) / 2
    np.testing.assert_allclose(S.expected_error(candidate, future, loss="log"), [-expected])


def test_expected_error_rejects_unknown_loss_and_bad_shape():
    candidate, future = _future()
    with pytest.raises(ValueError, match="'log' or '01'"):
        S.expected_error(candidate, future, loss="hinge")
    with pytest.raises(ValueError, match="n_candidates, n_classes, n_eval, n_classes"):
        S.expected_error(candidate, future[0])


def test_random_scores_are_seeded_uniform():
    a, b = S.random_scores(1000, 3), S.random_scores(1000, 3)
    np.testing.assert_array_equal(a, b)
    assert 0.0 <= a.min() and a.max() < 1.0
    assert not np.array_equal(a, S.random_scores(1000, 4))


def test_scores_reject_wrong_dimensions():
    with pytest.raises(ValueError, match=r"\(n_samples, n_classes\)"):
        S.entropy(np.ones(3))
    with pytest.raises(ValueError, match=r"\(n_members, n_samples, n_classes\)"):
        S.consensus_entropy(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(n_samples, n_members\)"):
        S.vote_entropy(np.ones(3, dtype=int), 2)


# ------------------------------------------- expected gradient length vs brute force


def _softmax_loss(W: np.ndarray, b: np.ndarray, x: np.ndarray, label: int) -> float:
    z = W @ x + b
    z = z - z.max()
    return float(-(z[label] - math.log(np.exp(z).sum())))


def _numeric_gradient_norm(W, b, x, label, fit_intercept, h=1e-6) -> float:
    params = np.concatenate([W.ravel(), b]) if fit_intercept else W.ravel().copy()
    n_w = W.size
    grad = np.empty_like(params)
    for i in range(params.size):
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h

        def loss(p):
            bias = p[n_w:] if fit_intercept else np.zeros(W.shape[0])
            return _softmax_loss(p[:n_w].reshape(W.shape), bias, x, label)

        grad[i] = (loss(up) - loss(down)) / (2 * h)
    return float(np.linalg.norm(grad))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_expected_gradient_length_matches_numeric_gradient_of_sklearn_loss(fit_intercept):
    X, y = classification_data(n=60, n_features=3, n_classes=3, seed=2)
    clf = LogisticRegression(fit_intercept=fit_intercept, max_iter=1000).fit(X, y)
    W = clf.coef_
    b = clf.intercept_ if fit_intercept else np.zeros(3)
    rows = X[:8]
    proba = clf.predict_proba(rows)
    # sklearn's multinomial model is softmax(W x + b): check it independently first
    logits = rows @ W.T + b
    np.testing.assert_allclose(
        proba, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), rtol=1e-6
    )
    brute = [
        sum(proba[i, c] * _numeric_gradient_norm(W, b, rows[i], c, fit_intercept)
            for c in range(3))
        for i in range(rows.shape[0])
    ]
    got = S.expected_gradient_length(proba, rows, fit_intercept=fit_intercept)
    np.testing.assert_allclose(got, brute, rtol=1e-5)
    sparse_got = S.expected_gradient_length(proba, sparse.csr_matrix(rows), fit_intercept)
    np.testing.assert_allclose(sparse_got, got, rtol=1e-12)


# ------------------------------------------------------------- hypothesis properties


def _normalise(raw: np.ndarray) -> np.ndarray:
    raw = raw + 1e-3
    return raw / raw.sum(axis=-1, keepdims=True)


proba_arrays = st.tuples(st.integers(1, 12), st.integers(2, 6)).flatmap(
    lambda shape: hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0))
).map(_normalise)

member_arrays = st.tuples(st.integers(1, 5), st.integers(1, 8), st.integers(2, 5)).flatmap(
    lambda shape: hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1.0))
).map(_normalise)


def _permute(arr: np.ndarray, seed: int) -> np.ndarray:
    return arr[..., np.random.default_rng(seed).permutation(arr.shape[-1])]


@settings(max_examples=60, deadline=None)
@given(proba_arrays, st.integers(0, 2**32 - 1))
def test_single_model_scores_are_invariant_under_class_permutation(proba, seed):
    permuted = _permute(proba, seed)
    for score in (S.least_confident, S.margin, S.entropy):
        np.testing.assert_allclose(score(permuted), score(proba), atol=1e-12)
    X = np.random.default_rng(seed).normal(size=(proba.shape[0], 3))
    np.testing.assert_allclose(
        S.expected_gradient_length(permuted, X), S.expected_gradient_length(proba, X),
        rtol=1e-10,
    )


@settings(max_examples=60, deadline=None)
@given(member_arrays, st.integers(0, 2**32 - 1))
def test_committee_scores_are_invariant_under_class_permutation(member_proba, seed):
    permuted = _permute(member_proba, seed)
    for score in (S.consensus_entropy, S.kl_max_disagreement, S.bald):
        np.testing.assert_allclose(score(permuted), score(member_proba), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda c: st.tuples(st.just(c), hnp.arrays(np.int64, st.tuples(
            st.integers(1, 10), st.integers(1, 6)), elements=st.integers(0, c - 1)))
    ),
    st.integers(0, 2**32 - 1),
)
def test_vote_entropy_is_invariant_under_relabelling_and_matches_scipy(case, seed):
    n_classes, votes = case
    relabel = np.random.default_rng(seed).permutation(n_classes)
    got = S.vote_entropy(votes, n_classes)
    np.testing.assert_allclose(S.vote_entropy(relabel[votes], n_classes), got, atol=1e-12)
    counts = np.stack([(votes == c).sum(axis=1) for c in range(n_classes)], axis=1)
    np.testing.assert_allclose(got, scipy_entropy(counts, axis=1), atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(proba_arrays)
def test_bounds_of_single_model_scores(proba):
    n_classes = proba.shape[1]
    m, h, lc = S.margin(proba), S.entropy(proba), S.least_confident(proba)
    assert np.all((m >= -1e-12) & (m <= 1 + 1e-12))
    assert np.all((h >= -1e-12) & (h <= math.log(n_classes) + 1e-9))
    assert np.all((lc >= -1e-12) & (lc <= 1 - 1 / n_classes + 1e-12))
    np.testing.assert_allclose(h, scipy_entropy(proba, axis=1), atol=1e-12)
    top2 = np.sort(proba, axis=1)[:, -2:]
    np.testing.assert_allclose(m, 1 - (top2[:, 1] - top2[:, 0]), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(member_arrays)
def test_bounds_of_committee_scores(member_proba):
    consensus = S.consensus_entropy(member_proba)
    b, kl = S.bald(member_proba), S.kl_max_disagreement(member_proba)
    assert np.all(b >= 0) and np.all(b <= consensus + 1e-12)
    assert np.all(kl >= -1e-12)
    # the mean KL of members from the consensus is BALD; the max is at least the mean
    mean_kl = np.mean([scipy_entropy(m.T, member_proba.mean(axis=0).T) for m in member_proba],
                      axis=0)
    np.testing.assert_allclose(b, mean_kl, atol=1e-9)
    assert np.all(kl >= mean_kl - 1e-9)


finite = st.floats(-50, 50)


@settings(max_examples=80, deadline=None)
@given(finite, st.just(0.0) | st.floats(1e-100, 20), finite, st.floats(0, 5))
def test_acquisition_bounds(mean, std, best, tradeoff):
    m, s = np.array([mean]), np.array([std])
    pi = S.probability_of_improvement(m, s, best, tradeoff)
    ei = S.expected_improvement(m, s, best, tradeoff)
    assert 0.0 <= pi[0] <= 1.0
    # Jensen: E[max(f - t, 0)] >= max(E[f] - t, 0)
    assert ei[0] >= max(mean - best - tradeoff, 0.0) - 1e-9
    if std > 1e-6:
        assert S.upper_confidence_bound(m, s, 2.0)[0] > S.upper_confidence_bound(m, s, 1.0)[0]
