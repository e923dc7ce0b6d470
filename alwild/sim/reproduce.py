"""The reference study's Iris and Titanic experiments, over many seeds and both protocols.

Iris: 10 random starting rows, random forests, 30 queries one at a time; uncertainty vs a
committee of 2 random forests vs two readings of "acquisition function" selection (see
:mod:`alwild.sim.arms`), plus, under the paper protocol, the committee with queried rows
left in the pool and modAL's deterministic tie-break (the reading that reproduces the
study's flat committee curve).
Titanic: the same start, 50 queries, uncertainty vs a committee of 2 random forests.
Random sampling is not an arm of the study (``benchmarks/label_efficiency.py`` runs it).
Every experiment runs under ``paper`` (accuracy on the whole dataset) and ``holdout`` (a
stratified 30% test split) protocols.

>>> [e.dataset for e in EXPERIMENTS]
['iris', 'titanic']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from alwild.sim.arms import Arm
from alwild.sim.config import PROTOCOLS, SimConfig
from alwild.sim.datasets import load_dataset
from alwild.sim.runner import SimResult, n_tasks, prepare, simulate

__all__ = ["Claim", "Experiment", "EXPERIMENTS", "run_experiments", "total_tasks",
           "results_from_folder"]

UNCERTAINTY = Arm("uncertainty", "least_confident")
COMMITTEE = Arm("committee_2rf", "vote_entropy", committee_size=2)
COMMITTEE_NOT_SHRUNK = Arm("committee_2rf_pool_not_shrunk", "vote_entropy", committee_size=2,
                           shrink_pool=False, tie_break="first")
ACQ_MODAL = Arm("acq_modal_gpr_max_EI", "max_EI", kind="class_index_regressor")
ACQ_CLASSIFIER = Arm("acq_gp_classifier_entropy", "entropy", model="gpc")


@dataclasses.dataclass(frozen=True)
class Claim:
    """One single-run number of the study: ``arm`` at ``queries`` (``at_most``: the highest
    value over queries 0..``queries``)."""

    text: str
    arm: str
    queries: int
    value: float
    at_most: bool = False


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One dataset's setup; ``paper_only`` arms run under the paper protocol alone."""

    dataset: str
    budget: int
    arms: tuple[Arm, ...]
    claims: tuple[Claim, ...]
    init: int = 10
    model: str = "rf"
    paper_only: tuple[Arm, ...] = ()

    def arms_for(self, protocol: str) -> tuple[Arm, ...]:
        return self.arms + self.paper_only if protocol == "paper" else self.arms


_IRIS_CLAIMS = (
    Claim("uncertainty, start", "uncertainty", 0, 0.586),
    Claim("uncertainty, 10 queries", "uncertainty", 10, 0.962),
    Claim("uncertainty, 20 queries", "uncertainty", 20, 0.978),
    Claim("uncertainty, 30 queries", "uncertainty", 30, 0.987),
    *(Claim(f"acquisition function, {text} ({arm})", arm, q, v)
      for arm in ("acq_modal_gpr_max_EI", "acq_gp_classifier_entropy")
      for text, q, v in (("start", 0, 0.85), ("10 queries", 10, 0.872),
                         ("20 queries", 20, 0.948), ("30 queries", 30, 0.86))),
    *(Claim(f"committee, best of queries 0-10 ({arm})", arm, 10, 0.631, at_most=True)
      for arm in ("committee_2rf", "committee_2rf_pool_not_shrunk")),
    *(Claim(f"committee, 30 queries ({arm})", arm, 30, 0.958)
      for arm in ("committee_2rf", "committee_2rf_pool_not_shrunk")),
)
_TITANIC_CLAIMS = (
    Claim("committee (2 RF), 50 queries", "committee_2rf", 50, 0.846),
    Claim("uncertainty, 50 queries", "uncertainty", 50, 0.789),
)

EXPERIMENTS = (
    Experiment("iris", 30, (UNCERTAINTY, COMMITTEE, ACQ_MODAL, ACQ_CLASSIFIER), _IRIS_CLAIMS,
               paper_only=(COMMITTEE_NOT_SHRUNK,)),
    Experiment("titanic", 50, (UNCERTAINTY, COMMITTEE), _TITANIC_CLAIMS),
)


def total_tasks(seeds: list[int], experiments=EXPERIMENTS) -> int:
    """Runs performed by :func:`run_experiments` (for a progress bar)."""
    return sum(n_tasks(e.arms_for(p), seeds) for e in experiments for p in PROTOCOLS)


def _config(exp: Experiment, protocol: str) -> SimConfig:
    return SimConfig(model=exp.model, init=exp.init, budget=exp.budget, protocol=protocol,
                     metrics=("accuracy",))


def results_from_folder(folder: Path, experiments=EXPERIMENTS) -> dict[tuple[str, str],
                                                                       SimResult]:
    """The results of an earlier run, read back from its curves and ceilings CSVs."""
    results = {}
    for exp in experiments:
        for protocol in PROTOCOLS:
            stem = Path(folder) / f"{exp.dataset}_{protocol}"
            try:
                curves = pd.read_csv(f"{stem}_curves.csv")
                ceilings = pd.read_csv(f"{stem}_ceilings.csv")
            except FileNotFoundError as err:
                raise FileNotFoundError(
                    f"{folder} holds no complete `alwild reproduce` run ({err.filename} is "
                    "missing): run `alwild reproduce --out FOLDER` first"
                ) from err
            seeds = tuple(int(s) for s in sorted(ceilings["seed"].unique()))
            results[exp.dataset, protocol] = SimResult(curves, ceilings, _config(exp, protocol),
                                                       exp.arms_for(protocol), seeds)
    return results


def run_experiments(seeds: list[int], n_jobs: int = -1,
                    on_done: Callable[[], None] | None = None,
                    experiments=EXPERIMENTS) -> dict[tuple[str, str], SimResult]:
    """Results keyed by ``(dataset, protocol)``."""
    results = {}
    for exp in experiments:
        data = prepare(load_dataset(exp.dataset))
        for protocol in PROTOCOLS:
            results[exp.dataset, protocol] = simulate(data, exp.arms_for(protocol),
                                                      _config(exp, protocol), seeds,
                                                      n_jobs=n_jobs, on_done=on_done)
    return results
