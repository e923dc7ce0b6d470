"""The library loop: query, ask the oracle, teach, until a stopping criterion says stop.

>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.learners import ActiveLearner
>>> from alwild.stopping import LabelBudget
>>> X = np.linspace(0, 1, 40)[:, None]; truth = (X[:, 0] > 0.5).astype(int)
>>> learner = ActiveLearner(LogisticRegression(), "margin", random_state=0)
>>> decision = learn_until(learner, X, lambda rows, idx: truth[idx], LabelBudget(10), 2)
>>> decision.reason
'label budget reached: 10 labelled, budget 10'
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from alwild.pool import n_rows, take_rows
from alwild.stopping import StopDecision, StoppingCriterion

__all__ = ["learn_until", "check_oracle_labels"]

Oracle = Callable[[object, np.ndarray], np.ndarray]


def check_oracle_labels(labels, n_rows_asked: int, known_classes) -> np.ndarray:
    """The oracle's answer as an array, or a clear error if it is malformed.

    >>> check_oracle_labels([1, 0], 2, known_classes=[0, 1]).tolist()
    [1, 0]
    """
    labels = np.atleast_1d(np.asarray(labels))
    if labels.shape[0] != n_rows_asked:
        raise ValueError(f"the oracle returned {labels.shape[0]} labels for {n_rows_asked} "
                         "rows: it must answer one label per row")
    if known_classes is not None:
        known = np.asarray(known_classes)
        unknown = np.setdiff1d(labels, known)
        if unknown.size:
            raise ValueError(
                f"the oracle returned class(es) {unknown.tolist()}, which are not among the "
                f"known classes {known.tolist()}: fix the oracle, or declare the class in "
                "known_classes"
            )
    return labels


def learn_until(
    learner,
    X_pool,
    oracle: Oracle,
    stop: StoppingCriterion,
    n_instances: int = 1,
) -> StopDecision:
    """Query ``n_instances`` rows at a time, label them with ``oracle(rows, pool_indices)``
    and teach, until ``stop`` says stop or the pool runs out. Returns the last decision.
    """
    remaining = np.arange(n_rows(X_pool))
    while True:
        if remaining.size == 0:
            return StopDecision(True, "pool_exhausted", "every pool row is labelled")
        k = min(n_instances, remaining.size)
        idx, rows = learner.query(take_rows(X_pool, remaining), k)
        chosen = remaining[idx]
        labels = check_oracle_labels(oracle(rows, chosen), k,
                                     getattr(learner, "known_classes", None))
        learner.teach(rows, labels)
        remaining = np.delete(remaining, idx)
        decision = stop(learner)
        if decision.stop:
            return decision
