"""alwild.utils.validation against modAL 0.4.2's class-label checks."""

from __future__ import annotations

import modAL.utils.validation as theirs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError

from alwild.utils.validation import check_class_labels, check_class_proba


@settings(max_examples=60, deadline=None)
@given(st.permutations(list("abcdef")), st.data())
def test_probabilities_spread_over_all_labels_as_in_modal(all_labels, data):
    known = data.draw(st.lists(st.sampled_from(all_labels), min_size=1, unique=True))
    proba = np.random.default_rng(len(known)).random((5, len(known)))
    np.testing.assert_array_equal(
        check_class_proba(proba, known_labels=known, all_labels=all_labels),
        theirs.check_class_proba(proba, known_labels=known, all_labels=all_labels))


def test_class_labels_agree_as_in_modal():
    a = DummyClassifier().fit([[0], [1]], [0, 1])
    b = DummyClassifier().fit([[0], [1]], [1, 2])
    for models in ((a, a), (a, b), (b, a, a)):
        assert check_class_labels(*models) == theirs.check_class_labels(*models)
    with pytest.raises(NotFittedError, match="fit them all"):
        check_class_labels(a, DummyClassifier())
