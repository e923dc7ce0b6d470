"""StreamLearner: stream-based selective sampling, one item (or one batch) at a time.

For each arriving item the learner predicts, scores its uncertainty with
:mod:`alwild.scores`, and asks its policy and budget whether a label is worth asking
for; labels come back through :meth:`StreamLearner.teach`. The river-style surface::

    prediction, query, score = learner.ask(x)
    if query:
        learner.teach(x, oracle(x))

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
>>> sl = StreamLearner(LogisticRegression(), budget=0.2, random_state=0)
>>> for x_i, y_i in zip(X, y):
...     prediction, query, score = sl.ask(x_i)
...     if query:
...         sl.teach(x_i, y_i)
>>> sl.budget.spent <= 0.2 * 300
True
"""

from __future__ import annotations

import warnings
from collections import deque
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from alwild.errors import UserTypeError, UserValueError
from alwild.scores import UNCERTAINTIES, normalised_uncertainty
from alwild.strategies.capabilities import estimator_is_fitted
from alwild.stream import BudgetManager, RollingAccuracyDrift, StreamPolicy, get_policy

__all__ = ["StreamLearner"]

def _as_budget(budget) -> BudgetManager:
    if isinstance(budget, BudgetManager):
        return budget
    if isinstance(budget, (int, float)) and not isinstance(budget, bool):
        return BudgetManager(share=budget)
    raise UserTypeError(
        f"budget must be a BudgetManager or a label share in (0, 1] such as 0.1, "
        f"got {type(budget).__name__}"
    )


