"""Expected error reduction and expected model change (expected gradient length).

>>> from alwild.strategies import get_strategy
>>> get_strategy("eer", n_candidates=10).n_candidates
10
"""

from __future__ import annotations

import dataclasses

import numpy as np

from alwild import scores as S
from alwild.errors import UserValueError
from alwild.features import features_of
from alwild.labels import align_proba
from alwild.pool import append_rows, n_rows, raise_if_nonfinite, take_rows
from alwild.select import top_k
from alwild.strategies.base import Strategy, score_strategy
from alwild.strategies.capabilities import require_proba
from alwild.strategies.registry import register

__all__ = ["ExpectedErrorReduction"]


@dataclasses.dataclass(frozen=True)
class ExpectedErrorReduction(Strategy):
    """Expected error reduction (Roy & McCallum 2001) on a random subsample of the pool.

    For each of ``n_candidates`` pool rows and each class, a clone of the estimator is
    refitted with that row added, and its expected loss (``"log"`` or ``"01"``) on
    ``n_eval`` pool rows is weighted by the current p(y | x). Cost: candidates × classes
    fits, so keep the subsample small. A tie goes to a random row, or to the lowest index
    with ``random_tie_break=False``.
    """

    name = "expected_error_reduction"
    loss: str = "log"
    n_candidates: int = 50
    n_eval: int = 200
    random_tie_break: bool = True

    def check(self, model):
        require_proba(model, self.name)
        if getattr(model, "X_training", None) is None:
            raise UserValueError(
                "expected_error_reduction refits the model with each candidate added, so it "
                "needs the labelled data: use it through ActiveLearner"
            )

    def select(self, model, X_pool, n_instances, rng):
        try:
            return self._select(model, X_pool, n_instances, rng)
        except ValueError as err:  # rows are predicted and refitted outside map_chunks
            raise_if_nonfinite(X_pool, 0, err)
            raise

    def _select(self, model, X_pool, n_instances, rng):
        from sklearn.base import clone

        n = n_rows(X_pool)
        n_cand = min(n, max(self.n_candidates, n_instances))
        cand = np.sort(rng.choice(n, n_cand, replace=False))
        evals = np.sort(rng.choice(n, min(n, self.n_eval), replace=False))
        X_cand, X_eval = take_rows(X_pool, cand), take_rows(X_pool, evals)
        cand_proba = model.predict_proba(X_cand)
        classes = _classes(model, cand_proba.shape[1])
        future = np.empty((n_cand, len(classes), len(evals), len(classes)))
        base = getattr(model, "estimator", model)
        for i in range(n_cand):
            x_i = take_rows(X_cand, np.array([i]))
            X_new = append_rows(model.X_training, x_i)
            for j, label in enumerate(classes):
                y_new = np.append(np.asarray(model.y_training), label)
                est = clone(base).fit(X_new, y_new)
                future[i, j] = _aligned_proba(est, X_eval, classes)
        utility = S.expected_error(cand_proba, future, self.loss)
        scores = np.full(n, -np.inf)
        scores[cand] = utility
        return top_k(scores, n_instances, rng, random_tie_break=self.random_tie_break), scores


def _classes(model, width: int) -> np.ndarray:
    """The model's classes; a model without ``classes_`` knows those of its labels, or
    ``0 .. width - 1`` when its ``predict_proba`` has ``width`` columns, more than its labels
    show, and its labels are among those integers.

    >>> class Labels: y_training = np.array([1, 1])
    >>> _classes(Labels(), 1).tolist(), _classes(Labels(), 3).tolist()
    ([1], [0, 1, 2])
    """
    try:
        return model.classes_
    except AttributeError:
        seen = np.unique(model.y_training)
    if seen.size == width:
        return seen
    if seen.dtype.kind in "iu" and np.isin(seen, np.arange(width)).all():
        return np.arange(width)
    raise UserValueError(
        f"the model's predict_proba has {width} columns, but it has no classes_ and its "
        f"labels show {seen.size} class(es) ({seen.tolist()}): give the estimator a classes_ "
        "attribute naming the class of each column")


def _aligned_proba(est, X, classes) -> np.ndarray:
    return align_proba(est.predict_proba(X), getattr(est, "classes_", classes), classes)


def _egl(model, rows):
    est = getattr(model, "estimator", model)
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    return S.expected_gradient_length(
        model.predict_proba(rows), features_of(model, rows), getattr(final, "fit_intercept", True)
    )



register("expected_error_reduction", ExpectedErrorReduction, aliases=("eer",))
register("expected_gradient_length",
         score_strategy("expected_gradient_length", _egl, "proba"), aliases=("egl",))
