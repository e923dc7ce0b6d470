"""``strategy="auto"``: rules from the data's shape, then a bandit that adapts.

How it decides. Each query round it follows one *arm* — by default ``margin`` and
``cluster_stratified`` (any registered strategies can be given) — drawn by Thompson
sampling from a Beta posterior per arm, and lets that strategy choose the batch.

* **Prior from the data's shape.** ``margin`` is the favourite — uncertainty was the
  best default on balanced data in the reference study and in our benchmarks — unless,
  once there are at least 5 labels per class, the model's predictions on (a sample of)
  the pool are skewed (a class predicted for less than half its fair share,
  ``1 / (2 n_classes)``): then ``cluster_stratified`` is, to keep rare regions in view.
  The favourite gets ``head_start`` extra successes in its prior; the prior does not
  fade.
* **Evidence (the ALBL idea, Hsu & Lin 2015, with a simpler reward).** When the labels
  of an arm's batch come back, the share of picks the model had got wrong is that
  round's success (and the rest its failure), one observation per round: an arm that
  keeps finding the model's mistakes is followed more often. Evidence is multiplied by
  ``discount`` every round, so when the favourite's picks stop surprising the model
  while another arm's still do, the bandit switches. No extra labels are spent.

Which arm was used in each round (and the favourite then) is in ``strategy.history``,
and the learner's ``last_strategy_`` reads ``"auto:<arm>"``.

>>> from alwild.strategies import get_strategy
>>> get_strategy("auto").arms
('margin', 'cluster_stratified')
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild.errors import UserValueError
from alwild.pool import n_rows, take_rows
from alwild.strategies.base import Strategy
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import get_strategy, register

__all__ = ["AutoStrategy", "favourite_for"]

DEFAULT_ARMS = ("margin", "cluster_stratified")
_SHAPE_SAMPLE = 2000


def favourite_for(class_shares: np.ndarray, n_labelled: int) -> str:
    """The favourite arm: ``cluster_stratified`` if the predicted class shares are skewed
    and there are at least 5 labels per class to trust them, else ``margin``.

    >>> favourite_for(np.array([0.97, 0.03]), 40), favourite_for(np.array([0.97, 0.03]), 6)
    ('cluster_stratified', 'margin')
    """
    shares = np.asarray(class_shares, dtype=float)
    skewed = shares.min() < 0.5 / shares.size
    return "cluster_stratified" if skewed and n_labelled >= 5 * shares.size else "margin"


@dataclasses.dataclass
class _BanditState:
    wins: dict[str, float] = dataclasses.field(default_factory=dict)
    losses: dict[str, float] = dataclasses.field(default_factory=dict)
    pending: tuple[str, int, np.ndarray] | None = None
    history: list[dict] = dataclasses.field(default_factory=list)


def _n_labelled(model) -> int | None:
    y = getattr(model, "y_training", None)
    return None if y is None else len(y)


@dataclasses.dataclass(frozen=True)
class AutoStrategy(Strategy):
    """Thompson sampling over ``arms`` with a data-shape prior and a surprise reward."""

    name = "auto"
    arms: tuple[str, ...] = DEFAULT_ARMS
    discount: float = 0.8
    head_start: float = 8.0
    state: _BanditState = dataclasses.field(
        default_factory=_BanditState, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.arms:
            raise UserValueError("auto needs at least one arm (a registered strategy name)")
        for arm in self.arms:
            if arm == "auto":
                raise UserValueError("auto cannot be one of its own arms")
            get_strategy(arm)  # unknown names fail here, with the list of valid ones
        if not 0.0 < self.discount <= 1.0:
            raise UserValueError(f"discount must be in (0, 1], got {self.discount}")
        if self.head_start < 0:
            raise UserValueError(f"head_start must be non-negative, got {self.head_start}")

    @property
    def history(self) -> list[dict]:
        """One dict per round: round, arm, favourite, n_labelled, and the reward once known."""
        return self.state.history

    @property
    def used_name(self) -> str:
        return f"auto:{self.state.history[-1]['arm']}" if self.state.history else "auto"

    def check(self, model) -> None:
        require_proba(model, self.name)
        for arm in self.arms:
            get_strategy(arm).check(model)

    def _learn(self, model) -> None:
        """Reward the last arm with the surprise of its picks, if their labels came back."""
        st = self.state
        if st.pending is None:
            return
        arm, before, predicted = st.pending
        st.pending = None
        now = _n_labelled(model)
        if now is None or now != before + predicted.size:
            return  # the batch was not taught as asked: no reward rather than a wrong one
        truth = np.asarray(model.y_training)[before:]
        surprise = float(np.mean(truth != predicted))
        for a in self.arms:
            st.wins[a] = self.discount * st.wins.get(a, 0.0)
            st.losses[a] = self.discount * st.losses.get(a, 0.0)
        st.wins[arm] += surprise
        st.losses[arm] += 1.0 - surprise
        st.history[-1]["reward"] = surprise

    def _favourite(self, model, X_pool, rng) -> str:
        n = n_rows(X_pool)
        rows = X_pool if n <= _SHAPE_SAMPLE else take_rows(
            X_pool, np.sort(rng.choice(n, _SHAPE_SAMPLE, replace=False)))
        predicted = np.asarray(model.predict(rows))
        classes = np.asarray(model.classes_)
        counts = np.array([np.sum(predicted == c) for c in classes], dtype=float)
        return favourite_for(counts / counts.sum(), _n_labelled(model) or 0)

    def _choose(self, favourite: str, rng: np.random.Generator) -> str:
        st = self.state
        draws = [rng.beta(1.0 + st.wins.get(a, 0.0) + (self.head_start if a == favourite
                                                        else 0.0),
                          1.0 + st.losses.get(a, 0.0))
                 for a in self.arms]
        return self.arms[int(np.argmax(draws))]

    def select(self, model, X_pool, n_instances, rng):
        self._learn(model)
        favourite = self._favourite(model, X_pool, rng)
        arm = self._choose(favourite, rng)
        idx, scores = get_strategy(arm).select(model, X_pool, n_instances, rng)
        idx = np.asarray(idx, dtype=np.intp)
        predicted = np.asarray(model.predict(take_rows(X_pool, idx)))
        n_before = _n_labelled(model)
        if n_before is not None:
            self.state.pending = (arm, n_before, predicted)
        self.state.history.append(
            {"round": len(self.state.history), "arm": arm, "favourite": favourite,
             "n_labelled": n_before, "reward": None}
        )
        return idx, scores


register("auto", AutoStrategy, aliases=("albl",))
