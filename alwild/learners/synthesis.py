"""SynthesisLearner: membership query synthesis — ask about examples it makes up.

Instead of choosing among the pool's rows, the learner asks a *generator* for
candidate rows (perturbations of uncertain rows, points between opposite-class
neighbours, transformed images...), scores the candidates with its query strategy and
asks the oracle to label the best ones. Before the model exists (or while a declared
class is still unseen) it falls back to a cold-start pick from the real pool.

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.synthesis import BoundaryInterpolation, FeatureSpace
>>> X = np.array([[0.0, 0.0], [0.2, 0.1], [1.0, 1.0], [0.9, 0.8]]); y = np.array([0, 0, 1, 1])
>>> space = FeatureSpace.from_data(X)
>>> learner = SynthesisLearner(LogisticRegression(), BoundaryInterpolation(space), "margin",
...                            X_training=X, y_training=y, random_state=0)
>>> idx, rows = learner.query(n_instances=2)
>>> rows.shape, learner.last_synthetic_
((2, 2), True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from alwild.errors import UserTypeError, UserValueError
from alwild.learners.active import ActiveLearner

__all__ = ["SynthesisLearner"]

Generator = Callable[[Any, Any, np.random.Generator], np.ndarray]


class SynthesisLearner(ActiveLearner):
    """An :class:`ActiveLearner` whose queries are synthesised by ``generator``.

    ``generator(learner, X_pool, rng) -> candidate rows``: see
    :mod:`alwild.synthesis`. ``query`` returns ``(indices into the candidates, rows)``;
    the candidates are kept in ``last_candidates_`` and ``last_synthetic_`` says whether
    the rows were made up (False for the cold-start pick from the pool). With
    ``known_classes`` a label outside them is refused by ``teach``.
    """

    def __init__(
        self,
        estimator_or_learner: Any,
        generator: Generator,
        query_strategy: Any = "entropy",
        X_training=None,
        y_training=None,
        known_classes=None,
        random_state: int | np.random.Generator | None = None,
        **kwargs,
    ) -> None:
        if not callable(generator):
            raise UserTypeError("generator must be callable as generator(learner, X_pool, rng), "
                            "e.g. alwild.synthesis.BoundaryInterpolation(space)")
        estimator = estimator_or_learner
        if isinstance(estimator_or_learner, ActiveLearner):
            estimator = estimator_or_learner.estimator
            if X_training is None and estimator_or_learner.X_training is not None:
                X_training = estimator_or_learner.X_training
                y_training = estimator_or_learner.y_training
        self.generator = generator
        self.last_candidates_: np.ndarray | None = None
        self.last_synthetic_: bool | None = None
        super().__init__(estimator, query_strategy, X_training, y_training,
                         random_state=random_state, known_classes=known_classes, **kwargs)

    def query(self, X_pool=None, n_instances: int = 1, return_metrics: bool = False,
              **query_kwargs):
        """Synthesise candidates and choose the ``n_instances`` most informative.

        ``X_pool`` (real unlabelled rows) is optional once the model is trained; the
        generators use it to find uncertain seeds.
        """
        if not self.is_fitted or self.unseen_classes():
            if X_pool is None:
                raise UserValueError(
                    "the model is not trained on every class yet, so there is nothing to "
                    "synthesise from: pass X_pool (real rows) for a cold-start pick, or teach "
                    "labelled rows of each class first"
                )
            self.last_candidates_, self.last_synthetic_ = None, False
            return super().query(X_pool, n_instances, return_metrics, **query_kwargs)
        candidates = self.generator(self, X_pool, self._rng)
        if len(candidates) < n_instances:
            raise UserValueError(f"the generator made {len(candidates)} candidates but "
                             f"{n_instances} were asked for: ask for fewer or generate more")
        self.last_candidates_, self.last_synthetic_ = candidates, True
        return super().query(candidates, n_instances, return_metrics, **query_kwargs)

    def teach(self, X, y, **kwargs) -> None:
        """Add the oracle's labels; a class outside ``known_classes`` is an error."""
        if self.known_classes is not None:
            unknown = np.setdiff1d(np.atleast_1d(np.asarray(y)), self.known_classes)
            if unknown.size:
                raise UserValueError(
                    f"the oracle returned class(es) {unknown.tolist()}, which are not among "
                    f"the known classes {self.known_classes.tolist()}: fix the oracle's "
                    "answer, or declare the class in known_classes; nothing was taught"
                )
        super().teach(X, y, **kwargs)