class StreamLearner:
    """Selective sampling on a stream around a scikit-learn classifier.

    Parameters
    ----------
    estimator_or_learner : a classifier with ``predict_proba``, or an ``ActiveLearner``
        (its estimator and labelled set are taken over).
    policy : a name from :func:`alwild.stream.available_policies` or a policy object.
    budget : a :class:`~alwild.stream.BudgetManager` or a label share such as ``0.1``.
    uncertainty : ``"least_confident"``, ``"margin"`` or ``"entropy"`` (normalised).
    train_window : retrain on only the most recent labelled items (None: all of them).
    drift : a :class:`~alwild.stream.RollingAccuracyDrift`, or None to disable. On a
        detected drift the learner forgets all but the ``keep_after_drift`` most recent
        labels and retrains; the item counts are in ``drifts_``.
    classes : the known classes; a label outside them is refused.
    """

    def __init__(
        self,
        estimator_or_learner: Any,
        policy: str | StreamPolicy = "variable_uncertainty",
        budget: BudgetManager | float = 0.1,
        random_state: int | np.random.Generator | None = None,
        uncertainty: str = "least_confident",
        train_window: int | None = None,
        drift: RollingAccuracyDrift | None = None,
        keep_after_drift: int = 20,
        classes=None,
        policy_params: dict | None = None,
    ) -> None:
        X0 = y0 = None
        if hasattr(estimator_or_learner, "teach") and hasattr(estimator_or_learner, "estimator"):
            X0 = estimator_or_learner.X_training
            y0 = estimator_or_learner.y_training
            estimator_or_learner = estimator_or_learner.estimator
        if not hasattr(estimator_or_learner, "predict_proba"):
            raise UserTypeError(
                f"a stream learner needs class probabilities, which "
                f"{type(estimator_or_learner).__name__} does not provide: use a "
                "probabilistic classifier (e.g. LogisticRegression, SVC(probability=True))"
            )
        if not is_classifier(estimator_or_learner):
            raise UserTypeError("StreamLearner works with classifiers only")
        if uncertainty not in UNCERTAINTIES:
            raise UserValueError(
                f"unknown uncertainty {uncertainty!r}; choose one of {UNCERTAINTIES}")
        if train_window is not None and (int(train_window) != train_window or train_window < 2):
            raise UserValueError(
                f"train_window must be a whole number >= 2 or None, got {train_window}"
            )
        self.estimator = estimator_or_learner
        self.policy = get_policy(policy, **(policy_params or {}))
        self.budget = _as_budget(budget)
        self.uncertainty = uncertainty
        self.train_window = None if train_window is None else int(train_window)
        self.drift = drift
        self.keep_after_drift = int(keep_after_drift)
        self.classes = None if classes is None else np.asarray(classes)
        self._rng = np.random.default_rng(random_state)
        self._X: deque = deque(maxlen=self.train_window)
        self._y: deque = deque(maxlen=self.train_window)
        self._n_features: int | None = None
        self.n_seen_ = 0
        self.n_taught_ = 0
        self.drifts_: list[int] = []
        if X0 is not None and len(y0):
            self.teach(np.asarray(X0), np.asarray(y0))

    @property
    def is_fitted(self) -> bool:
        return estimator_is_fitted(self.estimator)

    @property
    def X_training(self) -> np.ndarray | None:
        """The labelled rows the model is trained on (the window, after drift resets)."""
        return np.array(self._X) if self._X else None

    @property
    def y_training(self) -> np.ndarray | None:
        return np.array(self._y) if self._y else None

    def _rows(self, X, what: str) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2:
            raise UserValueError(
                f"{what} must be one row (1-D) or a 2-D array of rows, got {X.shape}")
        if self._n_features is None:
            self._n_features = getattr(self.estimator, "n_features_in_", X.shape[1])
        if X.shape[1] != self._n_features:
            raise UserValueError(
                f"{what} has {X.shape[1]} features but the stream has {self._n_features}: "
                "send items with the same columns, in the same order"
            )
        return X

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictions and normalised uncertainties; before training, no prediction."""
        if self.is_fitted:
            proba = self.estimator.predict_proba(X)
            pred = self.estimator.classes_[proba.argmax(axis=1)]
            return pred, normalised_uncertainty(proba, self.uncertainty)
        known = np.unique(np.array(self._y)) if self._y else np.array([])
        fill = known[0] if known.size == 1 else None
        return np.full(X.shape[0], fill, dtype=object), np.ones(X.shape[0])

    def ask_many(self, X, now: float | None = None):
        """Batched :meth:`ask`: arrays of predictions, query flags and scores.

        The items are decided in order (the budget and adaptive thresholds move item by
        item); the model is the same for the whole batch.
        """
        X = self._rows(X, "the stream batch")
        pred, score = self._predict(X)
        query = np.zeros(X.shape[0], dtype=bool)
        for i, s in enumerate(score):
            room = self.budget.available(now)
            wants = self.policy.wants(float(s), self._rng)
            query[i] = self.budget.allow(wants, now)
            if room:
                self.policy.update(bool(query[i]))
        self.n_seen_ += X.shape[0]
        return pred, query, score

    def ask(self, x, now: float | None = None):
        """``(prediction, query, score)`` for one item; arrays for a 2-D batch.

        ``prediction`` is None until the model is trained on two classes; ``score`` is
        the normalised uncertainty in ``[0, 1]``; ``query`` says whether to ask for its
        label (the budget has already counted it).
        """
        if np.ndim(x) == 2:
            return self.ask_many(x, now)
        pred, query, score = self.ask_many(x, now)
        return pred[0], bool(query[0]), float(score[0])

    def teach(self, x, y) -> None:
        """Learn the label(s) of one item or a batch, and retrain on the window."""
        X = self._rows(x, "the labelled item")
        y = np.atleast_1d(np.asarray(y))
        if y.shape[0] != X.shape[0]:
            raise UserValueError(f"got {X.shape[0]} items but {y.shape[0]} labels: pass one label "
                             "per item; nothing was learned")
        if self.classes is not None:
            unknown = np.setdiff1d(y, self.classes)
            if unknown.size:
                raise UserValueError(
                    f"label(s) {unknown.tolist()} are not among the known classes "
                    f"{self.classes.tolist()}: fix the label or declare the class"
                )
        if self.drift is not None and self.is_fitted:
            correct = self.estimator.predict(X) == y
            for ok in correct:
                if self.drift.update(bool(ok)):
                    self._forget()
        self._X.extend(X)
        self._y.extend(y)
        self.n_taught_ += X.shape[0]
        self._refit()

    def _forget(self) -> None:
        self.drifts_.append(self.n_seen_)
        keep = self.keep_after_drift
        recent_X, recent_y = list(self._X)[-keep:], list(self._y)[-keep:]
        self._X.clear(), self._y.clear()
        self._X.extend(recent_X)
        self._y.extend(recent_y)

    def _refit(self) -> None:
        """Refit in place (estimators with ``warm_start`` continue from their last fit)."""
        y = np.array(self._y)
        if np.unique(y).size < 2:
            return
        fitted = getattr(self.estimator, "classes_", None)
        if fitted is not None and not np.array_equal(np.unique(y), np.asarray(fitted)):
            self.estimator = clone(self.estimator)  # a warm start cannot change its classes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            self.estimator.fit(np.array(self._X), y)

    def predict(self, X) -> np.ndarray:
        if not self.is_fitted:
            raise NotFittedError("the stream learner has not been taught two classes yet")
        return self.estimator.predict(self._rows(X, "X"))

    def predict_proba(self, X) -> np.ndarray:
        if not self.is_fitted:
            raise NotFittedError("the stream learner has not been taught two classes yet")
        return self.estimator.predict_proba(self._rows(X, "X"))

    def score(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))
