"""Arms of an experiment: a named way to build a learner, query and predict.

An arm is a registered strategy (``"least_confident"``, ``"vote_entropy"``, ...) on the
simulation's model; strategies that measure disagreement get a :class:`Committee` of
``committee_size`` members. Two arms read the reference study's unspecified "acquisition
function" selection:

* ``kind="class_index_regressor"`` is modAL's reading: a :class:`BayesianOptimizer` on a
  Gaussian-process regressor fitted to the class *index*, queried by ``max_EI`` (it hunts
  for rows whose class index is large), predicting the rounded regression output. This is
  what the study's code most plausibly ran; it is not a sound classifier.
* the sound classification variant is a Gaussian-process *classifier* (``model="gpc"``)
  queried by the entropy of its predictive class probabilities.

``shrink_pool=False`` leaves queried rows in the pool, so a learner can ask for a row it
already has (a plausible reading of the study's snippet). ``tie_break="first"`` breaks ties
between equal scores the way modAL does by default (``argpartition``, deterministic) instead
of alwild's seeded random tie-break; the strategy's scores are the registered strategy's.

>>> arm = parse_arms("uncertainty,vote_entropy", committee_size=2)[1]
>>> arm.name, arm.committee_size
('vote_entropy', 2)
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process.kernels import Matern

from alwild.errors import UserValueError
from alwild.learners import ActiveLearner, BayesianOptimizer, Committee
from alwild.sim.estimators import make_model
from alwild.strategies import Strategy, get_strategy
from alwild.strategies.registry import canonical_name

__all__ = ["Arm", "parse_arms", "build_learner", "predict_labels", "extra_scores", "KINDS"]

KINDS = ("classifier", "class_index_regressor")
_GP_MODELS = {"gpc": lambda seed: GaussianProcessClassifier(random_state=seed)}


@dataclasses.dataclass(frozen=True)
class Arm:
    """One compared arm: ``name`` labels it in tables and plots."""

    name: str
    strategy: str | Strategy  # a name, or an object (each learner gets its own copy)
    model: str | None = None
    committee_size: int = 0
    shrink_pool: bool = True
    kind: str = "classifier"
    tie_break: str = "random"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UserValueError(f"unknown arm kind {self.kind!r}; use one of {KINDS}")
        if self.tie_break not in ("random", "first"):
            raise UserValueError(f"tie_break must be 'random' or 'first', got {self.tie_break!r}")
        get_strategy(self.strategy)  # unknown names fail here, listing the valid ones


def parse_arms(spec: str, committee_size: int = 2, shrink_pool: bool = True) -> list[Arm]:
    """Arms from a comma-separated list of strategy names (committees where needed)."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise UserValueError("no strategy given: pass names such as entropy,margin,random")
    canonical = [canonical_name(n) for n in names]  # an alias runs the same strategy
    if len(set(canonical)) != len(canonical):
        raise UserValueError(f"a strategy is listed twice in {spec!r} (names or aliases)")
    if committee_size < 2:
        raise UserValueError(f"--committee-size must be at least 2, got {committee_size}")
    arms = []
    for name in names:
        strategy = get_strategy(name)
        size = committee_size if isinstance(strategy, Strategy) and strategy.needs_committee \
            else 0
        arms.append(Arm(name, name, committee_size=size, shrink_pool=shrink_pool))
    return arms


@dataclasses.dataclass(frozen=True)
class FirstTieBreak:
    """A registered strategy's scores with modAL's deterministic top-k (``argpartition``).

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> pick = FirstTieBreak("entropy")(LogisticRegression().fit(X, y), X[[1, 2]], 1)
    >>> pick.shape
    (1,)
    """

    strategy: str

    def __call__(self, learner: Any, X_pool, n_instances: int = 1) -> np.ndarray:
        strategy = get_strategy(self.strategy)
        strategy.check(learner)
        _, scores = strategy.select(learner, X_pool, n_instances, np.random.default_rng(0))
        if scores is None:
            raise UserValueError(
                f"tie_break='first' needs a strategy that scores every row; "
                f"{self.strategy!r} picks rows without per-row scores"
            )
        return np.argpartition(-scores, n_instances - 1)[:n_instances]


def _query_strategy(arm: Arm) -> Any:
    if arm.tie_break != "random":
        return FirstTieBreak(arm.strategy)
    # a copy per learner: a stateful strategy object (auto's bandit) must not carry one
    # seed's state into the next
    return copy.deepcopy(arm.strategy) if isinstance(arm.strategy, Strategy) else arm.strategy


def _estimator(arm: Arm, model: str, seed: int) -> Any:
    name = arm.model or model
    if name in _GP_MODELS:
        return _GP_MODELS[name](seed)
    return make_model(name, random_state=seed)


def build_learner(arm: Arm, model: str, X0: np.ndarray, y0: np.ndarray, seed: int) -> Any:
    """A learner for ``arm`` trained on the starting rows ``(X0, y0)``."""
    if arm.kind == "class_index_regressor":
        gp = GaussianProcessRegressor(kernel=Matern(length_scale=1.0), random_state=seed)
        return BayesianOptimizer(gp, arm.strategy, X_training=X0,
                                 y_training=y0.astype(float), random_state=seed)
    if arm.committee_size:
        members = [
            ActiveLearner(_estimator(arm, model, 1000 * seed + 1 + i), X_training=X0,
                          y_training=y0, random_state=seed)
            for i in range(arm.committee_size)
        ]
        return Committee(members, _query_strategy(arm), random_state=seed)
    return ActiveLearner(_estimator(arm, model, seed), _query_strategy(arm), X0, y0,
                         random_state=seed)


def predict_labels(learner: Any, arm: Arm, X: np.ndarray, n_classes: int) -> np.ndarray:
    """Integer class predictions; an untrained learner predicts its most common label."""
    if not learner.is_fitted:
        labels = np.asarray(learner.y_training, dtype=np.intp)
        return np.full(X.shape[0], np.bincount(labels).argmax())
    pred = learner.predict(X)
    if arm.kind == "class_index_regressor":
        return np.clip(np.rint(pred), 0, n_classes - 1).astype(np.intp)
    return np.asarray(pred, dtype=np.intp)


def extra_scores(learner: Any, arm: Arm, X: np.ndarray, y: np.ndarray) -> dict:
    """Arm-specific scores besides the metrics: ``r2`` of the class-index regressor (what
    ``BayesianOptimizer.score`` reports, and what a study may have called accuracy)."""
    if arm.kind != "class_index_regressor" or not learner.is_fitted:
        return {}
    return {"r2": learner.score(X, y.astype(float))}
