"""Query policies for a stream: given one item's uncertainty, does it want a label?

Every policy sees a normalised uncertainty ``score`` in ``[0, 1]`` (1 = the model has
no idea, 0 = certain) and answers :meth:`StreamPolicy.wants`. After an item for which
the budget had room, the learner calls :meth:`StreamPolicy.update` with whether it was
labelled, so adaptive policies can move their threshold (Žliobaitė et al. 2014,
"Active learning with drifting streaming data"). The budget itself is enforced by
:class:`alwild.stream.BudgetManager`, not here.

>>> import numpy as np
>>> policy = VariableUncertainty(step=0.5)
>>> policy.wants(0.2, np.random.default_rng(0)), policy.threshold
(True, 1.0)
>>> policy.update(labelled=True); policy.threshold
0.5
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable

import numpy as np

from alwild.errors import UserValueError

__all__ = [
    "StreamPolicy",
    "FixedUncertainty",
    "VariableUncertainty",
    "RandomizedVariableUncertainty",
    "Split",
    "Periodic",
    "RandomPolicy",
    "get_policy",
    "available_policies",
]

_MIN_THRESHOLD = 1e-6


class StreamPolicy(abc.ABC):
    """Base: ``wants(score, rng) -> bool``; ``update(labelled)`` is optional state."""

    name = "policy"

    @abc.abstractmethod
    def wants(self, score: float, rng: np.random.Generator) -> bool:
        """Whether this policy wants the label of an item with uncertainty ``score``."""

    def update(self, labelled: bool) -> None:  # noqa: B027 - optional hook: stateless policies
        """Called after an item for which the budget had room."""


def _check_unit(name: str, value: float, low_open: bool = False) -> float:
    value = float(value)
    ok = (0.0 < value <= 1.0) if low_open else (0.0 <= value <= 1.0)
    if not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise UserValueError(f"{name} must be in {interval}, got {value}")
    return value


@dataclasses.dataclass
class FixedUncertainty(StreamPolicy):
    """Ask when the uncertainty reaches a fixed ``threshold``.

    >>> FixedUncertainty(0.4).wants(0.5, None)
    True
    """

    threshold: float = 0.5
    name = "fixed_uncertainty"

    def __post_init__(self) -> None:
        self.threshold = _check_unit("threshold", self.threshold)

    def wants(self, score, rng):
        return score >= self.threshold


@dataclasses.dataclass
class VariableUncertainty(StreamPolicy):
    """Žliobaitė's variable uncertainty: a confidence threshold that adapts.

    Ask when the model's confidence ``1 - score`` is below ``threshold`` (start 1:
    ask for everything). Each label lowers the threshold by the factor ``1 - step``, each
    item passed over with budget to spare raises it by ``1 + step``, so the policy spends
    the budget on the least confident items *of the current period*, whatever the
    model's overall confidence has become. The threshold is capped at ``1 + step``: just
    above 1, so that even items predicted with probability 1 (overconfident models) are
    asked for when budget is left over, without a long quiet spell pushing it so high
    that many labels are spent before it is selective again.
    """

    step: float = 0.01
    threshold: float = 1.0
    name = "variable_uncertainty"

    def __post_init__(self) -> None:
        self.step = _check_unit("step", self.step)
        self.threshold = _check_unit("threshold", self.threshold, low_open=True)

    def _limit(self, rng) -> float:
        return self.threshold

    def wants(self, score, rng):
        return (1.0 - score) < self._limit(rng)

    def update(self, labelled):
        factor = 1.0 - self.step if labelled else 1.0 + self.step
        self.threshold = float(np.clip(self.threshold * factor, _MIN_THRESHOLD, 1.0 + self.step))


@dataclasses.dataclass
class RandomizedVariableUncertainty(VariableUncertainty):
    """Variable uncertainty with the threshold multiplied by ``N(1, delta)`` noise per
    item, so confident items are sometimes asked too (they may be wrong after drift)."""

    delta: float = 1.0
    name = "randomized_variable_uncertainty"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.delta < 0:
            raise UserValueError(f"delta must be non-negative, got {self.delta}")

    def _limit(self, rng):
        return self.threshold * rng.normal(1.0, self.delta)


@dataclasses.dataclass
class Split(StreamPolicy):
    """A ``random_share`` of items is offered for a label at random (to notice drift far
    from the boundary); the rest goes through variable uncertainty."""

    random_share: float = 0.2
    step: float = 0.01
    name = "split"

    def __post_init__(self) -> None:
        self.random_share = _check_unit("random_share", self.random_share)
        self._uncertainty = VariableUncertainty(step=self.step)
        self._last_random = False

    @property
    def threshold(self) -> float:
        return self._uncertainty.threshold

    def wants(self, score, rng):
        self._last_random = bool(rng.random() < self.random_share)
        return True if self._last_random else self._uncertainty.wants(score, rng)

    def update(self, labelled):
        if not self._last_random:
            self._uncertainty.update(labelled)


@dataclasses.dataclass
class Periodic(StreamPolicy):
    """Ask for every ``period``-th item, whatever the model says.

    >>> p = Periodic(3); [p.wants(0.0, None) for _ in range(6)]
    [False, False, True, False, False, True]
    """

    period: int = 10
    name = "periodic"

    def __post_init__(self) -> None:
        if isinstance(self.period, bool) or int(self.period) != self.period or self.period < 1:
            raise UserValueError(f"period must be a positive whole number, got {self.period!r}")
        self.period = int(self.period)
        self._count = 0

    def wants(self, score, rng):
        self._count += 1
        return self._count % self.period == 0


@dataclasses.dataclass
class RandomPolicy(StreamPolicy):
    """Ask for each item with probability ``rate`` (passive sampling, the baseline)."""

    rate: float = 0.1
    name = "random"

    def __post_init__(self) -> None:
        self.rate = _check_unit("rate", self.rate)

    def wants(self, score, rng):
        return bool(rng.random() < self.rate)


_POLICIES: dict[str, Callable[..., StreamPolicy]] = {
    "fixed_uncertainty": FixedUncertainty,
    "variable_uncertainty": VariableUncertainty,
    "randomized_variable_uncertainty": RandomizedVariableUncertainty,
    "split": Split,
    "periodic": Periodic,
    "random": RandomPolicy,
}


def available_policies() -> list[str]:
    """Names accepted by :func:`get_policy`.

    >>> "split" in available_policies()
    True
    """
    return sorted(_POLICIES)


def get_policy(spec: str | StreamPolicy, **params) -> StreamPolicy:
    """A policy by name (with parameters), or the given policy object.

    >>> get_policy("periodic", period=5).period
    5
    """
    if isinstance(spec, StreamPolicy):
        if params:
            raise UserValueError("parameters can only be given with a policy name, not an object")
        return spec
    if not isinstance(spec, str) or spec not in _POLICIES:
        raise UserValueError(
            f"unknown stream policy {spec!r}; choose one of: {', '.join(available_policies())}"
        )
    return _POLICIES[spec](**params)
