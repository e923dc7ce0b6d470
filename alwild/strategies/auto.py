"""``strategy="auto"``: a bandit that hedges between strategies, random sampling included.

How it decides (Active Learning by Learning, Hsu & Lin 2015, in its own terms). Each
*arm* is a registered strategy: by default ``random``, ``margin``, ``density_margin``
(margin × how typical the row is, against noise and outliers), ``class_balanced``
(margin, with a share of picks hunting very rare classes) and ``coreset`` (the rows
farthest from every label: the regions, and classes, the model has never seen).

* **Every slot of a batch is drawn from the arms' mixture.** Each arm proposes its batch;
  per slot an arm is drawn with the bandit's probabilities and names its best row not yet
  taken. The probability ``q`` with which that row was drawn is known exactly, so each
  labelled row gets the importance weight ``1 / (n_available · q)`` (see
  :mod:`alwild.select.bandit`).
* **The reward is an unbiased estimate of the accuracy gain.** When the labels of a batch
  come back, the model before the previous batch and the model after it are compared on
  these new rows, which neither was trained on, weighted by their importance weights: the
  weighted mean of "right now, wrong before" minus the reverse estimates the change in
  accuracy over the pool that the previous batch's labels bought, whichever arms chose the
  rows. The arms that proposed the previous batch's rows share that reward (EXP4's
  importance-weighted credit). The share of picks the model got wrong is *not* a reward:
  it favours arms that find noise.
* **An exploration floor while evidence is thin.** Every arm keeps at least
  ``1 / (K · sqrt(1 + rounds / K))`` of the mixture (a uniform mixture at first), never
  less than ``min_floor``, so random sampling always keeps a share and a lucky reward can
  not shut an arm out.

Which arms picked each round is in ``strategy.history``, and the learner's
``last_strategy_`` reads ``"auto:<arm that picked most of the batch>"``.

>>> from alwild.strategies import get_strategy
>>> get_strategy("auto").arms
('random', 'margin', 'density_margin', 'class_balanced', 'coreset')
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

from alwild.errors import UserValueError
from alwild.pool import take_rows
from alwild.select import (
    arm_probabilities,
    draw_slots,
    exp3_update,
    exploration_floor,
    importance_weights,
    weighted_gain,
)
from alwild.strategies.base import Strategy
from alwild.strategies.capabilities import require_proba
from alwild.strategies.passive import RandomSampling
from alwild.strategies.registry import get_strategy, register

__all__ = ["AutoStrategy"]

DEFAULT_ARMS = ("random", "margin", "density_margin", "class_balanced", "coreset")


@dataclasses.dataclass
class _Batch:
    """What one round asked for, kept until its labels come back."""

    n_before: int
    credit: np.ndarray  # (slots, arms): [arm proposed the row] / q
    weights: np.ndarray  # importance weights of the rows
    predicted_now: np.ndarray  # the choosing model's predictions on the rows
    predicted_before: np.ndarray | None  # the previous model's (None in round 0)


@dataclasses.dataclass
class _BanditState:
    log_weights: np.ndarray | None = None
    n_rewards: int = 0
    previous_model: Any = None
    pending: _Batch | None = None
    rewarded: _Batch | None = None  # the batch whose gain the pending rows will measure
    history: list[dict] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class AutoStrategy(Strategy):
    """An EXP4-style bandit over ``arms`` with an importance-weighted accuracy-gain reward."""

    name = "auto"
    arms: tuple[str, ...] = DEFAULT_ARMS
    min_floor: float = 0.05
    state: _BanditState = dataclasses.field(
        default_factory=_BanditState, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.arms:
            raise UserValueError("auto needs at least one arm (a registered strategy name)")
        if len(set(self.arms)) != len(self.arms):
            raise UserValueError(f"an arm is listed twice in {self.arms}")
        for arm in self.arms:
            if arm == "auto":
                raise UserValueError("auto cannot be one of its own arms")
            get_strategy(arm)  # unknown names fail here, with the list of valid ones
        if not 0.0 <= self.min_floor <= 1.0 / len(self.arms):
            raise UserValueError(
                f"min_floor must be in [0, 1/{len(self.arms)}], got {self.min_floor}")

    @property
    def history(self) -> list[dict]:
        """One dict per round: round, arm (most slots), slots (the arm of each slot),
        probabilities, n_labelled, and the reward its labels earned (known two rounds
        later, None until then)."""
        return self.state.history

    @property
    def used_name(self) -> str:
        return f"auto:{self.state.history[-1]['arm']}" if self.state.history else "auto"

    def check(self, model) -> None:
        require_proba(model, self.name)
        for arm in self.arms:
            get_strategy(arm).check(model)

    def probabilities(self) -> np.ndarray:
        """The arms' current mixture (uniform before any reward)."""
        st = self.state
        weights = np.zeros(len(self.arms)) if st.log_weights is None else st.log_weights
        floor = exploration_floor(len(self.arms), st.n_rewards, self.min_floor)
        return arm_probabilities(weights, floor)

    def _learn(self, model) -> float | None:
        """Credit the batch before last with the gain its labels bought, measured on the
        last batch's rows (unseen by both models) once their labels are back."""
        st = self.state
        batch, earlier = st.pending, st.rewarded
        st.pending = None
        if batch is None:
            return None
        y = getattr(model, "y_training", None)
        if y is None or len(y) != batch.n_before + batch.predicted_now.size:
            st.rewarded = None  # not taught as asked: no reward rather than a wrong one
            return None
        st.rewarded = batch
        if earlier is None or batch.predicted_before is None:
            return None
        truth = np.asarray(y)[batch.n_before:]
        gain = weighted_gain(batch.weights, batch.predicted_now == truth,
                             batch.predicted_before == truth)
        if st.log_weights is None:
            st.log_weights = np.zeros(len(self.arms))
        st.n_rewards += 1
        rate = np.sqrt(np.log(max(len(self.arms), 2)) / (len(self.arms) * st.n_rewards))
        st.log_weights = exp3_update(st.log_weights, earlier.credit.mean(axis=0), gain, rate)
        return gain

    def _snapshot(self, model) -> Any:
        estimator = getattr(model, "estimator", None)
        return None if estimator is None else copy.deepcopy(estimator)

    def select(self, model, X_pool, n_instances, rng):
        st = self.state
        reward = self._learn(model)
        if reward is not None:
            st.history[-2]["reward"] = reward  # the gain that round's labels bought
        probs = self.probabilities()
        strategies = [get_strategy(a) for a in self.arms]
        rankings = [None if isinstance(s, RandomSampling)
                    else np.asarray(s.select(model, X_pool, n_instances, rng)[0], np.intp)
                    for s in strategies]
        n_pool = len(X_pool) if not hasattr(X_pool, "shape") else X_pool.shape[0]
        idx, q, n_available, credit = draw_slots(probs, rankings, n_pool, n_instances, rng)
        slot_arms = [self.arms[int(a)] for a in _slot_arms(credit, rankings, idx)]
        rows = take_rows(X_pool, idx)
        before = None if st.previous_model is None else \
            np.asarray(st.previous_model.predict(rows))
        y = getattr(model, "y_training", None)
        if y is not None:
            st.pending = _Batch(len(y), credit, importance_weights(q, n_available),
                                np.asarray(model.predict(rows)), before)
        st.previous_model = self._snapshot(model)
        st.history.append({
            "round": len(st.history), "arm": max(set(slot_arms), key=slot_arms.count),
            "slots": slot_arms, "probabilities": dict(zip(self.arms, probs.round(4).tolist(),
                                                      strict=True)),
            "n_labelled": None if y is None else len(y), "reward": None})
        return idx, None


def _slot_arms(credit: np.ndarray, rankings, idx: np.ndarray) -> list[int]:
    """The arm credited for each slot: the first deterministic arm that proposed the row,
    else the first uniform arm."""
    out = []
    for slot in range(idx.size):
        proposers = np.flatnonzero([r is not None and idx[slot] in r for r in rankings])
        uniform = [a for a, r in enumerate(rankings) if r is None]
        out.append(int(proposers[0]) if proposers.size else int(uniform[0])
                   if uniform else int(np.argmax(credit[slot])))
    return out


register("auto", AutoStrategy, aliases=("albl",))
