"""``strategy="auto"``: margin first, random on evidence, coverage while classes are missing.

How it decides (Active Learning by Learning, Hsu & Lin 2015, with an informed prior).

* **Two arms from an informed prior.** ``margin`` (the uncertainty strategy that large
  tabular benchmarks find hardest to beat with a strong model, and the best or near-best
  single strategy on alwild's hard tables) starts with 95% of the bandit's weight,
  ``random`` (the one strategy its own model cannot fool) with 5%. Within the 20 or so
  rounds of a project the evidence barely moves the mixture when batches hold more than
  one row (each round's one gain is shared by arms in proportion to their slots), so
  random's share is mostly a fixed price, and a fixed share ``s`` only insures in
  proportion (``auto − random ≈ (1 − s)(margin − random)``): the prior keeps it small.
  The margin arm is top-k: a stochastic draw in its place (``power_margin``, β = 1) was
  measured and lost most of margin's gain (``benchmarks/RESULTS.md``).
* **A floor of exploration while evidence is thin.** Each arm keeps at least
  ``start_floor / sqrt(1 + rounds / K)`` of the mixture (``rounds``: those whose reward is
  known), never below ``min_floor``; an arm under it is raised to it, one above keeps its
  weight, so random's share starts at 10% and settles at its prior's 5% before evidence.
* **Coverage while the labels may miss a class.** Uncertainty cannot ask for a class its
  model has never seen. The Good–Turing estimate of the chance that one more row shows a
  class no label has, ``(classes labelled once + 1) / (labels + 1)``, is moved from the
  margin share to ``coverage`` (``coreset``: the rows farthest from every label). It fades
  like ``1 / labels`` once every class has been seen twice, and is 0 when the learner
  declares its ``known_classes`` and every one of them has a label (no class is unseen).
* **Every slot of a batch is drawn from the mixture,** so the probability ``q`` with which
  each asked row was drawn is known and it carries the importance weight
  ``1 / (n_available · q)`` (see :mod:`alwild.select.bandit`).
* **The reward is an unbiased estimate of the accuracy gain, pooled over rounds.** The
  last few models are kept; when a batch's labels come back, each consecutive pair of
  them is scored on these rows (which neither saw), importance-weighted: the gain that
  round's labels bought, its estimate averaged over every batch labelled after it.
  EXP4 credits each arm with its importance-weighted share of the round, the gains scaled
  by the largest so far, at EXP3's rate (the floor).

Which arm picked each slot is in ``strategy.history``, and the learner's
``last_strategy_`` reads ``"auto:<arm that picked most of the batch>"``; its
``last_scores_`` are the scores of the most probable arm that scores rows (margin's).

>>> from alwild.strategies import get_strategy
>>> get_strategy("auto").all_arms
('margin', 'random', 'coreset')
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
from typing import Any

import numpy as np

from alwild.errors import UserTypeError, UserValueError
from alwild.pool import same_rows, take_rows
from alwild.select import (
    Proportional,
    arm_probabilities,
    draw_slots,
    exp4_log_weights,
    exploration_floor,
    importance_weights,
    unseen_class_mass,
    weighted_gain,
)
from alwild.strategies.base import Strategy
from alwild.strategies.capabilities import require_proba
from alwild.strategies.passive import RandomSampling
from alwild.strategies.registry import canonical_name, get_strategy, register

__all__ = ["AutoStrategy"]

DEFAULT_ARMS = ("margin", "random")
DEFAULT_PRIOR = (0.95, 0.05)


@dataclasses.dataclass
class _Batch:
    """What one round asked for, kept until its labels come back."""

    n_before: int
    rows: Any  # the rows asked, to check that they are the ones taught, in that order
    weights: np.ndarray  # importance weights of the rows
    predicted: dict[int, np.ndarray]  # round of a kept model -> its predictions on the rows


@dataclasses.dataclass
class _BanditState:
    arms: tuple[str, ...] | None = None  # the bandit arms it has run with
    n_rewards: int = 0
    models: dict[int, Any] = dataclasses.field(default_factory=dict)  # round -> model
    credits: dict[int, np.ndarray] = dataclasses.field(default_factory=dict)
    gains: dict[int, list[float]] = dataclasses.field(default_factory=dict)  # [sum, slots]
    pending: _Batch | None = None
    history: list[dict] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class AutoStrategy(Strategy):
    """Margin first, random on evidence: an EXP4-style bandit over ``arms`` from an informed
    ``prior``, with an importance-weighted accuracy-gain reward pooled over rounds, an
    exploration floor, and a Good–Turing share of ``coverage`` while classes are missing."""

    name = "auto"
    arms: tuple[str, ...] = DEFAULT_ARMS
    prior: tuple[float, ...] | None = None
    coverage: str | None = "coreset"
    start_floor: float = 0.1
    min_floor: float = 0.05
    window: int = 6
    state: _BanditState = dataclasses.field(
        default_factory=_BanditState, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if isinstance(self.arms, str) or not isinstance(self.arms, (tuple, list)) \
                or not all(isinstance(a, str) for a in self.arms):
            raise UserTypeError(
                f"arms must be a tuple of strategy names, e.g. arms=('margin', 'random'), "
                f"got {self.arms!r}")
        object.__setattr__(self, "arms", tuple(self.arms))  # a list is the same arms
        if not self.arms:
            raise UserValueError("auto needs at least one arm (a registered strategy name)")
        canonical = [canonical_name(a) for a in self.arms]  # an alias is the same arm
        if len(set(canonical)) != len(canonical):
            raise UserValueError(f"an arm is listed twice in {self.arms} (names or aliases)")
        for arm in (*self.arms, *([self.coverage] if self.coverage else [])):
            get_strategy(arm)  # unknown names fail here, with the list of valid ones
            if canonical_name(arm) == "auto":
                raise UserValueError(f"auto cannot be one of its own arms ({arm!r} is auto)")
        if self.coverage and canonical_name(self.coverage) in canonical:
            raise UserValueError(f"coverage {self.coverage!r} is already an arm")
        if self.prior is not None and not _positive_weights(self.prior, len(self.arms)):
            raise UserValueError(
                f"prior needs one positive, finite weight per arm ({len(self.arms)}), "
                f"e.g. prior=(0.95, 0.05) for two arms, got {self.prior!r}")
        for name in ("min_floor", "start_floor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise UserTypeError(f"{name} must be a number, e.g. {name}="
                                    f"{getattr(type(self), name)}, got {value!r}")
        if not 0.0 <= self.min_floor <= 1.0 / len(self.arms):
            raise UserValueError(
                f"min_floor must be in [0, 1/{len(self.arms)}], got {self.min_floor}")
        if not self.start_floor >= self.min_floor:  # also refuses NaN
            raise UserValueError(
                f"start_floor must be at least min_floor ({self.min_floor}), got "
                f"{self.start_floor}: the floor starts at start_floor and shrinks to min_floor")
        if isinstance(self.window, bool) or not isinstance(self.window, numbers.Integral) \
                or self.window < 2:
            raise UserValueError(
                f"window must be a whole number of models, at least 2, got {self.window!r}")

    @property
    def history(self) -> list[dict]:
        """One dict per round: round, arm (the one with most slots; a tie goes to the arm
        listed first in :attr:`all_arms`), slots (the arm of each slot),
        probabilities, n_labelled, and the reward its labels earned (the pooled estimate,
        first known two rounds later and refined after; None until then)."""
        return self.state.history

    @property
    def used_name(self) -> str:
        return f"auto:{self.state.history[-1]['arm']}" if self.state.history else "auto"

    @property
    def all_arms(self) -> tuple[str, ...]:
        """The bandit's arms, then the coverage strategy (if any)."""
        return (*self.arms, *([self.coverage] if self.coverage else []))

    def check(self, model) -> None:
        require_proba(model, self.name)
        for arm in self.all_arms:
            get_strategy(arm).check(model)

    def log_prior(self) -> np.ndarray:
        """The bandit arms' starting log-weights: ``prior``'s; else margin 95% and random
        5% when the arms are those two (by any alias, in any order); else equal.

        >>> np.exp(get_strategy("auto", arms=("passive", "margin_sampling")).log_prior())
        array([0.05, 0.95])
        """
        names = [canonical_name(a) for a in self.arms]
        if self.prior is not None:
            prior = np.asarray(self.prior, dtype=float)
        elif sorted(names) == sorted(DEFAULT_ARMS):
            informed = dict(zip(DEFAULT_ARMS, DEFAULT_PRIOR, strict=True))
            prior = np.array([informed[a] for a in names])
        else:
            prior = np.ones(len(self.arms))
        return np.log(prior / prior.sum())

    def learned(self) -> np.ndarray:
        """EXP4's log-weights from the pooled reward of every round measured so far."""
        st = self.state
        rounds = [s for s, (_, n) in st.gains.items() if n > 0 and s in st.credits]
        if not rounds:
            return np.zeros(len(self.arms))
        return exp4_log_weights(np.array([st.credits[s] for s in rounds]),
                                np.array([st.gains[s][0] / st.gains[s][1] for s in rounds]),
                                self.floor())

    def floor(self) -> float:
        """Each bandit arm's least share now (see :func:`exploration_floor`)."""
        return exploration_floor(len(self.arms), self.state.n_rewards, self.min_floor,
                                 start=self.start_floor)

    def bandit_probabilities(self) -> np.ndarray:
        """The bandit arms' mixture: the prior moved by the evidence, every arm at or
        above the exploration floor."""
        return arm_probabilities(self.log_prior() + self.learned(), self.floor())

    def probabilities(self, labels=None, known_classes=None) -> np.ndarray:
        """The mixture over :attr:`all_arms`: the bandit's, with ``coverage`` taking the
        Good–Turing unseen-class share (of ``labels``) of the non-random arms' part; none
        when every one of the declared ``known_classes`` has a label. It is the mixture of
        the rewards known so far: the next :meth:`select` first adds the one the last
        batch's labels let it measure (``history`` has the mixture each batch used)."""
        p = self.bandit_probabilities()
        if not self.coverage:
            return p
        share = 0.0 if labels is None else unseen_class_mass(np.asarray(labels))
        if labels is not None and known_classes is not None and np.isin(
                np.asarray(known_classes), np.asarray(labels)).all():
            share = 0.0
        uniform = np.array([isinstance(get_strategy(a), RandomSampling) for a in self.arms])
        moved = np.where(uniform, 0.0, p * share)
        return np.r_[p - moved, moved.sum()]

    def _learn(self, model) -> None:
        """Score every kept model on the last batch's rows (which none of them saw), once
        their labels are back: each consecutive pair adds to the gain its round bought."""
        st = self.state
        batch, st.pending = st.pending, None
        if batch is None:
            return
        y = getattr(model, "y_training", None)
        n_rows = len(next(iter(batch.predicted.values())))
        if y is None or len(y) != batch.n_before + n_rows:
            return  # not taught as asked: no reward rather than a wrong one
        X = getattr(model, "X_training", None)
        if X is not None and not same_rows(
                take_rows(X, np.arange(batch.n_before, len(y))), batch.rows):
            return  # other rows, or in another order: the labels would not match them
        truth = np.asarray(y)[batch.n_before:]
        for s in sorted(batch.predicted):
            if s + 1 in batch.predicted:
                gain = weighted_gain(batch.weights, batch.predicted[s + 1] == truth,
                                     batch.predicted[s] == truth)
                total = st.gains.setdefault(s, [0.0, 0])
                if total[1] == 0:
                    st.n_rewards += 1
                total[0] += gain * n_rows
                total[1] += n_rows
                st.history[s]["reward"] = total[0] / total[1]

    def _keep(self, model, round_: int) -> None:
        estimator = getattr(model, "estimator", None)
        if estimator is None:
            return
        models = self.state.models
        models[round_] = copy.deepcopy(estimator)
        for old in sorted(models)[:-self.window]:
            del models[old]

    def select(self, model, X_pool, n_instances, rng):
        st = self.state
        if st.arms is not None and st.arms != self.arms:
            raise UserValueError(
                f"this auto bandit has run {len(st.history)} rounds with the arms "
                f"{st.arms} and cannot change them to {self.arms} midway (its "
                "rewards are per arm): give a new learner get_strategy('auto', arms=...)")
        st.arms = self.arms
        self._learn(model)
        round_ = len(st.history)
        y = getattr(model, "y_training", None)
        probs = self.probabilities(y, getattr(model, "known_classes", None))
        names = self.all_arms
        strategies = [get_strategy(a) for a in names]
        picks = [s.proposal(model, X_pool, n_instances, rng) for s in strategies]
        rankings = [pick if pick is None or isinstance(pick, Proportional)
                    else np.asarray(pick, np.intp) for pick, _ in picks]
        n_pool = len(X_pool) if not hasattr(X_pool, "shape") else X_pool.shape[0]
        idx, q, n_available, credit = draw_slots(probs, rankings, n_pool, n_instances, rng)
        slot_arms = [names[a] for a in _slot_arms(probs, credit)]
        st.credits[round_] = credit[:, :len(self.arms)].mean(axis=0)
        self._keep(model, round_)
        if y is not None and st.models:
            rows = take_rows(X_pool, idx)
            st.pending = _Batch(len(y), rows, importance_weights(q, n_available),
                                {s: np.asarray(m.predict(rows)) for s, m in st.models.items()})
        st.history.append({
            "round": round_, "arm": _majority(slot_arms, names),
            "slots": slot_arms, "probabilities": dict(zip(names, probs.round(4).tolist(),
                                                      strict=True)),
            "n_labelled": None if y is None else len(y), "reward": None})
        return idx, _leading_scores(probs, picks)


