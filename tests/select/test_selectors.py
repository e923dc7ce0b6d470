"""Selectors: top-k, k-center greedy, ranked batch, cluster diversity, class quotas.

Each is checked against a brute-force re-implementation of its rule (and, where one
exists, a peer library), with hypothesis generating the inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from scipy.spatial.distance import cdist

from alwild import select

score_arrays = hnp.arrays(
    np.float64, st.integers(1, 60),
    elements=st.sampled_from([0.0, 0.25, 0.5, 1.0, -np.inf, np.inf]) | st.floats(-10, 10),
)


# -------------------------------------------------------------------------------- top_k


@settings(max_examples=150, deadline=None)
@given(score_arrays, st.data())
def test_top_k_returns_k_unique_indices_of_maximal_scores(scores, data):
    k = data.draw(st.integers(1, scores.size), label="k")
    block = data.draw(st.integers(1, scores.size + 3), label="block_size")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    before = scores.copy()
    idx = select.top_k(scores, k, random_state=seed, block_size=block)
    np.testing.assert_array_equal(scores, before)
    assert idx.shape == (k,) and np.unique(idx).size == k
    assert idx.min() >= 0 and idx.max() < scores.size
    rest = np.setdiff1d(np.arange(scores.size), idx)
    if rest.size:
        assert scores[idx].min() >= scores[rest].max()
    assert np.all(scores[idx][:-1] >= scores[idx][1:]), "best first"
    np.testing.assert_array_equal(np.sort(scores[idx]), np.sort(scores)[-k:])
    np.testing.assert_array_equal(idx, select.top_k(scores, k, random_state=seed, block_size=block))


def test_top_k_breaks_ties_at_random_but_reproducibly():
    scores = np.r_[np.full(30, 0.5), 0.9]
    picks = {tuple(select.top_k(scores, 4, random_state=s)) for s in range(20)}
    assert len(picks) > 10, "different seeds pick different tied rows"
    assert all(p[0] == 30 for p in picks), "the strict maximum always comes first"
    a = select.top_k(scores, 4, random_state=7)
    np.testing.assert_array_equal(a, select.top_k(scores, 4, random_state=7))


@pytest.mark.parametrize("block_size", [3, 1 << 18])
def test_top_k_tie_break_is_uniform_across_blocks(block_size):
    # ten tied rows spread over several blocks: each should win about 1/10 of the time
    scores = np.r_[np.zeros(5), np.ones(10), np.zeros(5)]
    wins = np.zeros(scores.size)
    rng = np.random.default_rng(0)
    for _ in range(3000):
        wins[select.top_k(scores, 1, random_state=rng, block_size=block_size)[0]] += 1
    assert wins[:5].sum() == 0 and wins[15:].sum() == 0
    expected = 300
    chi2 = ((wins[5:15] - expected) ** 2 / expected).sum()
    assert chi2 < 30, f"tie-break is not uniform: {wins[5:15]}"  # 9 dof, p ~ 4e-4


def test_top_k_works_on_integer_scores_and_read_only_arrays():
    scores = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    scores.setflags(write=False)
    assert select.top_k(scores, 3, random_state=0).tolist() == [5, 7, 4]


@pytest.mark.parametrize("k", [0, -1, 6])
def test_top_k_rejects_a_batch_that_does_not_fit(k):
    with pytest.raises(ValueError, match="between 1 and 5"):
        select.top_k(np.arange(5.0), k)


def test_top_k_rejects_empty_and_nan_scores():
    with pytest.raises(ValueError, match="the pool is empty"):
        select.top_k(np.zeros(0), 1)
    with pytest.raises(ValueError, match=r"NaN \(first at rows \[2, 4\]\)"):
        select.top_k(np.array([0.0, 1.0, np.nan, 2.0, np.nan]), 1)


# ------------------------------------------------------------- distances and k-center


def _points(seed: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 15), st.integers(1, 50))
def test_min_sq_distances_matches_brute_force_for_any_chunk_size(seed, n, m, chunk):
    X, C = _points(seed, n, 3), _points(seed + 1, m, 3)
    expected = (cdist(X, C) ** 2).min(axis=1)
    np.testing.assert_allclose(select.min_sq_distances(X, C, chunk_size=chunk), expected,
                               atol=1e-9)
    sparse_got = select.min_sq_distances(sparse.csr_matrix(X), sparse.csr_matrix(C), chunk)
    np.testing.assert_allclose(sparse_got, expected, atol=1e-9)


def test_min_sq_distances_without_centres_is_infinite():
    assert np.isinf(select.min_sq_distances(np.ones((3, 2)), np.ones((0, 2)))).all()


def _check_farthest_first(X, labelled, picks):
    """Each pick is (one of) the farthest points from all centres at its step."""
    centres = [] if labelled is None else list(labelled)
    for step, pick in enumerate(picks):
        assert pick not in picks[:step]
        if centres:
            d = cdist(X, np.asarray(centres)).min(axis=1)
            d[picks[:step]] = -np.inf
            assert d[pick] >= d.max() - 1e-9, f"step {step}: {d[pick]} < farthest {d.max()}"
        centres.append(X[pick])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 60), st.integers(0, 6), st.data())
def test_k_center_picks_are_each_the_farthest_point_at_their_step(seed, n, n_lab, data):
    X = _points(seed, n, 4)
    X[: n // 4] = X[0]  # duplicates make ties
    labelled = _points(seed + 1, n_lab, 4) if n_lab else None
    k = data.draw(st.integers(1, n), label="k")
    chunk = data.draw(st.integers(1, 70), label="chunk_size")
    X_before = X.copy()
    picks = select.k_center_greedy(X, k, labelled, random_state=seed, chunk_size=chunk)
    np.testing.assert_array_equal(X, X_before)
    assert picks.shape == (k,) and np.unique(picks).size == k
    _check_farthest_first(X, labelled, picks)
    again = select.k_center_greedy(X, k, labelled, random_state=seed, chunk_size=chunk)
    np.testing.assert_array_equal(picks, again)


def test_k_center_on_sparse_rows_matches_dense():
    X, L = _points(3, 80, 6), _points(4, 5, 6)
    X[np.abs(X) < 0.5] = 0.0
    dense = select.k_center_greedy(X, 10, L)
    sp = select.k_center_greedy(sparse.csr_matrix(X), 10, sparse.csr_matrix(L))
    np.testing.assert_array_equal(dense, sp)


def test_k_center_without_labelled_rows_starts_at_random():
    X = _points(5, 50, 3)
    firsts = {int(select.k_center_greedy(X, 3, None, random_state=s)[0]) for s in range(10)}
    assert len(firsts) > 3
    for s in range(3):
        _check_farthest_first(X, [X[select.k_center_greedy(X, 1, None, random_state=s)[0]]],
                              select.k_center_greedy(X, 5, None, random_state=s)[1:])


def test_k_center_matches_scikit_activeml():
    from skactiveml.pool import k_greedy_center

    pool, labelled = _points(11, 150, 5), _points(12, 10, 5)
    X_all = np.vstack([labelled, pool])
    y = np.r_[np.zeros(10), np.full(150, np.nan)]
    theirs, _ = k_greedy_center(X_all, y, batch_size=12, random_state=0)
    ours = select.k_center_greedy(pool, 12, labelled)
    np.testing.assert_array_equal(ours, theirs - 10)


# ---------------------------------------------------------------------- ranked batch


def _check_ranked_batch_rule(uncertainty, X, labelled, picks):
    """Each pick maximises alpha (1 - similarity) + (1 - alpha) uncertainty at its step,
    with alpha = |unlabelled| / (|unlabelled| + |labelled|) as the batch moves rows
    from one set to the other (Cardoso et al. 2017, as modAL implements it)."""
    n = X.shape[0]
    centres = [] if labelled is None else list(labelled)
    n_lab = len(centres)
    for step, pick in enumerate(picks):
        assert pick not in picks[:step]
        if not centres:
            assert uncertainty[pick] == uncertainty.max()
        else:
            alpha = (n - step) / ((n - step) + (n_lab + step))
            d = cdist(X, np.asarray(centres)).min(axis=1)
            utility = alpha * (1 - 1 / (1 + d)) + (1 - alpha) * uncertainty
            utility[picks[:step]] = -np.inf
            assert utility[pick] >= utility.max() - 1e-9, f"step {step}"
        centres.append(X[pick])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 50), st.integers(0, 8), st.data())
def test_ranked_batch_follows_its_rule(seed, n, n_lab, data):
    X = _points(seed, n, 3)
    uncertainty = np.random.default_rng(seed).random(n)
    labelled = _points(seed + 1, n_lab, 3) if n_lab else None
    k = data.draw(st.integers(1, n), label="k")
    before = (X.copy(), uncertainty.copy())
    picks = select.ranked_batch(uncertainty, X, k, labelled,
                                chunk_size=data.draw(st.integers(1, 60), label="chunk"))
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(uncertainty, before[1])
    assert picks.shape == (k,)
    _check_ranked_batch_rule(uncertainty, X, labelled, picks)


def test_ranked_batch_matches_modal():
    from modAL.batch import ranked_batch as modal_ranked_batch

    class Labelled:  # what modAL's function reads from a learner
        on_transformed = False

        def __init__(self, X):
            self.X_training = X

    X, labelled = _points(21, 120, 4), _points(22, 15, 4)
    uncertainty = np.random.default_rng(23).random(120)
    # modAL 0.4.2 returns (indices, scores); 0.4.1 (what pip resolves beside skorch>=1)
    # returns (indices, rows, scores): the indices come first in both.
    theirs = modal_ranked_batch(Labelled(labelled), X, uncertainty, 20, "euclidean", None)[0]
    ours = select.ranked_batch(uncertainty, X, 20, labelled)
    np.testing.assert_array_equal(ours, theirs)


# ------------------------------------------------------------------ cluster diversity


def test_cluster_diverse_takes_the_best_row_of_each_cluster():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    X = np.vstack([c + rng.normal(scale=0.1, size=(10, 2)) for c in centres])
    scores = rng.random(30)
    before = scores.copy()
    picks = select.cluster_diverse(scores, X, 3, n_candidates=30, random_state=0)
    np.testing.assert_array_equal(scores, before)
    expected = [10 * g + int(np.argmax(scores[10 * g : 10 * g + 10])) for g in range(3)]
    assert sorted(picks.tolist()) == sorted(expected)
    assert np.all(np.diff(scores[picks]) <= 0)


def test_cluster_diverse_only_considers_the_top_candidates():
    X = _points(1, 100, 3)
    scores = np.random.default_rng(2).random(100)
    picks = select.cluster_diverse(scores, X, 4, n_candidates=12, random_state=0)
    assert set(picks.tolist()) <= set(np.argsort(-scores)[:12].tolist())
    assert np.unique(picks).size == 4


@pytest.mark.filterwarnings("ignore:Number of distinct clusters")
def test_cluster_diverse_fills_the_batch_when_points_coincide():
    X = np.zeros((20, 2))
    X[:2] = 1.0
    picks = select.cluster_diverse(np.linspace(0, 1, 20), X, 5, random_state=0)
    assert np.unique(picks).size == 5


# ----------------------------------------------------------------------- class quotas


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 80), st.integers(2, 5), st.data())
def test_class_quota_reserves_its_share_for_rare_classes(seed, n, n_classes, data):
    rng = np.random.default_rng(seed)
    weights = np.r_[20.0, np.ones(n_classes - 1)]
    predicted = rng.choice(n_classes, size=n, p=weights / weights.sum())
    scores = rng.random(n)
    k = data.draw(st.integers(1, n), label="k")
    share = data.draw(st.floats(0.0, 1.0), label="rare_share")
    before = (scores.copy(), predicted.copy())
    picks = select.class_quota(scores, predicted, k, share, random_state=seed)
    np.testing.assert_array_equal(scores, before[0])
    np.testing.assert_array_equal(predicted, before[1])
    assert picks.shape == (k,) and np.unique(picks).size == k
    n_rare = int(round(share * k))
    counts = np.bincount(predicted, minlength=n_classes)
    present = [c for c in np.argsort(counts, kind="stable") if counts[c]]
    rare = present[: max(n_rare, 1)]
    in_rare = np.isin(predicted, rare)
    # the reserved picks are the rare classes' best rows, up to what those classes hold
    assert np.isin(predicted[picks[:n_rare]], rare).all()
    assert in_rare[picks].sum() >= min(n_rare, in_rare.sum())
    for c in rare:
        taken = picks[:n_rare][predicted[picks[:n_rare]] == c]
        if taken.size:
            best = np.sort(scores[predicted == c])[::-1][: taken.size]
            np.testing.assert_allclose(np.sort(scores[taken])[::-1], best)
    # the rest of the batch is the plain top-k of what is left
    rest = picks[n_rare:]
    left = np.setdiff1d(np.arange(n), picks[:n_rare])
    if rest.size:
        np.testing.assert_allclose(np.sort(scores[rest]), np.sort(scores[left])[-rest.size:])


def test_class_quota_uses_given_class_counts():
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.05])
    predicted = np.array([0, 0, 0, 1, 2])
    # class 2 has the fewest labels so far, even though it is predicted as often as 1
    picks = select.class_quota(scores, predicted, 2, rare_share=0.5,
                               class_counts=np.array([50, 10, 1]), random_state=0)
    assert picks.tolist() == [4, 0]


def test_class_quota_rejects_a_share_outside_0_1():
    with pytest.raises(ValueError, match="rare_share"):
        select.class_quota(np.ones(3), np.zeros(3, dtype=int), 1, rare_share=1.5)
