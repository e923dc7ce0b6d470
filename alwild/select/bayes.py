"""Batch selectors for Bayesian deep active learning: BatchBALD and BADGE. Pure functions.

Both take arrays (MC probability samples, or class probabilities and penultimate-layer
embeddings) and return the indices of a batch, best first.

>>> import numpy as np
>>> mc = np.array([[[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]],
...                [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]]])
>>> sorted(batchbald(mc, 2, random_state=0).tolist())   # row 1: the samples agree
[0, 2]
"""

from __future__ import annotations

import numpy as np

from alwild.errors import UserValueError
from alwild.scores import as_member_proba, expected_entropy
from alwild.select.common import as_rng, check_k

__all__ = [
    "batchbald",
    "joint_mutual_information",
    "badge_embeddings",
    "kmeans_pp_seeds",
    "badge",
]

_TINY = np.finfo(np.float64).tiny


def _joint_entropy_with(
    config_proba: np.ndarray, weights: np.ndarray, mc_proba: np.ndarray, chunk_size: int
) -> np.ndarray:
    """H(y_batch, y_i) for every pool row i.

    ``config_proba`` (T, K) holds p(y_batch = config | w_t) for K configurations of the
    batch's labels; ``weights`` (K,) turns the sum over configurations into the entropy
    (1 for an exact enumeration, 1 / (K p(config)) for sampled configurations).
    """
    t, n, c = mc_proba.shape
    out = np.empty(n)
    for start in range(0, n, chunk_size):
        block = mc_proba[:, start : start + chunk_size]
        joint = np.einsum("tk,tnc->nkc", config_proba, block) / t
        plogp = joint * np.log(np.maximum(joint, _TINY))
        out[start : start + chunk_size] = -np.einsum("nkc,k->n", plogp, weights)
    return out


