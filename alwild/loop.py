"""The library loop: query, ask the oracle, teach, round after round, until told to stop.

:func:`run_loop` is the one loop of the package: :func:`learn_until`, the simulations
(``alwild.sim``), the power-line case (``alwild.cases``) and the demo curve
(``alwild.quickcurve``) all run it, and record what they need from its ``callback``.

>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.learners import ActiveLearner
>>> X = np.linspace(0, 1, 40)[:, None]; truth = (X[:, 0] > 0.5).astype(int)
>>> learner = ActiveLearner(LogisticRegression(), "margin", random_state=0)
>>> seen = []
>>> result = run_loop(learner, X, lambda rows, idx: truth[idx], batch_size=4, budget=10,
...                   callback=lambda state: seen.append(state.n_queried))
>>> seen, result.decision.criterion, len(learner.y_training)
([0, 4, 8, 10], 'budget', 10)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from alwild.errors import UserValueError, check_positive_int
from alwild.pool import n_rows, take_rows
from alwild.stopping import StopDecision

__all__ = ["run_loop", "LoopRound", "LoopResult", "learn_until", "check_oracle_labels"]

Oracle = Callable[[Any, "np.ndarray | None"], ArrayLike]
"""``oracle(rows, indices) -> labels``: one label per row; ``indices`` are the rows'
positions in ``X``, or None for rows the learner made up."""

Stop = Callable[[Any], StopDecision]
"""A stopping criterion (:mod:`alwild.stopping`): ``stop(learner) -> StopDecision``."""

_NO_ROWS = np.empty(0, dtype=np.intp)


@dataclass(frozen=True)
class LoopRound:
    """One round of :func:`run_loop`, as its ``callback`` sees it.

    ``round`` is 0 before the first query, then 1, 2, ... after each teach.
    ``n_queried`` counts the labels the loop has asked for so far (a row asked twice
    counts twice). ``picked`` holds the positions in ``X`` of the rows asked this round
    (empty in round 0; None when the learner made its rows up, as a
    :class:`~alwild.learners.SynthesisLearner` does), ``labels`` the oracle's answers and
    ``pool`` the positions still to choose from.
    """

    round: int
    n_queried: int
    picked: np.ndarray | None
    labels: np.ndarray
    pool: np.ndarray


@dataclass(frozen=True)
class LoopResult:
    """Why :func:`run_loop` stopped, what it asked for in each round, and the pool left."""

    decision: StopDecision
    picked: list[np.ndarray | None]
    n_queried: int
    pool: np.ndarray

    @property
    def n_rounds(self) -> int:
        """Query rounds run (teaches)."""
        return len(self.picked)


def check_oracle_labels(labels, n_rows_asked: int, known_classes) -> np.ndarray:
    """The oracle's answer as an array, or a clear error if it is malformed.

    >>> check_oracle_labels([1, 0], 2, known_classes=[0, 1]).tolist()
    [1, 0]
    """
    labels = np.atleast_1d(np.asarray(labels))
    if labels.shape[0] != n_rows_asked:
        raise UserValueError(f"the oracle returned {labels.shape[0]} labels for {n_rows_asked} "
                         "rows: it must answer one label per row")
    if known_classes is not None:
        known = np.asarray(known_classes)
        unknown = np.setdiff1d(labels, known)
        if unknown.size:
            raise UserValueError(
                f"the oracle returned class(es) {unknown.tolist()}, which are not among the "
                f"known classes {known.tolist()}: fix the oracle, or declare the class in "
                "known_classes"
            )
    return labels


def run_loop(
    learner,
    X,
    oracle: Oracle,
    *,
    pool: ArrayLike | None = None,
    batch_size: int = 1,
    budget: int | None = None,
    stop: Stop | None = None,
    keep_queried: bool = False,
    callback: Callable[[LoopRound], bool | None] | None = None,
) -> LoopResult:
    """Query ``batch_size`` rows of the pool at a time, label them with
    ``oracle(rows, indices)`` and teach them, until something says stop.

    Parameters
    ----------
    learner : a learner with ``query(X_pool, n_instances)`` and ``teach(X, y)``.
    X : the rows (any pool type :mod:`alwild.pool` supports); the pool indexes into it.
    oracle : ``oracle(rows, indices) -> labels``, one label per row asked.
    pool : positions in ``X`` to choose from, in this order (default: every row).
    batch_size : rows per round; the last rounds ask fewer where the budget or the pool
        has fewer left.
    budget : most labels to ask for (None: no limit).
    stop : a stopping criterion, asked after each teach (not before the first query).
    keep_queried : leave asked rows in the pool, so they can be asked again.
    callback : ``callback(LoopRound)``, called before the first query and after each
        teach; a true return ends the loop there.

    The loop ends, in this order of precedence, when ``stop`` says stop, when the
    callback returns true, when ``budget`` labels are asked, or when the pool is empty;
    :attr:`LoopResult.decision` says which. Rows the learner made up (its
    ``last_synthetic_`` is true) leave nothing from the pool.

    >>> from sklearn.naive_bayes import GaussianNB
    >>> from alwild.learners import ActiveLearner
    >>> X = np.arange(10.0)[:, None]; y = (X[:, 0] > 4).astype(int)
    >>> learner = ActiveLearner(GaussianNB(), "random", random_state=0)
    >>> result = run_loop(learner, X, lambda rows, idx: y[idx], pool=[1, 3, 5, 7, 9],
    ...                   batch_size=2)
    >>> [len(p) for p in result.picked], result.decision.criterion
    ([2, 2, 1], 'pool_exhausted')
    """
    check_positive_int("batch_size", batch_size)
    if budget is not None and budget < 0:
        raise UserValueError(f"budget must be 0 or more labels, got {budget!r}")
    if keep_queried and budget is None and stop is None and callback is None:
        raise UserValueError("keep_queried leaves the pool full, so the loop would never end: "
                         "give a budget, a stop criterion or a callback that stops")
    remaining = np.arange(n_rows(X)) if pool is None else np.asarray(pool, dtype=np.intp)
    picked_rounds: list[np.ndarray | None] = []
    n_queried = 0
    decision = None
    halt = bool(callback and callback(LoopRound(0, 0, _NO_ROWS, _NO_ROWS, remaining)))
    while True:
        if decision is None or not decision.stop:
            decision = _reason_to_end(halt, n_queried, budget, remaining)
        if decision is not None:
            break
        k = min(batch_size, remaining.size)
        if budget is not None:
            k = min(k, budget - n_queried)
        idx, rows = learner.query(take_rows(X, remaining), k)
        made_up = bool(getattr(learner, "last_synthetic_", False))
        picked = None if made_up else remaining[idx]
        labels = check_oracle_labels(oracle(rows, picked), k,
                                     getattr(learner, "known_classes", None))
        learner.teach(rows, labels)
        n_queried += k
        if not (made_up or keep_queried):
            remaining = np.delete(remaining, idx)
        picked_rounds.append(picked)
        decision = stop(learner) if stop is not None else None
        state = LoopRound(len(picked_rounds), n_queried, picked, labels, remaining)
        halt = bool(callback and callback(state))
    return LoopResult(decision, picked_rounds, n_queried, remaining)


def _reason_to_end(halt: bool, n_queried: int, budget: int | None,
                   remaining: np.ndarray) -> StopDecision | None:
    if halt:
        return StopDecision(True, "callback", "the callback asked to stop")
    if budget is not None and n_queried >= budget:
        return StopDecision(True, "budget", f"label budget spent: {n_queried} asked, "
                            f"budget {budget}", n_queried)
    if remaining.size == 0:
        return StopDecision(True, "pool_exhausted", "every pool row is labelled")
    return None


def learn_until(
    learner,
    X_pool,
    oracle: Oracle,
    stop: Stop,
    n_instances: int = 1,
) -> StopDecision:
    """Query ``n_instances`` rows at a time, label them with ``oracle(rows, pool_indices)``
    and teach, until ``stop`` says stop or the pool runs out. Returns the last decision.

    >>> from sklearn.linear_model import LogisticRegression
    >>> from alwild.learners import ActiveLearner
    >>> from alwild.stopping import LabelBudget
    >>> X = np.linspace(0, 1, 40)[:, None]; truth = (X[:, 0] > 0.5).astype(int)
    >>> learner = ActiveLearner(LogisticRegression(), "margin", random_state=0)
    >>> decision = learn_until(learner, X, lambda rows, idx: truth[idx], LabelBudget(10), 2)
    >>> decision.reason
    'label budget reached: 10 labelled, budget 10'
    """
    return run_loop(learner, X_pool, oracle, batch_size=n_instances, stop=stop).decision
