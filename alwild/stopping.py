"""Stopping criteria: when is labelling more not worth it? Each one says why it stopped.

Call a criterion (or :class:`AnyOf` several) after each round of teaching; it returns
a :class:`StopDecision` whose ``reason`` is a sentence for a person. They work in the
library loop (:func:`alwild.loop.learn_until`), in simulations and in the labelling app.

>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.learners import ActiveLearner
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> learner = ActiveLearner(LogisticRegression(), X_training=X, y_training=y)
>>> LabelBudget(4)(learner).reason
'label budget reached: 4 labelled, budget 4'
"""

from __future__ import annotations

import abc
import dataclasses
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

from alwild.errors import UserValueError, check_positive_int
from alwild.scores import UNCERTAINTIES, normalised_uncertainty

__all__ = [
    "StopDecision",
    "StoppingCriterion",
    "LabelBudget",
    "TargetMetric",
    "StabilizingPredictions",
    "MaxUncertainty",
    "Plateau",
    "AnyOf",
]


@dataclasses.dataclass(frozen=True)
class StopDecision:
    """Whether to stop, which criterion decided, and why (a sentence)."""

    stop: bool
    criterion: str
    reason: str
    value: float | None = None

    def __bool__(self) -> bool:
        return self.stop


def _n_labelled(learner) -> int:
    y = getattr(learner, "y_training", None)
    return 0 if y is None else len(y)


class StoppingCriterion(abc.ABC):
    """Base: ``criterion(learner) -> StopDecision``; ``history`` keeps every decision."""

    name = "criterion"

    def __init__(self) -> None:
        self.history: list[StopDecision] = []

    @abc.abstractmethod
    def _decide(self, learner) -> StopDecision:
        """Whether to stop now, and why."""

    def __call__(self, learner) -> StopDecision:
        decision = self._decide(learner)
        self.history.append(decision)
        return decision

    def _go_on(self, reason: str, value: float | None = None) -> StopDecision:
        return StopDecision(False, self.name, reason, value)

    def _stop(self, reason: str, value: float | None = None) -> StopDecision:
        return StopDecision(True, self.name, reason, value)


class LabelBudget(StoppingCriterion):
    """Stop once ``max_labels`` samples are labelled."""

    name = "budget"

    def __init__(self, max_labels: int) -> None:
        super().__init__()
        self.max_labels = check_positive_int("max_labels", max_labels)

    def _decide(self, learner):
        n = _n_labelled(learner)
        detail = f"{n} labelled, budget {self.max_labels}"
        if n >= self.max_labels:
            return self._stop(f"label budget reached: {detail}", n)
        return self._go_on(detail, n)


def _metric_fn(metric: str | Callable) -> Callable:
    if callable(metric):
        return metric
    from sklearn.metrics import get_scorer

    try:
        scorer = get_scorer(metric)
    except ValueError:
        raise UserValueError(f"unknown metric {metric!r}: use a scikit-learn scorer name such "
                         "as 'accuracy' or 'balanced_accuracy', or a function") from None
    return lambda learner, X, y: scorer(getattr(learner, "estimator", learner), X, y)


class TargetMetric(StoppingCriterion):
    """Stop once ``metric`` on a labelled validation set reaches ``target``.

    ``metric`` is a scikit-learn scorer name or ``fn(learner, X_val, y_val) -> float``.
    """

    name = "target_metric"

    def __init__(self, X_val, y_val, target: float, metric: str | Callable = "accuracy"):
        super().__init__()
        if len(y_val) == 0:
            raise UserValueError("the validation set is empty: pass labelled rows to measure on")
        self.X_val, self.y_val, self.target = X_val, np.asarray(y_val), float(target)
        self.metric_name = (metric if isinstance(metric, str)
                            else getattr(metric, "__name__", "metric"))
        self._metric = _metric_fn(metric)

    def _decide(self, learner):
        value = float(self._metric(learner, self.X_val, self.y_val))
        detail = f"{self.metric_name} {value:.4f} on the validation set, target {self.target}"
        if value >= self.target:
            return self._stop(f"target reached: {detail}", value)
        return self._go_on(detail, value)


