"""Experiments: simulate any registered strategy on any labelled table over many seeds.

>>> from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
>>> result = simulate(prepare(load_dataset("iris")), parse_arms("margin"),
...                   SimConfig(budget=2), seeds=[0])
>>> int(result.curves["labels"].max())
12
"""

from alwild.moved import keep_old_paths
from alwild.sim.arms import Arm, parse_arms
from alwild.sim.config import SimConfig, SimData
from alwild.sim.datasets import BUILTIN_NAMES, Dataset, load_dataset
from alwild.sim.runner import SimResult, prepare, simulate
from alwild.sim.scenarios import SCENARIOS

keep_old_paths({"alwild.sim.models": "alwild.sim.estimators"})

__all__ = ["Arm", "parse_arms", "SimConfig", "SimData", "BUILTIN_NAMES", "Dataset",
           "load_dataset", "SimResult", "prepare", "simulate", "SCENARIOS"]
