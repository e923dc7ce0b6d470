"""A bandit over query strategies, as pure functions on arrays (the core of ``auto``).

The idea is Active Learning by Learning (Hsu & Lin, 2015): each strategy is an *arm*;
a query slot draws an arm from a mixture with an exploration floor, and the arm names the
row. Because the probability ``q`` with which each queried row was drawn is known, every
labelled row carries an importance weight ``1 / (n_available · q)``, and the weighted mean
of any per-row quantity over the queried rows is an unbiased estimate of its mean over the
pool: that is how the reward (an accuracy gain) is estimated without extra labels.

- :func:`arm_probabilities`: the mixture of an exponential-weights bandit, each arm at or
  above a floor;
- :func:`exploration_floor`: the floor, wide while evidence is thin, narrowing with rounds;
- :func:`unseen_class_mass`: Good–Turing's chance that the next row shows a class never
  labelled (how much a cold start should still spend on coverage);
- :func:`draw_slots`: a batch drawn slot by slot from the mixture, with each pick's ``q``
  (an arm ranks rows, picks uniformly, or draws in proportion to row weights:
  :class:`Proportional`, the stochastic batch acquisition of Kirsch et al., 2023);
- :func:`importance_weights`, :func:`weighted_gain`: the unbiased reward;
- :func:`exp4_log_weights`: the arms' log-weights after the rewards so far.

>>> p = arm_probabilities(np.zeros(3), floor=0.1)
>>> p.round(3).tolist()
[0.333, 0.333, 0.333]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from alwild.errors import UserValueError
from alwild.select.common import as_rng, check_k

__all__ = ["arm_probabilities", "exploration_floor", "unseen_class_mass", "Proportional",
           "draw_slots", "importance_weights", "weighted_gain", "exp4_log_weights"]


def arm_probabilities(log_weights: np.ndarray, floor: float) -> np.ndarray:
    """``softmax(log_weights)`` with every arm raised to ``floor`` where it is below, the
    mass this takes shared out of the other arms in proportion to their weights: where the
    weights already give each arm the floor, the mixture is theirs (a prior of 5% on an arm
    is 5% of the batch, not 5% on top of the floor).

    >>> arm_probabilities(np.array([0.0, 50.0]), floor=0.05).round(3).tolist()
    [0.05, 0.95]
    >>> arm_probabilities(np.log([0.8, 0.15, 0.05]), floor=0.1).round(3).tolist()
    [0.758, 0.142, 0.1]
    >>> arm_probabilities(np.log([0.6, 0.1, 0.1, 0.1, 0.1]), floor=0.2).tolist()
    [0.2, 0.2, 0.2, 0.2, 0.2]
    """
    w = np.asarray(log_weights, dtype=float)
    k = w.size
    if k == 0:
        raise UserValueError("a bandit needs at least one arm")
    if not 0.0 <= floor <= 1.0 / k:
        raise UserValueError(f"floor must be in [0, 1/{k}], got {floor}")
    if np.isclose(floor * k, 1.0):  # a floor of 1/K leaves only the uniform mixture
        return np.full(k, 1.0 / k)
    soft = np.exp(w - w.max())
    raised = np.zeros(k, dtype=bool)
    while True:  # each pass raises at least one more arm, so at most k passes
        free = soft * ~raised
        p = np.where(raised, floor, free * (1.0 - floor * raised.sum()) / free.sum())
        below = ~raised & (p < floor)
        if not below.any():
            return p
        raised |= below


def exploration_floor(n_arms: int, n_rounds: int, minimum: float = 0.05,
                      start: float | None = None) -> float:
    """Each arm's least probability after ``n_rounds`` rewards: ``start`` (default ``1 / K``,
    a uniform mixture) before any evidence, shrinking as ``start / sqrt(1 + rounds / K)`` —
    the anytime EXP3 rate — but never below ``minimum`` (everything capped at ``1 / K``).

    >>> exploration_floor(3, 0), round(exploration_floor(3, 30), 3), exploration_floor(3, 10**6)
    (0.3333333333333333, 0.101, 0.05)
    >>> exploration_floor(2, 0, start=0.1), exploration_floor(2, 6, start=0.1)
    (0.1, 0.05)
    """
    if n_arms < 1 or n_rounds < 0:
        raise UserValueError(f"need n_arms >= 1 and n_rounds >= 0, got {n_arms}, {n_rounds}")
    base = 1.0 / n_arms
    first = base if start is None else min(base, start)
    return float(min(base, max(minimum, first / np.sqrt(1.0 + n_rounds / n_arms))))


def unseen_class_mass(labels: np.ndarray) -> float:
    """Good–Turing's estimate, add-one smoothed, of the chance that one more uniformly drawn
    row belongs to a class no label has yet: ``(classes seen once + 1) / (labels + 1)``.

    It is 1 with no labels and falls like ``1 / labels`` once every class has been seen
    twice or more: the share of a batch still worth spending on finding what the labels
    have not covered.

    >>> unseen_class_mass(np.array([0, 0, 1, 1, 1])), unseen_class_mass(np.array([0, 1, 1]))
    (0.16666666666666666, 0.5)
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        return 1.0
    _, counts = np.unique(labels, return_counts=True)
    return float((np.sum(counts == 1) + 1) / (labels.size + 1))


