"""BatchBALD against brute force, BADGE against autograd, and the MC-sample scores."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alwild import scores as S
from alwild.select import bayes as B


def _mc(seed: int, t: int = 6, n: int = 7, c: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(t, n, c))
    p = np.exp(logits)
    return p / p.sum(axis=2, keepdims=True)


def _brute_joint_mi(mc: np.ndarray, batch) -> float:
    """I(y_batch; w) by an explicit loop over every label configuration."""
    t, _, c = mc.shape
    h_joint = 0.0
    for config in itertools.product(range(c), repeat=len(batch)):
        p = np.mean([np.prod([mc[s, i, y] for i, y in zip(batch, config, strict=True)])
                     for s in range(t)])
        h_joint -= p * np.log(p)
    h_cond = np.mean([sum(-np.sum(mc[s, i] * np.log(mc[s, i])) for i in batch) for s in range(t)])
    return h_joint - h_cond


@pytest.mark.parametrize("seed", range(5))
def test_batchbald_greedy_matches_brute_force(seed):
    mc = _mc(seed)
    k = 3
    picks = B.batchbald(mc, k, random_state=0)
    chosen: list[int] = []
    for _ in range(k):
        rest = [i for i in range(mc.shape[1]) if i not in chosen]
        gains = {i: _brute_joint_mi(mc, chosen + [i]) for i in rest}
        chosen.append(max(gains, key=gains.get))
    assert picks.tolist() == chosen
    assert B.joint_mutual_information(mc, picks) == pytest.approx(_brute_joint_mi(mc, chosen))


def test_first_batchbald_pick_is_the_bald_argmax():
    mc = _mc(11, n=30)
    assert B.batchbald(mc, 1)[0] == np.argmax(S.bald(mc))


def test_batchbald_avoids_duplicates_that_bald_would_take():
    mc = _mc(3, n=5, c=2)
    dup = np.concatenate([mc, np.repeat(mc[:, [int(np.argmax(S.bald(mc)))]], 3, axis=1)], axis=1)
    picks = B.batchbald(dup, 2, random_state=0)
    bald_top = np.argsort(-S.bald(dup))[:2]
    assert B.joint_mutual_information(dup, picks) > B.joint_mutual_information(dup, bald_top)


def test_sampled_joint_entropy_is_close_to_exact():
    mc = _mc(5, t=8, n=12, c=2)
    exact = B.batchbald(mc, 6, random_state=0)
    sampled = B.batchbald(mc, 6, max_configs=4, n_sampled_configs=20000, random_state=0)
    mi_exact = B.joint_mutual_information(mc, exact)
    mi_sampled = B.joint_mutual_information(mc, sampled)
    assert mi_sampled == pytest.approx(mi_exact, rel=0.03)


def test_batchbald_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(n_members, n_samples, n_classes\)"):
        B.batchbald(np.ones((3, 2)), 1)
    with pytest.raises(ValueError, match="the pool has 7"):
        B.batchbald(_mc(0), 8)


def test_badge_embeddings_equal_autograd_gradients():
    rng = np.random.default_rng(0)
    n, d, c = 9, 5, 4
    h = torch.tensor(rng.normal(size=(n, d)))
    layer = torch.nn.Linear(d, c).double()
    logits = layer(h)
    proba = logits.softmax(dim=1)
    y_hat = proba.argmax(dim=1)
    ours = B.badge_embeddings(proba.detach().numpy(), h.numpy())
    for i in range(n):
        layer.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(h[i : i + 1]), y_hat[i : i + 1])
        loss.backward()
        np.testing.assert_allclose(ours[i], layer.weight.grad.numpy().ravel(), atol=1e-12)


def test_kmeans_pp_first_pick_is_largest_norm_and_picks_are_distinct():
    X = np.random.default_rng(1).normal(size=(40, 3))
    picks = B.kmeans_pp_seeds(X, 40, random_state=0)
    assert picks[0] == np.argmax(np.linalg.norm(X, axis=1))
    assert sorted(picks.tolist()) == list(range(40))


def test_kmeans_pp_samples_proportionally_to_squared_distance():
    X = np.array([[10.0], [0.0], [1.0], [3.0]])
    counts = np.bincount([B.kmeans_pp_seeds(X, 2, random_state=s)[1] for s in range(4000)],
                         minlength=4)
    expected = np.array([0.0, 100.0, 81.0, 49.0]) / 230.0
    np.testing.assert_allclose(counts / 4000, expected, atol=0.03)


def test_badge_skips_confident_rows():
    proba = np.array([[1.0, 0.0]] * 5 + [[0.5, 0.5]])
    assert B.badge(proba, np.ones((6, 3)), 1, random_state=0).tolist() == [5]


mc_arrays = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(2, 4)),
                   elements=st.floats(0.01, 1.0))


@settings(max_examples=60, deadline=None)
@given(mc_arrays)
def test_mc_scores_are_bounded_and_zero_when_samples_agree(raw):
    mc = raw / raw.sum(axis=2, keepdims=True)
    vr, ms = S.variation_ratios(mc), S.mean_std(mc)
    c = mc.shape[2]
    assert np.all((vr >= 0) & (vr <= 1 - 1 / c + 1e-12))
    assert np.all((ms >= 0) & (ms <= 0.5 + 1e-12))
    agree = np.repeat(mc[:1], mc.shape[0], axis=0)
    np.testing.assert_allclose(S.mean_std(agree), 0.0, atol=1e-12)
    np.testing.assert_array_equal(S.variation_ratios(agree), 0.0)


def test_variation_ratios_counts_votes():
    mc = np.zeros((5, 1, 3))
    mc[[0, 1, 2], 0, 0] = 1.0
    mc[[3], 0, 1] = 1.0
    mc[[4], 0, 2] = 1.0
    assert S.variation_ratios(mc) == pytest.approx([0.4])
