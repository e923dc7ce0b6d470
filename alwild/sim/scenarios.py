"""The table of simulation scenarios: how one (arm, seed) run gets its labels.

A scenario is a function ``run(data, arm, seed, config) -> list[dict]`` returning
learning-curve rows. Each row has ``strategy`` (the arm's name), ``seed``, ``labels`` (labels
spent so far, starting ones included) and one float column per metric in
``config.metrics``; extra columns are kept as they are. The runner calls it once per
(arm, seed), in parallel, and everything downstream (summary, savings, plots, manifest)
works on those rows, so adding a scenario is one function and one line here.

>>> sorted(SCENARIOS)
['imbalance', 'pool']

A scenario may also reshape the data once before every run (``PREPARE``): the
imbalance scenario cuts one class down to a few percent.
"""

from __future__ import annotations

from collections.abc import Callable

from alwild.errors import UserValueError
from alwild.sim.arms import Arm
from alwild.sim.config import SimConfig, SimData
from alwild.sim.imbalance_scenario import make_imbalanced, run_imbalance
from alwild.sim.pool_run import run_pool

__all__ = ["SCENARIOS", "PREPARE", "Scenario", "get_scenario", "prepare_for"]

Scenario = Callable[[SimData, Arm, int, SimConfig], list[dict]]

SCENARIOS: dict[str, Scenario] = {
    "pool": run_pool,
    "imbalance": run_imbalance,
}

PREPARE: dict[str, Callable[[SimData], SimData]] = {
    "imbalance": lambda data: make_imbalanced(data)[0],
}


def prepare_for(name: str, data: SimData) -> SimData:
    """``data`` as scenario ``name`` runs on it (unchanged for most scenarios)."""
    return PREPARE[name](data) if name in PREPARE else data


def get_scenario(name: str) -> Scenario:
    """The scenario function registered as ``name``."""
    if name not in SCENARIOS:
        raise UserValueError(
            f"unknown scenario {name!r}; use one of {', '.join(sorted(SCENARIOS))}")
    return SCENARIOS[name]
