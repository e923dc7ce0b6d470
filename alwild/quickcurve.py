"""A small learning-curve run: strategies against random on a builtin dataset.

Used by ``alwild demo``; the full experiment machinery lives in ``alwild.sim``.

>>> rows = learning_curves("iris", ["entropy"], seeds=1, init=6, batch=6, budget=12)
>>> sorted(rows[0])
['accuracy', 'labels', 'seed', 'strategy']
"""

from __future__ import annotations

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alwild.errors import UserValueError
from alwild.learners import ActiveLearner
from alwild.loop import LoopRound, run_loop

__all__ = ["learning_curves", "BUILTIN"]

BUILTIN = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}


def learning_curves(
    dataset: str, strategies: list[str], seeds: int = 3, init: int = 20, batch: int = 10,
    budget: int = 150,
) -> list[dict]:
    """Held-out accuracy after each query round, for each strategy and seed."""
    if dataset not in BUILTIN:
        raise UserValueError(f"unknown dataset {dataset!r}; choose one of {sorted(BUILTIN)}")
    X, y = BUILTIN[dataset](return_X_y=True)
    rows = []
    for seed in range(seeds):
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        rng = np.random.default_rng(seed)
        init_idx = rng.choice(len(y_tr), init, replace=False)
        for name in strategies:
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            learner = ActiveLearner(model, name, X_tr[init_idx], y_tr[init_idx],
                                    random_state=seed)
            rows.extend({"strategy": name, "seed": seed, **point} for point in
                        _curve(learner, X_tr, y_tr, init_idx, (X_te, y_te), init + budget,
                               batch))
    return rows


def _curve(learner: ActiveLearner, X: np.ndarray, y: np.ndarray, start: np.ndarray,
           test: tuple[np.ndarray, np.ndarray], n_labels: int, batch: int) -> list[dict]:
    """Labels and test accuracy per round until ``n_labels`` are labelled or the pool
    runs out (the last batch is trimmed to the pool only)."""
    points = []

    def record(state: LoopRound) -> bool:
        points.append({"labels": len(learner.y_training), "accuracy": learner.score(*test)})
        return len(learner.y_training) >= n_labels

    run_loop(learner, X, lambda _rows, idx: y[idx], pool=np.setdiff1d(np.arange(len(y)), start),
             batch_size=batch, callback=record)
    return points
