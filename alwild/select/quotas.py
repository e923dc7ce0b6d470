"""Selectors that keep rare classes in view or leave room for exploration.

:func:`class_quota` reserves a share of the batch for rarely-predicted classes;
:func:`epsilon_greedy` makes some picks uniformly at random; :func:`rare_class_hunt`
spends a share of the batch on the likeliest members of the least-labelled classes.

>>> epsilon_greedy(np.array([0.1, 0.9, 0.5]), 2, epsilon=0.0, random_state=0).tolist()
[1, 2]
"""

from __future__ import annotations

import numpy as np

from alwild.errors import UserValueError
from alwild.select.common import as_rng, check_k
from alwild.select.topk import top_k

__all__ = ["class_quota", "epsilon_greedy", "rare_class_hunt"]


def class_quota(
    scores: np.ndarray,
    predicted: np.ndarray,
    k: int,
    rare_share: float = 0.3,
    class_counts: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Top-k with a share of the batch reserved for rarely-predicted classes.

    ``predicted`` holds each pool row's predicted class index. The rare classes are
    those with the fewest ``class_counts`` (default: how often each class is predicted in
    the pool). ``round(rare_share * k)`` picks go round-robin to the rarest classes, each
    taking its highest-scoring row; the rest of the batch is plain top-k. The reserved
    picks come first.

    >>> class_quota(np.array([0.9, 0.8, 0.1]), np.array([0, 0, 1]), 2, rare_share=0.5,
    ...             random_state=0).tolist()
    [2, 0]
    """
    scores = np.asarray(scores, dtype=float)
    predicted = np.asarray(predicted)
    n = scores.shape[0]
    check_k(k, n)
    if not 0.0 <= rare_share <= 1.0:
        raise UserValueError(f"rare_share must be in [0, 1], got {rare_share}")
    rng = as_rng(random_state)
    n_classes = int(predicted.max()) + 1 if predicted.size else 0
    if class_counts is None:
        class_counts = np.bincount(predicted, minlength=n_classes)
    class_counts = np.asarray(class_counts)
    n_rare = int(round(rare_share * k))
    rare_order = np.argsort(class_counts, kind="stable")
    present = [c for c in rare_order if np.any(predicted == c)]
    chosen = np.zeros(n, dtype=bool)
    picks: list[int] = []
    per_class = {c: np.flatnonzero(predicted == c) for c in present[: max(n_rare, 1)]}
    order = {c: rows[np.argsort(-scores[rows], kind="stable")] for c, rows in per_class.items()}
    cursor = dict.fromkeys(order, 0)
    while len(picks) < n_rare and any(cursor[c] < order[c].size for c in order):
        for c in order:
            if len(picks) >= n_rare or cursor[c] >= order[c].size:
                continue
            row = int(order[c][cursor[c]])
            cursor[c] += 1
            picks.append(row)
            chosen[row] = True
    return _then_top_k(picks, chosen, scores, k, rng)



def epsilon_greedy(
    scores: np.ndarray,
    k: int,
    epsilon: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Top-k, except that each pick is, with probability ``epsilon``, a uniform random row.

    >>> len(set(epsilon_greedy(np.arange(10.0), 5, epsilon=1.0, random_state=0).tolist()))
    5
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    check_k(k, n)
    if not 0.0 <= epsilon <= 1.0:
        raise UserValueError(f"epsilon must be in [0, 1], got {epsilon}")
    rng = as_rng(random_state)
    n_random = int(rng.binomial(k, epsilon))
    greedy = top_k(scores, k - n_random, rng) if k > n_random else np.empty(0, np.intp)
    if n_random == 0:
        return greedy
    rest = np.setdiff1d(np.arange(n), greedy, assume_unique=True)
    explore = rng.choice(rest, n_random, replace=False)
    return np.concatenate([greedy, explore])


def rare_class_hunt(
    scores: np.ndarray,
    proba: np.ndarray,
    k: int,
    class_counts: np.ndarray,
    rare_share: float = 0.3,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Top-k on ``scores``, except that a ``rare_share`` of the batch hunts for rare classes.

    The hunting picks go round-robin over the classes with the fewest labels
    (``class_counts``, fewest first), each taking the row not yet chosen with the highest
    probability of that class (``proba[:, c]``), so a class the model never predicts is
    still looked for. The number of hunting picks is ``rare_share * k`` rounded up or down
    at random (its mean is exact, so a batch of one hunts ``rare_share`` of the time).
    Hunting picks come first.

    >>> proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2]])
    >>> rare_class_hunt(np.array([0.2, 0.8, 0.4]), proba, 2, np.array([9, 1]),
    ...                 rare_share=0.5, random_state=0).tolist()
    [1, 2]
    """
    scores = np.asarray(scores, dtype=float)
    proba = np.asarray(proba, dtype=float)
    n = scores.shape[0]
    check_k(k, n)
    if proba.shape[0] != n:
        raise UserValueError(f"proba has {proba.shape[0]} rows but scores has {n}")
    if not 0.0 <= rare_share <= 1.0:
        raise UserValueError(f"rare_share must be in [0, 1], got {rare_share}")
    counts = np.asarray(class_counts)
    if counts.shape[0] != proba.shape[1]:
        raise UserValueError(f"class_counts has {counts.shape[0]} classes, proba "
                             f"{proba.shape[1]}")
    rng = as_rng(random_state)
    exact = rare_share * k
    n_hunt = int(np.floor(exact)) + int(rng.random() < exact - np.floor(exact))
    order = np.argsort(counts, kind="stable")
    chosen = np.zeros(n, dtype=bool)
    picks: list[int] = []
    for i in range(n_hunt):
        c = order[i % order.size]
        likeliness = np.where(chosen, -np.inf, proba[:, c])
        row = int(np.argmax(likeliness))
        picks.append(row)
        chosen[row] = True
    return _then_top_k(picks, chosen, scores, k, rng)


def _then_top_k(picks: list[int], chosen: np.ndarray, scores: np.ndarray, k: int,
                rng: np.random.Generator) -> np.ndarray:
    """``picks`` followed by the top-scoring rows not ``chosen``, up to ``k`` rows."""
    rest_idx = np.flatnonzero(~chosen)
    need = k - len(picks)
    if need:
        picks = picks + rest_idx[top_k(scores[rest_idx], need, rng)].tolist()
    return np.asarray(picks, dtype=np.intp)
