"""Committees of learners: query by disagreement (classification) or spread (regression)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError

from alwild.errors import UserTypeError, UserValueError
from alwild.labels import align_proba, vote_positions
from alwild.learners.base import QueryMixin
from alwild.pool import DEFAULT_CHUNK_SIZE
from alwild.strategies.capabilities import estimator_is_fitted

__all__ = ["BaseCommittee", "Committee", "CommitteeRegressor"]


def _member_fitted(member: Any) -> bool:
    fitted = getattr(member, "is_fitted", None)
    return fitted if isinstance(fitted, bool) else estimator_is_fitted(member.estimator)


def _member_classes(member: Any):
    """A member's classes: its own ``classes_``, or its estimator's (modAL's learners)."""
    try:
        return member.classes_
    except AttributeError:
        return member.estimator.classes_


class BaseCommittee(QueryMixin, BaseEstimator):
    """What committees share: members, fitting and teaching them all, bagging."""

    def __init__(
        self,
        learner_list: Sequence[Any],
        query_strategy: Any,
        on_transformed: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_jobs: int | None = None,
        cold_start: str = "diversity",
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        if not learner_list:
            raise UserValueError("a committee needs at least one learner (two or more to disagree)")
        bad = [type(m).__name__ for m in learner_list
               if not (hasattr(m, "query_strategy") and hasattr(m, "predict"))]
        if bad:
            raise UserTypeError(
                f"committee members must be learners (ActiveLearner, or modAL's), got {bad}: "
                "wrap each estimator as ActiveLearner(estimator, X_training=..., y_training=...)"
            )
        self.learner_list = learner_list
        self.on_transformed = on_transformed
        self._init_query(query_strategy, chunk_size, n_jobs, cold_start, random_state)

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # the subclasses pass their keywords on to this __init__: report its parameters
        return BaseEstimator._get_param_names.__func__(BaseCommittee)

    def __len__(self) -> int:
        return len(self.learner_list)

    def __iter__(self):
        return iter(self.learner_list)

    @property
    def is_fitted(self) -> bool:
        return all(_member_fitted(m) for m in self.learner_list)

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    def one_class(self) -> bool:
        return any(getattr(m, "one_class", bool)() for m in self.learner_list)

    @property
    def estimator(self) -> Any:
        """The first member's estimator (used to transform features for diversity)."""
        return self.learner_list[0].estimator

    @property
    def X_training(self):
        return self.learner_list[0].X_training

    @property
    def y_training(self):
        return self.learner_list[0].y_training

    def fit(self, X, y, **fit_kwargs) -> BaseCommittee:
        """Replace every member's labelled set with ``(X, y)`` and fit them
        (``bootstrap=True``: each on its own bootstrap sample)."""
        for member in self.learner_list:
            member.fit(X, y, **fit_kwargs)
        return self

    def teach(self, X, y, bootstrap: bool = False, only_new: bool = False, **fit_kwargs) -> None:
        """Teach every member; with ``bootstrap=True`` each fits on its own bootstrap sample.

        If one member fails to refit, the members already taught get their previous
        labelled set back and are refitted on it, so the members never disagree on the
        labelled set. (Refitting on failure, rather than copying every model before each
        teach, keeps the common case cheap: a copy of a 100-tree forest per member per
        label cost about 5% of a simulation's time.)
        """
        taught = []
        try:
            for member in self.learner_list:
                old = (member.X_training, member.y_training)
                member.teach(X, y, bootstrap=bootstrap, only_new=only_new, **fit_kwargs)
                taught.append((member, old))
        except Exception:
            for member, (X_old, y_old) in taught:
                member.X_training, member.y_training = X_old, y_old
                member._fit_to_known(bootstrap=bootstrap, **fit_kwargs)
            raise

    def rebag(self, **fit_kwargs) -> None:
        """Refit every member on a fresh bootstrap sample of its labelled data (bagging)."""
        for member in self.learner_list:
            member._fit_to_known(bootstrap=True, **fit_kwargs)

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError("not every committee member is trained yet: teach the "
                                 "committee labelled samples first")


class Committee(ClassifierMixin, BaseCommittee):
    """Query-by-committee for classifiers; members may be different estimators, and any
    learner with ``fit``, ``predict`` and ``predict_proba`` (modAL's included).

    Class probabilities of members that have not seen every class are aligned to the
    committee's classes (the union of the members'), with zeros for unseen classes.
    A committee is a scikit-learn classifier itself, so it can be the estimator of an
    ``ActiveLearner`` (an ensemble queried by uncertainty).

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from alwild.learners.active import ActiveLearner
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> members = [ActiveLearner(DecisionTreeClassifier(random_state=s), X_training=X,
    ...                          y_training=y) for s in range(2)]
    >>> Committee(members, query_strategy="vote_entropy").query(X)[0].shape
    (1,)
    """

    def __init__(self, learner_list: Sequence[Any], query_strategy: Any = "vote_entropy",
                 **kwargs) -> None:
        super().__init__(learner_list, query_strategy, **kwargs)

    @property
    def classes_(self) -> np.ndarray | None:
        """The union of the members' classes; None while a member is not fitted."""
        try:
            known = [np.asarray(_member_classes(m)) for m in self.learner_list]
        except AttributeError:
            return None
        return np.unique(np.concatenate(known), axis=0)

    @property
    def n_classes_(self) -> int:
        classes = self.classes_
        return 0 if classes is None else len(classes)

    def member_proba(self, X) -> np.ndarray:
        """Members' class probabilities, shape (n_members, n_samples, n_classes)."""
        classes = self.classes_
        if classes is None:
            self._require_fitted()
        out = None
        for i, member in enumerate(self.learner_list):
            proba = align_proba(member.predict_proba(X), _member_classes(member), classes)
            if out is None:
                out = np.zeros((len(self.learner_list), proba.shape[0], len(classes)))
            out[i] = proba
        return out

    def vote_indices(self, X) -> np.ndarray:
        """Each member's predicted class as an index into ``classes_``, shape (n, n_members)."""
        return vote_positions(self.vote(X), self.classes_)

    def vote(self, X) -> np.ndarray:
        """Each member's predicted label, shape (n_samples, n_members)."""
        return np.column_stack([m.predict(X) for m in self.learner_list])

    def vote_proba(self, X) -> np.ndarray:
        """Members' probabilities in modAL's layout (n_samples, n_members, n_classes)."""
        return self.member_proba(X).transpose(1, 0, 2)

    def predict_proba(self, X) -> np.ndarray:
        """Consensus probabilities: the mean of the members'."""
        return self.member_proba(X).mean(axis=0)

    def predict(self, X) -> np.ndarray:
        """The class with the highest consensus probability."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy of the consensus prediction."""
        return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))


