"""alwild.utils.combination against modAL 0.4.2's combinators."""

from __future__ import annotations

import modAL.utils.combination as theirs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.utils import combination as ours
from alwild.utils.selection import multi_argmax

FUNCTIONS = [np.sin, np.cos, np.exp, np.square]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(4)), min_size=1, max_size=4), st.data())
def test_linear_combinations_and_products_match_modal(which, data):
    fns = [FUNCTIONS[i] for i in which]
    coef = data.draw(st.lists(st.floats(0.1, 3.0), min_size=len(fns), max_size=len(fns)))
    X = np.linspace(0.1, 1.0, 7)
    np.testing.assert_allclose(ours.make_linear_combination(*fns, weights=coef)(X),
                               theirs.make_linear_combination(*fns, weights=coef)(X))
    np.testing.assert_allclose(ours.make_product(*fns, exponents=coef)(X),
                               theirs.make_product(*fns, exponents=coef)(X))
    np.testing.assert_allclose(ours.make_linear_combination(*fns)(X),
                               sum(f(X) for f in fns))


def test_a_query_strategy_is_a_selector_over_a_utility():
    strategy = ours.make_query_strategy(lambda clf, X: X[:, 0], multi_argmax)
    idx, values = strategy(None, np.array([[0.2], [0.9], [0.5]]))
    assert idx.tolist() == [1] and values.tolist() == [0.9]


def test_one_coefficient_per_function():
    with pytest.raises(ValueError, match="got 2 functions but 1 weights"):
        ours.make_linear_combination(np.sin, np.cos, weights=[1.0])
    with pytest.raises(ValueError, match="got 1 functions but 2 exponents"):
        ours.make_product(np.sin, exponents=[1.0, 2.0])
