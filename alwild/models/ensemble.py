"""Deep ensembles: several independently initialised copies of one classifier.

The members' class probabilities are the samples of the Bayesian strategies
(``predict_proba_samples`` returns them stacked, ``(M, n, C)``), and their mean is the
ensemble's prediction (Lakshminarayanan et al. 2017). Works with any scikit-learn
classifier that takes a ``random_state`` (``TorchClassifier``, ``MLPClassifier``, ...).

>>> import numpy as np
>>> from sklearn.neural_network import MLPClassifier
>>> X = np.array([[0.0], [0.2], [2.0], [2.2]]); y = np.array([0, 0, 1, 1])
>>> ens = DeepEnsemble(MLPClassifier(max_iter=300), n_members=3, random_state=0).fit(X, y)
>>> ens.predict_proba_samples(X).shape
(3, 4, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from alwild.errors import UserTypeError, UserValueError

__all__ = ["DeepEnsemble"]


class DeepEnsemble(ClassifierMixin, BaseEstimator):
    """``n_members`` clones of ``estimator``, member m seeded with ``random_state + m``.

    With ``bootstrap=True`` each member is trained on a bootstrap resample of the data.
    If the members warm-start (``warm_start=True``), a refit continues from each
    member's current weights.
    """

    def __init__(
        self, estimator: Any, n_members: int = 5, bootstrap: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _members(self) -> list[Any]:
        if hasattr(self, "members_") and getattr(self.estimator, "warm_start", False):
            return self.members_
        if self.n_members < 2:
            raise UserValueError(f"an ensemble needs n_members >= 2, got {self.n_members}")
        if "random_state" not in self.estimator.get_params():
            raise UserTypeError(
                f"{type(self.estimator).__name__} has no random_state, so its copies would be "
                "identical: use an estimator with a random_state, or a Committee of "
                "different models"
            )
        base = 0 if self.random_state is None else int(self.random_state)
        return [clone(self.estimator).set_params(random_state=base + m)
                for m in range(self.n_members)]

    def fit(self, X, y) -> DeepEnsemble:
        """Fit every member (on its own bootstrap resample with ``bootstrap=True``)."""
        y = np.asarray(y)
        members = self._members()
        rng = np.random.default_rng(self.random_state)
        for member in members:
            if self.bootstrap:
                idx = rng.choice(y.shape[0], y.shape[0], replace=True)
                member.fit(X[idx], y[idx])
            else:
                member.fit(X, y)
        classes = [tuple(m.classes_) for m in members]
        if len(set(classes)) > 1:
            raise UserValueError(
                "ensemble members saw different classes (a bootstrap resample missed one): "
                "label more samples of the rare class, or use bootstrap=False"
            )
        self.members_ = members
        self.classes_ = members[0].classes_
        return self

    def predict_proba_samples(self, X) -> np.ndarray:
        """Each member's class probabilities, shape (n_members, n, n_classes)."""
        check_is_fitted(self, "members_")
        return np.stack([m.predict_proba(X) for m in self.members_])

    def predict_proba(self, X) -> np.ndarray:
        """Mean of the members' class probabilities."""
        return self.predict_proba_samples(X).mean(axis=0)

    def predict(self, X) -> np.ndarray:
        """The class of highest mean probability."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