class CommitteeRegressor(RegressorMixin, BaseCommittee):
    """A committee of regressors; queries where the members' predictions spread most.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from alwild.learners.active import ActiveLearner
    >>> X = np.arange(6.0).reshape(-1, 1); y = X.ravel() ** 2
    >>> members = [ActiveLearner(DecisionTreeRegressor(max_depth=d), X_training=X, y_training=y)
    ...            for d in (1, 3)]
    >>> CommitteeRegressor(members).predict(X[:2], return_std=True)[1].shape
    (2,)
    """

    def __init__(self, learner_list: Sequence[Any], query_strategy: Any = "max_std",
                 **kwargs) -> None:
        super().__init__(learner_list, query_strategy, **kwargs)

    def vote(self, X) -> np.ndarray:
        """Each member's prediction, shape (n_samples, n_members)."""
        return np.column_stack([np.asarray(m.predict(X)).reshape(-1) for m in self.learner_list])

    def predict(self, X, return_std: bool = False):
        """Mean of the members' predictions (and their standard deviation)."""
        votes = self.vote(X)
        mean = votes.mean(axis=1)
        return (mean, votes.std(axis=1)) if return_std else mean

    def score(self, X, y, sample_weight=None) -> float:
        """R² of the mean prediction."""
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X), sample_weight=sample_weight))