class StabilizingPredictions(StoppingCriterion):
    """Stop when consecutive models agree on an unlabelled stop set (Bloodgood &
    Vijay-Shanker 2009): Cohen's kappa between the predictions of each model and the
    one before, averaged over the last ``window`` rounds, reaches ``threshold``.
    Needs no labels."""

    name = "stabilizing_predictions"

    def __init__(self, X_stop, threshold: float = 0.99, window: int = 3) -> None:
        super().__init__()
        self.X_stop, self.threshold = X_stop, float(threshold)
        self.window = check_positive_int("window", window)
        self._previous: np.ndarray | None = None
        self._kappas: deque[float] = deque(maxlen=self.window)

    def _decide(self, learner):
        if not getattr(learner, "is_fitted", True):
            return self._go_on("no model yet")
        pred = np.asarray(learner.predict(self.X_stop))
        if self._previous is not None:
            same = np.array_equal(pred, self._previous)
            kappa = 1.0 if same else float(cohen_kappa_score(self._previous, pred))
            self._kappas.append(kappa)
        self._previous = pred
        if len(self._kappas) < self.window:
            return self._go_on(f"{len(self._kappas)} of {self.window} model comparisons so far")
        mean = float(np.mean(self._kappas))
        detail = (f"mean kappa {mean:.4f} between consecutive models over the last "
                  f"{self.window} rounds, threshold {self.threshold}")
        if mean >= self.threshold:
            return self._stop(f"predictions stabilised: {detail}", mean)
        return self._go_on(detail, mean)


class MaxUncertainty(StoppingCriterion):
    """Stop when even the most uncertain row of ``X_pool`` is below ``threshold``
    (normalised ``uncertainty`` in [0, 1], see
    :func:`alwild.scores.normalised_uncertainty`)."""

    name = "max_uncertainty"

    def __init__(self, X_pool, threshold: float = 0.1, uncertainty: str = "least_confident"):
        super().__init__()
        if uncertainty not in UNCERTAINTIES:
            raise UserValueError(
                f"unknown uncertainty {uncertainty!r}; choose one of {UNCERTAINTIES}")
        self.X_pool, self.threshold, self.uncertainty = X_pool, float(threshold), uncertainty

    def _decide(self, learner):
        if not getattr(learner, "is_fitted", True):
            return self._go_on("no model yet")
        top = float(normalised_uncertainty(learner.predict_proba(self.X_pool),
                                           self.uncertainty).max())
        detail = f"highest {self.uncertainty} uncertainty {top:.4f}, threshold {self.threshold}"
        if top < self.threshold:
            return self._stop(f"the model is confident everywhere: {detail}", top)
        return self._go_on(detail, top)


class Plateau(StoppingCriterion):
    """Stop when the learning curve flattens: the best ``metric`` has not improved by
    ``min_delta`` for ``patience`` rounds. ``metric(learner) -> float``, or give a
    validation set (``X_val``, ``y_val``) to use the learner's ``score``."""

    name = "plateau"

    def __init__(self, metric: Callable[[Any], float] | None = None, X_val=None, y_val=None,
                 patience: int = 3, min_delta: float = 0.005) -> None:
        super().__init__()
        if metric is None and X_val is None:
            raise UserValueError(
                "Plateau needs a metric function or a validation set (X_val, y_val)")
        self._metric = metric or (lambda learner: learner.score(X_val, y_val))
        self.patience = check_positive_int("patience", patience)
        self.min_delta = float(min_delta)
        self._best = -np.inf
        self._since = 0

    def _decide(self, learner):
        value = float(self._metric(learner))
        if value > self._best + self.min_delta:
            self._best, self._since = value, 0
        else:
            self._since += 1
        detail = (f"best {self._best:.4f}; no gain above {self.min_delta} for "
                  f"{self._since} of {self.patience} rounds")
        if self._since >= self.patience:
            return self._stop(f"learning curve plateaued: {detail}", value)
        return self._go_on(detail, value)


class AnyOf(StoppingCriterion):
    """Stop as soon as any of ``criteria`` says so (all are evaluated every round)."""

    name = "any_of"

    def __init__(self, criteria: Sequence[StoppingCriterion]) -> None:
        super().__init__()
        if not criteria:
            raise UserValueError("AnyOf needs at least one criterion")
        self.criteria = list(criteria)

    def _decide(self, learner):
        decisions = [c(learner) for c in self.criteria]
        for d in decisions:
            if d.stop:
                return d
        return self._go_on("; ".join(f"{d.criterion}: {d.reason}" for d in decisions))