def _positive_weights(prior, n_arms: int) -> bool:
    """Whether ``prior`` is ``n_arms`` finite positive numbers."""
    try:
        weights = np.asarray(prior, dtype=float)
    except (TypeError, ValueError):
        return False
    return weights.shape == (n_arms,) and bool(np.all(np.isfinite(weights) & (weights > 0)))


def _majority(slot_arms: list[str], names: tuple[str, ...]) -> str:
    """The arm that picked most slots; a tie goes to the arm listed first in ``names``.

    >>> _majority(["random", "margin"], ("margin", "random", "coreset"))
    'margin'
    """
    return max(names, key=slot_arms.count)


def _leading_scores(probs: np.ndarray, picks) -> np.ndarray | None:
    """The pool scores of the most probable arm that scores rows (margin's, by default):
    what the labelling app shows as an item's informativeness."""
    scored = [a for a, (_, scores) in enumerate(picks) if scores is not None]
    if not scored:
        return None
    return np.asarray(picks[max(scored, key=lambda a: probs[a])][1])


def _slot_arms(probs: np.ndarray, credit: np.ndarray) -> list[int]:
    """The arm credited for each slot: the one most likely to have drawn its row,
    ``probs[a] * P_a(row) / q`` (``credit`` is ``P_a(row) / q``; a tie goes to the arm
    listed first). An arm that ranks rows drew it only if it was its pick for that slot,
    not merely somewhere in its ranking.

    >>> _slot_arms(np.array([0.9, 0.1]), np.array([[0.0, 10.0], [1.1, 0.0]]))
    [1, 0]
    """
    return np.argmax(probs * credit, axis=1).tolist()


register("auto", AutoStrategy, aliases=("albl",))
