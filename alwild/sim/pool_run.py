"""One pool-based run: one arm, one seed, labels asked one batch at a time.

Each seed fixes the split, the starting rows, the estimators' ``random_state`` and the
strategy's tie-breaking, so every arm of a seed starts from the same labelled rows.

>>> import numpy as np
>>> from alwild.sim.arms import Arm
>>> from alwild.sim.config import SimConfig, SimData
>>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1))]; y = np.r_[np.zeros(20), np.ones(20)]
>>> data = SimData("toy", X, y.astype(int), ("a", "b"))
>>> rows = run_pool(data, Arm("entropy", "entropy", model="logreg"), 0,
...                 SimConfig(init=4, budget=2, init_mode="stratified"))
>>> [r["labels"] for r in rows]
[4, 5, 6]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from alwild.errors import UserValueError
from alwild.loop import LoopRound, run_loop
from alwild.sim.arms import Arm, build_learner, extra_scores, predict_labels
from alwild.sim.config import SimConfig, SimData
from alwild.sim.stopping_rules import build_rules, rule_column

__all__ = ["run_pool", "split_rows", "initial_positions", "score_labels", "check_setup"]

_METRIC_FNS = {
    "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score,
    "f1_macro": lambda y, p: f1_score(y, p, average="macro", zero_division=0),
}


def score_labels(y_true: np.ndarray, y_pred: np.ndarray, metrics: tuple[str, ...]) -> dict:
    """The chosen metrics of a prediction, as a dict."""
    return {m: float(_METRIC_FNS[m](y_true, y_pred)) for m in metrics}


def split_rows(y: np.ndarray, config: SimConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(pool, evaluation)`` row indices for the configured protocol."""
    rows = np.arange(len(y))
    if config.protocol == "paper":
        return rows, rows
    counts = np.bincount(y)
    if counts[counts > 0].min() < 2:
        raise UserValueError(
            "a class has a single labelled row, so a stratified holdout split cannot put it "
            "on both sides: drop that class, add rows, or use --protocol paper"
        )
    pool, test = train_test_split(rows, test_size=config.test_size, stratify=y,
                                  random_state=seed)
    return np.sort(pool), np.sort(test)


def initial_positions(y_pool: np.ndarray, config: SimConfig,
                      rng: np.random.Generator) -> np.ndarray:
    """Positions (into the pool) of the starting labelled rows."""
    n = config.init
    if config.init_mode == "random":
        return np.sort(rng.choice(len(y_pool), n, replace=False))
    classes = np.unique(y_pool)
    if n < len(classes):
        raise UserValueError(
            f"--init {n} is smaller than the number of classes ({len(classes)}): a "
            f"stratified start needs one row of each class; use --init {len(classes)} or "
            "more, or --init-mode random"
        )
    first = np.array([rng.choice(np.flatnonzero(y_pool == c)) for c in classes])
    rest = np.setdiff1d(np.arange(len(y_pool)), first)
    return np.sort(np.r_[first, rng.choice(rest, n - len(classes), replace=False)])


def check_setup(y: np.ndarray, config: SimConfig) -> None:
    """Raise before any run starts if the labels cannot support ``config``: a pool smaller
    than ``init + budget``, a stratified start smaller than the number of classes, or a
    class too small to split."""
    n_classes = len(np.unique(y))
    if config.init_mode == "stratified" and config.init < n_classes:
        initial_positions(y, config, np.random.default_rng(0))
    if config.protocol == "holdout":
        split_rows(y, config, 0)
    n_rows = len(y)
    pool = n_rows if config.protocol == "paper" else n_rows - int(np.ceil(n_rows *
                                                                        config.test_size))
    if config.init + config.budget > pool:
        raise UserValueError(
            f"--init {config.init} plus --budget {config.budget} is larger than the pool "
            f"({pool} rows under --protocol {config.protocol}): lower --budget to at most "
            f"{max(pool - config.init, 0)}"
        )


def run_pool(data: SimData, arm: Arm, seed: int, config: SimConfig,
             step_columns: Callable[[np.ndarray, np.ndarray, np.ndarray], dict] | None = None,
             ) -> list[dict]:
    """Learning-curve rows (one per label count) of ``arm`` on ``data`` for one seed.

    ``step_columns(y_eval, predicted, labelled_y)`` adds a scenario's own columns to each
    row (the imbalance scenario's minority recall, say).
    """
    pool, evaluation = split_rows(data.y, config, seed)
    rng = np.random.default_rng(seed)
    start = initial_positions(data.y[pool], config, rng)
    labelled = list(pool[start])
    remaining = np.delete(pool, start)
    X, y = data.X, data.y
    rows = []

    def record(state: LoopRound) -> None:
        labelled.extend(state.picked.tolist())
        pred = predict_labels(learner, arm, X[evaluation], data.n_classes)
        rows.append({"strategy": arm.name, "seed": seed, "labels": config.init + state.n_queried,
                     "distinct_labels": len(set(labelled)),
                     "used": getattr(learner, "last_strategy_", None),
                     **score_labels(y[evaluation], pred, config.metrics),
                     **extra_scores(learner, arm, X[evaluation], y[evaluation]),
                     **{rule_column(name): rules[name](learner).stop if rules else None
                        for name, _ in config.stops},
                     **(step_columns(y[evaluation], pred, y[labelled])
                        if step_columns else {})})

    def oracle(_rows, idx: np.ndarray) -> np.ndarray:
        return y[idx].astype(float) if arm.kind == "class_index_regressor" else y[idx]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        learner = build_learner(arm, config.model, X[labelled], y[labelled], seed)
        rules = build_rules(config.stops, X[remaining]) if arm.kind == "classifier" else {}
        run_loop(learner, X, oracle, pool=remaining, batch_size=config.batch,
                 budget=config.budget, keep_queried=not arm.shrink_pool, callback=record)
    return rows
