"""Committees of learners: query by disagreement (classification) or spread (regression)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from alwild.errors import UserTypeError, UserValueError
from alwild.learners.active import ActiveLearner
from alwild.learners.base import QueryMixin
from alwild.pool import DEFAULT_CHUNK_SIZE

__all__ = ["Committee", "CommitteeRegressor"]


class _CommitteeBase(QueryMixin):
    def __init__(
        self,
        learner_list: Sequence[ActiveLearner],
        query_strategy: Any,
        on_transformed: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_jobs: int | None = None,
        cold_start: str = "diversity",
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        learner_list = list(learner_list)
        if not learner_list:
            raise UserValueError("a committee needs at least one learner (two or more to disagree)")
        bad = [type(m).__name__ for m in learner_list if not isinstance(m, ActiveLearner)]
        if bad:
            raise UserTypeError(
                f"committee members must be ActiveLearner objects, got {bad}: wrap each "
                "estimator as ActiveLearner(estimator, X_training=..., y_training=...)"
            )
        self.learner_list = learner_list
        self.on_transformed = on_transformed
        self._init_query(query_strategy, chunk_size, n_jobs, cold_start, random_state)

    def __len__(self) -> int:
        return len(self.learner_list)

    def __iter__(self):
        return iter(self.learner_list)

    @property
    def is_fitted(self) -> bool:
        return all(m.is_fitted for m in self.learner_list)

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
        for member in self.learner_list:
            member._require_fitted()


class Committee(_CommitteeBase):
    """Query-by-committee for classifiers; members may be different estimators.

    Class probabilities of members that have not seen every class are aligned to the
    committee's classes (the union of the members'), with zeros for unseen classes.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> members = [ActiveLearner(DecisionTreeClassifier(random_state=s), X_training=X,
    ...                          y_training=y) for s in range(2)]
    >>> Committee(members, query_strategy="vote_entropy").query(X)[0].shape
    (1,)
    """

    def __init__(
        self, learner_list: Sequence[ActiveLearner], query_strategy: Any = "vote_entropy", **kwargs
    ) -> None:
        super().__init__(learner_list, query_strategy, **kwargs)

    @property
    def classes_(self) -> np.ndarray:
        self._require_fitted()
        return np.unique(np.concatenate([m.classes_ for m in self.learner_list]))

    @property
    def n_classes_(self) -> int:
        return len(self.classes_)

    def member_proba(self, X) -> np.ndarray:
        """Members' class probabilities, shape (n_members, n_samples, n_classes)."""
        classes = self.classes_
        out = None
        for i, member in enumerate(self.learner_list):
            proba = member.predict_proba(X)
            if out is None:
                out = np.zeros((len(self.learner_list), proba.shape[0], len(classes)))
            if len(member.classes_) == len(classes):
                out[i] = proba
            else:
                out[i][:, np.searchsorted(classes, member.classes_)] = proba
        return out

    def vote_indices(self, X) -> np.ndarray:
        """Each member's predicted class as an index into ``classes_``, shape (n, n_members)."""
        classes = self.classes_
        return np.column_stack(
            [np.searchsorted(classes, m.predict(X)) for m in self.learner_list]
        )

    def vote(self, X) -> np.ndarray:
        """Each member's predicted label, shape (n_samples, n_members)."""
        return self.classes_[self.vote_indices(X)]

    def vote_proba(self, X) -> np.ndarray:
        """Members' probabilities in modAL's layout (n_samples, n_members, n_classes)."""
        return self.member_proba(X).transpose(1, 0, 2)

    def predict_proba(self, X) -> np.ndarray:
        """Consensus probabilities: the mean of the members'."""
        return self.member_proba(X).mean(axis=0)

    def predict(self, X) -> np.ndarray:
        """The class with the highest consensus probability."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y) -> float:
        """Accuracy of the consensus prediction."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class CommitteeRegressor(_CommitteeBase):
    """A committee of regressors; queries where the members' predictions spread most.

    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.arange(6.0).reshape(-1, 1); y = X.ravel() ** 2
    >>> members = [ActiveLearner(DecisionTreeRegressor(max_depth=d), X_training=X, y_training=y)
    ...            for d in (1, 3)]
    >>> CommitteeRegressor(members).predict(X[:2], return_std=True)[1].shape
    (2,)
    """

    def __init__(
        self, learner_list: Sequence[ActiveLearner], query_strategy: Any = "max_std", **kwargs
    ) -> None:
        super().__init__(learner_list, query_strategy, **kwargs)

    def vote(self, X) -> np.ndarray:
        """Each member's prediction, shape (n_samples, n_members)."""
        return np.column_stack([m.predict(X) for m in self.learner_list])

    def predict(self, X, return_std: bool = False):
        """Mean of the members' predictions (and their standard deviation)."""
        votes = self.vote(X)
        mean = votes.mean(axis=1)
        return (mean, votes.std(axis=1)) if return_std else mean

    def score(self, X, y) -> float:
        """R² of the mean prediction."""
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X)))
