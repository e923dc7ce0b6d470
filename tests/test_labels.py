"""alwild.labels: positions of labels among classes, aligned probabilities, votes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.labels import align_proba, label_positions, same_classes, vote_positions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=12, unique=True), st.data())
def test_positions_find_each_label_in_any_order_of_the_classes(classes, data):
    labels = data.draw(st.lists(st.sampled_from(classes), max_size=20))
    pos = label_positions(labels, classes)
    assert [classes[p] for p in pos] == labels


def test_aligned_probabilities_keep_each_column_under_its_label():
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    out = align_proba(proba, known=["dog", "ant"], all_labels=["ant", "cat", "dog"])
    np.testing.assert_array_equal(out, [[0.8, 0.0, 0.2], [0.4, 0.0, 0.6]])
    assert align_proba(proba, [0, 1], [0, 1]) is proba


def test_votes_become_class_positions_and_unknown_labels_are_named():
    assert vote_positions(np.array([["b", "a"], ["a", "a"]]), ["a", "b"]).tolist() == [[1, 0],
                                                                                       [0, 0]]
    with pytest.raises(ValueError, match=r"labels \[7\] are not among the classes \[0, 1\]"):
        label_positions([1, 7], [0, 1])
    assert same_classes([0, 1], [0, 1], [0, 1]) and not same_classes([0, 1], [1, 0])