def batchbald(
    mc_proba: np.ndarray,
    k: int,
    max_configs: int = 4096,
    n_sampled_configs: int = 1024,
    chunk_size: int = 256,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Greedy BatchBALD (Kirsch et al. 2019): a batch that is jointly informative.

    ``mc_proba`` has shape ``(n_samples_mc, n_pool, n_classes)``. Each greedy step adds
    the row that maximises the mutual information between the batch's joint labels and
    the model parameters, ``H(y_1..y_m) - sum_j E_w H(y_j | w)``. The joint entropy is
    exact while the batch's label configurations number at most ``max_configs``; beyond
    that, ``n_sampled_configs`` configurations are drawn from the joint and extended by
    ancestral sampling (an unbiased Monte-Carlo estimate). Memory per step is one chunk
    of ``chunk_size`` rows times the configurations times the classes.

    >>> same = np.tile(np.array([[[0.9, 0.1]], [[0.1, 0.9]]]), (1, 3, 1))
    >>> batchbald(same, 2, random_state=0).size   # duplicates add nothing after the first
    2
    """
    mc_proba = as_member_proba(mc_proba).astype(np.float64, copy=False)
    t, n, c = mc_proba.shape
    check_k(k, n)
    rng = as_rng(random_state)
    cond_entropy = expected_entropy(mc_proba)
    config_proba = np.ones((t, 1))
    weights = np.ones(1)
    sampled = False
    picks: list[int] = []
    taken = np.zeros(n, dtype=bool)
    cond_sum = 0.0
    for _ in range(k):
        joint_h = _joint_entropy_with(config_proba, weights, mc_proba, chunk_size)
        gain = joint_h - cond_entropy - cond_sum
        gain[taken] = -np.inf
        best = np.flatnonzero(gain == gain.max())
        pick = int(best[rng.integers(best.size)]) if best.size > 1 else int(best[0])
        picks.append(pick)
        taken[pick] = True
        cond_sum += cond_entropy[pick]
        new = mc_proba[:, pick, :]
        if not sampled and config_proba.shape[1] * c <= max_configs:
            config_proba = (config_proba[:, :, None] * new[:, None, :]).reshape(t, -1)
            weights = np.ones(config_proba.shape[1])
            continue
        if not sampled:
            p_config = config_proba.mean(axis=0)
            draw = rng.choice(p_config.size, n_sampled_configs, p=p_config / p_config.sum())
            config_proba = config_proba[:, draw]
            sampled = True
        # extend each sampled configuration with a label drawn from p(y_new | config)
        cond = np.einsum("tk,tc->kc", config_proba, new)
        cond /= cond.sum(axis=1, keepdims=True)
        u = rng.random(cond.shape[0])[:, None]
        labels = np.minimum((cond.cumsum(axis=1) < u).sum(axis=1), c - 1)
        config_proba = config_proba * new[:, labels]
        weights = 1.0 / (config_proba.shape[1] * np.maximum(config_proba.mean(axis=0), _TINY))
    return np.asarray(picks, dtype=np.intp)


def joint_mutual_information(mc_proba: np.ndarray, batch: np.ndarray) -> float:
    """Exact ``I(y_batch; w)`` for a small batch, by enumerating every label configuration.

    The brute-force reference for :func:`batchbald` (cost ``n_classes ** len(batch)``).

    >>> round(joint_mutual_information(np.array([[[1.0, 0.0]], [[0.0, 1.0]]]), [0]), 4)
    0.6931
    """
    mc_proba = as_member_proba(mc_proba)
    sub = mc_proba[:, np.asarray(batch, dtype=np.intp), :]
    t, m, c = sub.shape
    joint = np.ones((t, 1))
    for j in range(m):
        joint = (joint[:, :, None] * sub[:, j, None, :]).reshape(t, -1)
    p = joint.mean(axis=0)
    h_joint = -float(np.sum(p * np.log(np.maximum(p, _TINY))))
    return h_joint - float(expected_entropy(sub).sum())


def badge_embeddings(proba: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Gradient embeddings of BADGE (Ash et al. 2020).

    The gradient of the cross-entropy loss, at the model's own predicted label
    ``y_hat = argmax p``, with respect to the weights of the last linear layer
    (``logits = W h + b``) is ``(p - e_y_hat) h^T``: one row of ``n_classes * n_hidden``
    values per sample, class-major (row c is ``(p_c - [c == y_hat]) * h``).

    >>> badge_embeddings(np.array([[0.75, 0.25]]), np.array([[2.0, 4.0]])).tolist()
    [[-0.5, -1.0, 0.5, 1.0]]
    """
    proba = np.asarray(proba, dtype=np.float64)
    hidden = np.asarray(hidden, dtype=np.float64)
    if proba.ndim != 2 or hidden.ndim != 2 or proba.shape[0] != hidden.shape[0]:
        raise UserValueError(
            "badge_embeddings needs proba (n, n_classes) and hidden (n, n_hidden) with the "
            f"same number of rows, got {proba.shape} and {hidden.shape}"
        )
    residual = proba.copy()
    residual[np.arange(proba.shape[0]), proba.argmax(axis=1)] -= 1.0
    return (residual[:, :, None] * hidden[:, None, :]).reshape(proba.shape[0], -1)


def kmeans_pp_seeds(
    X: np.ndarray, k: int, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """k-means++ seeding: the first row is the one of largest norm, then D² sampling.

    Each next row is drawn with probability proportional to its squared distance to the
    nearest row chosen so far (rows already chosen have distance 0). When every
    remaining distance is 0 (duplicates) the rest are drawn uniformly from the unchosen.

    >>> X = np.array([[0.0, 0.0], [0.0, 0.1], [5.0, 5.0]])
    >>> kmeans_pp_seeds(X, 1).tolist()
    [2]
    """
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    check_k(k, n)
    rng = as_rng(random_state)
    sq_norm = np.einsum("ij,ij->i", X, X)
    picks = [int(np.argmax(sq_norm))]
    min_d = np.full(n, np.inf)
    for _ in range(k - 1):
        last = picks[-1]
        d = np.maximum(sq_norm + sq_norm[last] - 2.0 * (X @ X[last]), 0.0)
        np.minimum(min_d, d, out=min_d)
        min_d[picks] = 0.0
        total = min_d.sum()
        if total > 0:
            pick = int(rng.choice(n, p=min_d / total))
        else:
            free = np.setdiff1d(np.arange(n), picks)
            pick = int(rng.choice(free))
        picks.append(pick)
    return np.asarray(picks, dtype=np.intp)


def badge(
    proba: np.ndarray,
    hidden: np.ndarray,
    k: int,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """BADGE batch: k-means++ seeds over the gradient embeddings (uncertain and diverse).

    >>> proba = np.array([[0.99, 0.01], [0.5, 0.5], [0.98, 0.02]])
    >>> badge(proba, np.ones((3, 2)), 1).tolist()
    [1]
    """
    return kmeans_pp_seeds(badge_embeddings(proba, hidden), k, random_state)
