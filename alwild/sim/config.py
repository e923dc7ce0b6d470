"""What a simulation runs on: the prepared data and the settings shared by every run.

>>> import numpy as np
>>> data = SimData("toy", np.zeros((4, 1)), np.array([0, 1, 0, 1]), ("a", "b"))
>>> data.n_classes, SimConfig().protocol
(2, 'holdout')
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild.errors import UserValueError

__all__ = ["SimConfig", "SimData", "PROTOCOLS", "INIT_MODES", "METRICS"]

PROTOCOLS = ("holdout", "paper")
INIT_MODES = ("random", "stratified")
METRICS = ("accuracy", "balanced_accuracy", "f1_macro")


@dataclasses.dataclass(frozen=True)
class SimData:
    """A numeric feature matrix and integer labels (indices into ``classes``)."""

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple

    @property
    def n_classes(self) -> int:
        return len(self.classes)


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """Settings shared by every strategy and seed of one simulation.

    ``protocol="holdout"``: a stratified ``test_size`` split the learner never sees;
    ``protocol="paper"``: the pool and the evaluation rows are the whole dataset (the
    reference study's apparent setup, which counts the rows the model was trained on).
    ``budget`` counts queried labels after the ``init`` starting labels. ``stops`` are
    stopping rules replayed in each run (see :mod:`alwild.sim.stopping_rules`).
    """

    model: str = "rf"
    init: int = 10
    init_mode: str = "random"
    budget: int = 30
    batch: int = 1
    protocol: str = "holdout"
    test_size: float = 0.3
    metrics: tuple[str, ...] = METRICS
    scenario: str = "pool"
    stops: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise UserValueError(f"unknown protocol {self.protocol!r}; use one of {PROTOCOLS}")
        if self.init_mode not in INIT_MODES:
            raise UserValueError(f"unknown init mode {self.init_mode!r}; use one of {INIT_MODES}")
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown or not self.metrics:
            raise UserValueError(f"unknown metrics {unknown}; use some of {METRICS}")
        for name in ("init", "budget", "batch"):
            if int(getattr(self, name)) < 1:
                raise UserValueError(
                    f"--{name} must be a positive integer, got {getattr(self, name)}")
        if not 0.0 < self.test_size < 1.0:
            raise UserValueError(f"test_size must lie between 0 and 1, got {self.test_size}")
