"""``strategy="auto"``: a bandit that picks, round by round, which strategy to follow.

How it decides (in the spirit of active learning by learning, Hsu & Lin 2015, but with
a simpler reward). Each query round it draws one *arm* — by default ``margin``,
``density_weighted`` and ``cluster_stratified`` — by Thompson sampling and lets that
strategy choose the batch. The ``favourite`` arm (``margin``: uncertainty was the best
default on balanced data in the reference study and in our benchmarks) starts with a
head start of ``head_start`` successes, so early rounds lean on it until the evidence
says otherwise. It remembers what the model predicted for the
picked rows. When the learner comes back with the labels of that batch, the arm is
rewarded with how *surprising* its picks were: each pick the model had got wrong
counts as a success, each it had got right as a failure (a Beta posterior per arm).
An arm that keeps finding the model's mistakes is followed more often; ``discount``
forgets old evidence each round, so the choice adapts when another arm becomes more
useful (uncertainty early on may stop paying off once the boundary is found). No extra
labels are spent: the reward uses only the labels of the rows the arm asked for.

Which arm was used in each round is in ``strategy.history`` (and in the learner's
``last_strategy_`` as ``"auto:<arm>"``).

>>> from alwild.strategies import get_strategy
>>> get_strategy("auto").arms
('margin', 'density_weighted', 'cluster_stratified')
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild.pool import take_rows
from alwild.strategies import Strategy, get_strategy, register
from alwild.support import require_proba

__all__ = ["AutoStrategy"]

DEFAULT_ARMS = ("margin", "density_weighted", "cluster_stratified")


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
    """A Thompson-sampling bandit over ``arms`` rewarded by the surprise of their picks."""

    name = "auto"
    arms: tuple[str, ...] = DEFAULT_ARMS
    discount: float = 0.9
    favourite: str | None = "margin"
    head_start: float = 2.0
    state: _BanditState = dataclasses.field(
        default_factory=_BanditState, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.arms:
            raise ValueError("auto needs at least one arm (a registered strategy name)")
        for arm in self.arms:
            if arm == "auto":
                raise ValueError("auto cannot be one of its own arms")
            get_strategy(arm)  # unknown names fail here, with the list of valid ones
        if not 0.0 < self.discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {self.discount}")
        if self.head_start < 0:
            raise ValueError(f"head_start must be non-negative, got {self.head_start}")
        if not self.state.wins:
            for arm in self.arms:
                self.state.wins[arm] = 1.0 + (self.head_start if arm == self.favourite else 0.0)
                self.state.losses[arm] = 1.0

    @property
    def history(self) -> list[dict]:
        """One dict per round: round, arm, n_labelled, and the reward once it is known."""
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
        wrong = float(np.sum(truth != predicted))
        for a in self.arms:
            st.wins[a] = 1.0 + self.discount * (st.wins.get(a, 1.0) - 1.0)
            st.losses[a] = 1.0 + self.discount * (st.losses.get(a, 1.0) - 1.0)
        st.wins[arm] += wrong
        st.losses[arm] += predicted.size - wrong
        st.history[-1]["reward"] = wrong / predicted.size

    def _choose(self, rng: np.random.Generator) -> str:
        draws = [rng.beta(self.state.wins.get(a, 1.0), self.state.losses.get(a, 1.0))
                 for a in self.arms]
        return self.arms[int(np.argmax(draws))]

    def select(self, model, X_pool, n_instances, rng):
        self._learn(model)
        arm = self._choose(rng)
        idx, scores = get_strategy(arm).select(model, X_pool, n_instances, rng)
        idx = np.asarray(idx, dtype=np.intp)
        predicted = np.asarray(model.predict(take_rows(X_pool, idx)))
        n_before = _n_labelled(model)
        if n_before is not None:
            self.state.pending = (arm, n_before, predicted)
        self.state.history.append(
            {"round": len(self.state.history), "arm": arm, "n_labelled": n_before,
             "reward": None}
        )
        return idx, scores


register("auto", AutoStrategy, aliases=("albl",))
