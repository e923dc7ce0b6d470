"""alwild.utils.selection against modAL 0.4.2's selectors and the rules they promise."""

from __future__ import annotations

import modAL.utils.selection as theirs
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild.utils import selection as ours

values = arrays(np.float64, st.integers(1, 40), elements=st.integers(0, 6).map(float))


def _k(data, n):
    return data.draw(st.integers(1, n))


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_multi_argmax_takes_the_largest_values_best_first(v, data):
    k = _k(data, v.size)
    idx, picked = ours.multi_argmax(v, k)
    assert np.unique(idx).size == k and np.array_equal(picked, v[idx])
    assert np.all(np.diff(picked) <= 0), "best first"
    np.testing.assert_array_equal(np.sort(picked), np.sort(theirs.multi_argmax(v, k)[1]))
    np.testing.assert_array_equal(ours.multi_argmin(v, k)[1],
                                  np.sort(theirs.multi_argmin(v, k)[1]))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.data())
def test_shuffled_argmax_lists_distinct_values_as_modal_does(n, data):
    v = np.array(data.draw(st.permutations(range(n))), dtype=float)
    k = _k(data, n)
    np.testing.assert_equal(ours.shuffled_argmax(v, k), theirs.shuffled_argmax(v, k))
    np.testing.assert_equal(ours.shuffled_argmin(v, k), theirs.shuffled_argmin(v, k))


def test_ties_go_to_a_seeded_random_row_the_same_one_as_the_faces():
    from sklearn.dummy import DummyClassifier

    from alwild.uncertainty import classifier_uncertainty, uncertainty_sampling

    clf = DummyClassifier().fit(np.zeros((4, 1)), [0, 1, 0, 1])  # every row ties
    X = np.zeros((500, 1))
    utility = classifier_uncertainty(clf, X)
    assert ours.multi_argmax(utility)[0] == uncertainty_sampling(clf, X)[0]
    picks = {int(ours.multi_argmax(utility, random_state=s)[0][0]) for s in range(20)}
    assert len(picks) > 10, "other seeds pick other tied rows"
    first = uncertainty_sampling(clf, X, random_tie_break=False)[0]
    assert first.tolist() == [0], "random_tie_break=False is modAL's first-index rule"


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(2, 30),
              elements=st.one_of(st.just(0.0), st.floats(0.01, 5))), st.data())
def test_weighted_random_draws_distinct_rows_of_positive_weight(w, data):
    positive = np.flatnonzero(w > 0)
    if positive.size == 0:
        return
    k = _k(data, positive.size)
    idx = ours.weighted_random(w, k, random_state=data.draw(st.integers(0, 99)))
    assert np.unique(idx).size == k and np.all(w[idx] > 0)


def test_weighted_random_follows_the_weights():
    w = np.array([1.0, 3.0])
    counts = np.bincount([ours.weighted_random(w, random_state=s)[0] for s in range(2000)])
    assert abs(counts[1] / 2000 - 0.75) < 0.04