@dataclasses.dataclass(frozen=True, eq=False)
class Proportional:
    """An arm that draws its row at random, each row not yet taken with probability
    proportional to ``exp(log_weights[row])``; rows at ``-inf`` only once no other row is
    left, and then uniformly.

    >>> Proportional(np.log([1.0, 3.0])).probabilities(np.zeros(2, dtype=bool)).tolist()
    [0.25, 0.75]
    """

    log_weights: np.ndarray

    def probabilities(self, taken: np.ndarray) -> np.ndarray:
        """Each pool row's chance of being this arm's next pick (0 for ``taken`` rows)."""
        lw = np.where(taken, -np.inf, np.asarray(self.log_weights, dtype=float))
        top = lw.max()
        if not np.isfinite(top):
            return np.where(taken, 0.0, 1.0 / np.sum(~taken))
        w = np.exp(lw - top)
        return w / w.sum()


SlotArm = np.ndarray | Proportional | None


def draw_slots(
    arm_probs: np.ndarray,
    rankings: Sequence[SlotArm],
    n_pool: int,
    k: int,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``k`` distinct pool rows slot by slot from the arms' mixture.

    ``rankings[a]`` is arm ``a``'s preference order over pool rows (its best first; at
    least ``k`` of them), None for an arm that picks uniformly among the rows not yet
    taken, or a :class:`Proportional` arm that draws among them in proportion to its
    weights. Per slot, a ranking arm recommends its best row not yet taken; the slot's
    row is drawn with probability ``q(x) = sum_a p_a · P_a(x)``, where ``P_a(x)`` is 1 if
    ranking arm ``a`` recommends ``x``, ``1 / n_available`` for a uniform arm, and the
    weight share of ``x`` among the rows left for a proportional one.

    Returns ``(rows, q, n_available, credit)``: per slot the row, its ``q``, the rows it
    was drawn from, and a ``(k, n_arms)`` matrix with ``P_a(row) / q`` (what EXP4 credits
    each arm with).

    >>> rows, q, n_av, credit = draw_slots(np.array([1.0, 0.0]), [np.array([2, 0, 1]), None],
    ...                                    3, 2, random_state=0)
    >>> rows.tolist(), q.tolist(), n_av.tolist()
    ([2, 0], [1.0, 1.0], [3, 2])
    """
    p = np.asarray(arm_probs, dtype=float)
    if p.size != len(rankings):
        raise UserValueError(f"{p.size} arm probabilities but {len(rankings)} rankings")
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise UserValueError("arm probabilities must be non-negative and sum to 1")
    check_k(k, n_pool)
    for ranking in rankings:
        if isinstance(ranking, Proportional) and np.shape(ranking.log_weights) != (n_pool,):
            raise UserValueError(f"a proportional arm needs one weight per pool row "
                                 f"({n_pool}), got {np.shape(ranking.log_weights)}")
    rng = as_rng(random_state)
    taken = np.zeros(n_pool, dtype=bool)
    cursors = [0] * p.size
    rows = np.empty(k, dtype=np.intp)
    q = np.empty(k)
    n_available = np.empty(k, dtype=np.intp)
    credit = np.zeros((k, p.size))
    for slot in range(k):
        left = n_pool - slot
        recommended: list[int | np.ndarray | None] = []
        for a, ranking in enumerate(rankings):
            if isinstance(ranking, Proportional):
                recommended.append(ranking.probabilities(taken))
                continue
            if ranking is None:
                recommended.append(None)
                continue
            while cursors[a] < len(ranking) and taken[ranking[cursors[a]]]:
                cursors[a] += 1
            if cursors[a] >= len(ranking):
                raise UserValueError(f"arm {a}'s ranking has fewer than {k} rows")
            recommended.append(int(ranking[cursors[a]]))
        arm = int(rng.choice(p.size, p=p))
        pick = recommended[arm]
        if pick is None:
            free = np.flatnonzero(~taken)
            row = int(free[rng.integers(free.size)])
        elif isinstance(pick, np.ndarray):
            row = int(rng.choice(n_pool, p=pick))
        else:
            row = pick
        share = np.array([1.0 / left if r is None else r[row] if isinstance(r, np.ndarray)
                          else float(r == row) for r in recommended])
        q[slot] = min(1.0, float(p @ share))  # rounding: <= 1
        credit[slot] = share / q[slot]
        rows[slot], n_available[slot] = row, left
        taken[row] = True
    return rows, q, n_available, credit


def importance_weights(q: np.ndarray, n_available: np.ndarray) -> np.ndarray:
    """``1 / (n_available · q)``: 1 for a uniform draw; the weighted mean of a quantity over
    drawn rows is unbiased for its mean over the rows they were drawn from.

    >>> importance_weights(np.array([0.01, 0.5]), np.array([100, 100])).tolist()
    [1.0, 0.02]
    """
    q, n_available = np.asarray(q, dtype=float), np.asarray(n_available, dtype=float)
    if np.any(q <= 0) or np.any(q > 1):
        raise UserValueError("draw probabilities must lie in (0, 1]")
    return 1.0 / (n_available * q)


def weighted_gain(weights: np.ndarray, correct_after: np.ndarray,
                  correct_before: np.ndarray) -> float:
    """Importance-weighted mean of ``correct_after - correct_before``: an unbiased estimate
    of the accuracy gain, over the pool, between two models that saw none of these rows.

    >>> weighted_gain(np.array([1.0, 3.0]), np.array([1, 1]), np.array([1, 0]))
    1.5
    """
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return 0.0
    diff = np.asarray(correct_after, dtype=float) - np.asarray(correct_before, dtype=float)
    return float(np.mean(w * diff))


def exp4_log_weights(credits: np.ndarray, gains: np.ndarray, rate: float) -> np.ndarray:
    """EXP4's log-weights after the rounds so far: ``rate · sum_s credits[s] · gains[s] /
    scale``, where ``credits[s, a]`` is arm ``a``'s importance-weighted share of round
    ``s`` (see :func:`draw_slots`), ``gains[s]`` that round's estimated accuracy gain, and
    ``scale`` the largest gain's size, so that rewards lie in [-1, 1] as EXP3 asks whether
    a round buys 0.1 points of accuracy or 10. With a floor ``γ / K`` on each arm, EXP3's
    rate is ``γ / K``: the floor itself.

    >>> exp4_log_weights(np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([0.02, -0.01]), 0.1)
    array([ 0.2, -0.1])
    """
    credits = np.asarray(credits, dtype=float)
    gains = np.asarray(gains, dtype=float)
    scale = np.max(np.abs(gains)) if gains.size else 0.0
    if scale == 0:
        return np.zeros(credits.shape[1])
    return rate * (credits * (gains / scale)[:, None]).sum(axis=0)
