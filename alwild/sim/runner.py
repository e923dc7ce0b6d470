"""Many seeds × arms in parallel (joblib), plus each seed's full-data ceiling.

>>> from alwild.sim.arms import parse_arms
>>> from alwild.sim.config import SimConfig
>>> data = prepare(load_dataset("iris"))
>>> result = simulate(data, parse_arms("entropy,random"), SimConfig(budget=2), seeds=[0])
>>> sorted(result.curves["strategy"].unique()), len(result.ceilings)
(['entropy', 'random'], 1)
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from alwild.errors import UserValueError
from alwild.sim.arms import Arm
from alwild.sim.config import SimConfig, SimData
from alwild.sim.datasets import Dataset, load_dataset
from alwild.sim.estimators import make_model
from alwild.sim.pool_run import check_setup, score_labels, split_rows
from alwild.sim.preprocess import to_matrix
from alwild.sim.scenarios import get_scenario
from alwild.sim.stopping_rules import check_rules

__all__ = ["SimResult", "simulate", "prepare", "ceiling", "load_dataset"]


@dataclasses.dataclass(frozen=True)
class SimResult:
    """Learning curves (one row per seed × arm × label count) and per-seed ceilings."""

    curves: pd.DataFrame
    ceilings: pd.DataFrame
    config: SimConfig
    arms: tuple[Arm, ...]
    seeds: tuple[int, ...]


def prepare(dataset: Dataset) -> SimData:
    """Numeric features for a loaded table (see :mod:`alwild.sim.preprocess`)."""
    return SimData(dataset.name, to_matrix(dataset.X), dataset.y, tuple(dataset.classes))


def ceiling(data: SimData, seed: int, config: SimConfig) -> dict:
    """Metrics of ``config.model`` trained on every pool label, on the evaluation rows."""
    pool, evaluation = split_rows(data.y, config, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = make_model(config.model, random_state=seed).fit(data.X[pool], data.y[pool])
    return {"seed": seed, **score_labels(data.y[evaluation], model.predict(data.X[evaluation]),
                                         config.metrics)}


def _task(data: SimData, arm: Arm | None, seed: int, config: SimConfig):
    if arm is None:
        return "ceiling", [ceiling(data, seed, config)]
    return "curve", get_scenario(config.scenario)(data, arm, seed, config)


def simulate(data: SimData, arms: Sequence[Arm], config: SimConfig, seeds: Sequence[int],
             n_jobs: int = 1, on_done: Callable[[], None] | None = None) -> SimResult:
    """Run every arm for every seed (in ``n_jobs`` processes); ``on_done`` ticks per run."""
    if not arms:
        raise UserValueError("no strategy to simulate")
    if not seeds:
        raise UserValueError("--seeds must be at least 1")
    get_scenario(config.scenario)
    check_setup(data.y, config)
    check_rules(config.stops, make_model(config.model), config.model)
    tasks = [(arm, seed) for seed in seeds for arm in (None, *arms)]
    curves, ceilings = [], []
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_task)(data, arm, seed, config) for arm, seed in tasks
    )
    for kind, rows in results:
        (ceilings if kind == "ceiling" else curves).extend(rows)
        if on_done is not None:
            on_done()
    order = {arm.name: i for i, arm in enumerate(arms)}
    frame = pd.DataFrame(curves)
    frame = frame.sort_values(["strategy", "seed", "labels"],
                              key=lambda col: col.map(order) if col.name == "strategy" else col)
    return SimResult(frame.reset_index(drop=True),
                     pd.DataFrame(ceilings).sort_values("seed").reset_index(drop=True),
                     config, tuple(arms), tuple(int(s) for s in seeds))


def n_tasks(arms: Sequence[Arm], seeds: Sequence[int]) -> int:
    """How many runs :func:`simulate` performs (for a progress bar)."""
    return len(seeds) * (len(arms) + 1)


def seed_list(n: int, first: int = 0) -> list[int]:
    """``n`` consecutive seeds starting at ``first``."""
    return list(np.arange(first, first + n, dtype=int).tolist())
