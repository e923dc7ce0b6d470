"""The imbalance scenario: one class cut down to a few percent, then a pool run that
tracks the rare class — its recall, and how many of its rows have been labelled.

``make_imbalanced`` turns a dataset into the scenario's data (seed-independent, so every
arm and seed sees the same table); ``run_imbalance`` follows the simulation scenario
contract of :mod:`alwild.sim.scenarios`; ``labels_until_minority`` reads the curves.

>>> import numpy as np
>>> from alwild.sim.config import SimData
>>> X = np.arange(200.0)[:, None]; y = np.r_[np.zeros(100), np.ones(100)].astype(int)
>>> small, minority = make_imbalanced(SimData("toy", X, y, ("a", "b")), share=0.05)
>>> minority, int((small.y == minority).sum()), len(small.y)
(0, 5, 105)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import recall_score

from alwild.errors import UserValueError
from alwild.sim.arms import Arm
from alwild.sim.config import SimConfig, SimData
from alwild.sim.pool_run import run_pool

__all__ = ["make_imbalanced", "run_imbalance", "labels_until_minority", "MINORITY_SHARE"]

MINORITY_SHARE = 0.03
_SUBSAMPLE_SEED = 12345


def _minority_of(data: SimData) -> int:
    """The rare class of a table made by :func:`make_imbalanced`: the least frequent."""
    return int(np.argmin(np.bincount(data.y, minlength=data.n_classes)))


def make_imbalanced(
    data: SimData, share: float = MINORITY_SHARE, minority: int | None = None
) -> tuple[SimData, int]:
    """``data`` with class ``minority`` (default: the least frequent) cut to ``share`` of
    the rows (at least 4 rows, so a stratified split keeps some on each side)."""
    if not 0.0 < share < 0.5:
        raise UserValueError(f"the minority share must lie in (0, 0.5), got {share}")
    counts = np.bincount(data.y, minlength=data.n_classes)
    minority = int(np.argmin(counts)) if minority is None else int(minority)
    if not 0 <= minority < data.n_classes:
        raise UserValueError(f"minority class index {minority} is not in 0..{data.n_classes - 1}")
    rest = np.flatnonzero(data.y != minority)
    keep = max(4, int(round(share / (1.0 - share) * rest.size)))
    rng = np.random.default_rng(_SUBSAMPLE_SEED)
    rare = rng.choice(np.flatnonzero(data.y == minority), min(keep, counts[minority]),
                      replace=False)
    rows = np.sort(np.r_[rest, rare])
    name = f"{data.name} ({data.classes[minority]} at {share:.0%})"
    return SimData(name, data.X[rows], data.y[rows], data.classes), minority


def run_imbalance(data: SimData, arm: Arm, seed: int, config: SimConfig) -> list[dict]:
    """Learning-curve rows with ``minority_recall`` and ``minority_found`` (rare-class rows
    labelled so far, starting rows included). ``data`` is already imbalanced."""
    minority = _minority_of(data)

    def columns(y_eval: np.ndarray, pred: np.ndarray, labelled_y: np.ndarray) -> dict:
        recall = recall_score(y_eval == minority, pred == minority, zero_division=0)
        return {"minority_recall": float(recall),
                "minority_found": int(np.sum(labelled_y == minority))}

    return run_pool(data, arm, seed, config, step_columns=columns)


def labels_until_minority(curves: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """Per strategy and seed: labels spent when the ``k``-th rare-class row was labelled
    (NaN if the budget ran out first).

    >>> c = pd.DataFrame({"strategy": ["a"] * 3, "seed": [0] * 3, "labels": [10, 11, 12],
    ...                   "minority_found": [3, 5, 6]})
    >>> labels_until_minority(c, 5)["labels"].tolist()
    [11.0]
    """
    hit = curves[curves["minority_found"] >= k]
    first = hit.groupby(["strategy", "seed"], sort=False)["labels"].min()
    every = curves.groupby(["strategy", "seed"], sort=False)["labels"].max()
    return first.reindex(every.index).astype(float).rename("labels").reset_index()
