"""alwild.utils.data: stacking every pool type, as modAL 0.4.2's data_vstack does."""

from __future__ import annotations

import modAL.utils.data as theirs
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse

from alwild.utils.data import data_vstack, retrieve_rows


@pytest.mark.parametrize("fmt", ["csr", "csc", "lil"])
def test_sparse_and_dense_blocks_stack_as_in_modal(fmt):
    rng = np.random.default_rng(0)
    a, b = rng.random((3, 4)), rng.random((2, 4))
    np.testing.assert_array_equal(data_vstack((a, b)), theirs.data_vstack((a, b)))
    sa, sb = sparse.random(3, 4, format=fmt, random_state=1), sparse.random(2, 4, format=fmt)
    assert (data_vstack((sa, sb)) != theirs.data_vstack((sa, sb))).nnz == 0
    assert data_vstack((a.tolist(), b.tolist())) == theirs.data_vstack((a.tolist(), b.tolist()))
    ta, tb = torch.ones(2, 2), torch.zeros(1, 2)
    assert torch.equal(data_vstack((ta, tb)), theirs.data_vstack((ta, tb)))


def test_frames_stack_row_wise_and_other_types_are_refused():
    a = pd.DataFrame({"x": [1.0, 2.0]})
    b = pd.DataFrame({"x": [3.0]})
    assert data_vstack((a, b))["x"].tolist() == [1.0, 2.0, 3.0]
    assert data_vstack((a, b, b)).shape == (4, 1)
    with pytest.raises(TypeError, match="cannot append rows"):
        data_vstack((1, 1))


def test_retrieve_rows_gives_one_row_for_one_index():
    X = np.arange(6).reshape(3, 2)
    np.testing.assert_array_equal(retrieve_rows(X, 1), theirs.retrieve_rows(X, 1))
    frame = pd.DataFrame(X)
    assert retrieve_rows(frame, 2).tolist() == [4, 5]
    np.testing.assert_array_equal(retrieve_rows(X, [0, 2]), X[[0, 2]])


def test_the_other_data_helpers_match_modal():
    from alwild.utils import data as ours

    rng = np.random.default_rng(2)
    a, b = rng.random((3, 2)), rng.random((3, 1))
    np.testing.assert_array_equal(ours.data_hstack((a, b)), theirs.data_hstack((a, b)))
    sa = sparse.csr_matrix(a)
    assert (ours.data_hstack((sa, b)) != theirs.data_hstack((sa, b))).nnz == 0
    assert ours.data_hstack((a.tolist(), b.tolist())) == theirs.data_hstack((a.tolist(),
                                                                             b.tolist()))
    row = rng.random(2)
    np.testing.assert_array_equal(ours.add_row(a, row), theirs.add_row(a, row))
    assert ours.add_row(a.tolist(), [1.0, 2.0]) == theirs.add_row(a.tolist(), [1.0, 2.0])
    for X in (a, a.tolist(), sa):
        got, want = ours.drop_rows(X, [0, 2]), theirs.drop_rows(X, [0, 2])
        np.testing.assert_array_equal(sparse.csr_matrix(got).toarray(),
                                      sparse.csr_matrix(want).toarray())
        assert ours.data_shape(X) == theirs.data_shape(X)
    rows = [np.asarray(r).ravel().tolist() for _, r in ours.enumerate_data(a)]
    assert rows == a.tolist()
    with pytest.raises(TypeError, match="cannot stack"):
        ours.data_hstack((1, 2))
