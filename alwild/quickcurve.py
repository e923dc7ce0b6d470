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

from alwild.learners import ActiveLearner

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
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {sorted(BUILTIN)}")
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
            pool = np.setdiff1d(np.arange(len(y_tr)), init_idx)
            while True:
                n_labels = len(learner.y_training)
                rows.append({"strategy": name, "seed": seed, "labels": n_labels,
                             "accuracy": learner.score(X_te, y_te)})
                if n_labels >= init + budget or pool.size == 0:
                    break
                idx, _ = learner.query(X_tr[pool], n_instances=min(batch, pool.size))
                learner.teach(X_tr[pool[idx]], y_tr[pool[idx]])
                pool = np.delete(pool, idx)
    return rows
