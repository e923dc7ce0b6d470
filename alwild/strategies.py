"""Named query strategies: how to get scores from a model, and which selector to use.

A strategy is a small frozen dataclass. It can be handed to a learner by name
(``"entropy"``), as an object (``EntropySampling()`` style, see :func:`get_strategy`), or
called directly in modAL's way: ``strategy(classifier, X_pool, n_instances)`` returns
the chosen indices.

>>> from sklearn.linear_model import LogisticRegression
>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> clf = LogisticRegression().fit(X, y)
>>> get_strategy("entropy")(clf, np.array([[1.5], [10.0]]), n_instances=1).tolist()
[0]
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from alwild import scores as S
from alwild import select
from alwild.pool import DEFAULT_CHUNK_SIZE, map_chunks, n_rows, take_rows
from alwild.support import (
    append_rows,
    best_observed,
    features_of,
    labelled_features,
    mc_proba,
    require_committee,
    require_mc,
    require_proba,
    require_std,
)

__all__ = [
    "Strategy",
    "ScoreStrategy",
    "RankedBatch",
    "CoreSet",
    "ClusterMargin",
    "ClassQuota",
    "ExpectedErrorReduction",
    "register",
    "get_strategy",
    "available_strategies",
]


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _score_pool(model, fn: Callable, X, width: int = 1) -> np.ndarray:
    chunk_size = getattr(model, "chunk_size", DEFAULT_CHUNK_SIZE)
    n_jobs = getattr(model, "n_jobs", None)
    return map_chunks(lambda rows: fn(model, rows), X, chunk_size, n_jobs, width=width)


@dataclasses.dataclass(frozen=True)
class Strategy(abc.ABC):
    """Base class: subclasses set ``name`` and implement :meth:`select`."""

    name: ClassVar[str] = "strategy"
    needs_model: ClassVar[bool] = True
    needs_committee: ClassVar[bool] = False

    def check(self, model: Any) -> None:
        """Raise a clear error if ``model`` cannot give what this strategy needs."""

    @abc.abstractmethod
    def select(
        self, model: Any, X_pool, n_instances: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return ``(indices, per-row scores or None)`` for a fitted ``model``."""

    def with_params(self, **params) -> Strategy:
        """A copy with some parameters changed (``tradeoff=0.1``, ``n_candidates=50``...)."""
        return dataclasses.replace(self, **params) if params else self

    def __call__(
        self,
        classifier: Any,
        X,
        n_instances: int = 1,
        random_tie_break: bool = True,
        random_state: int | np.random.Generator | None = None,
        **params,
    ) -> np.ndarray:
        """modAL-style call: indices of the ``n_instances`` chosen rows of ``X``.

        Ties are always broken at random (seeded by ``random_state``);
        ``random_tie_break`` is accepted for modAL compatibility.
        """
        strategy = self.with_params(**params)
        strategy.check(classifier)
        idx, _ = strategy.select(classifier, X, n_instances, _rng(random_state))
        return idx


Utility = Callable[[Any, Any], np.ndarray]


def _proba_utility(score: Callable[[np.ndarray], np.ndarray]) -> Utility:
    return lambda model, rows: score(model.predict_proba(rows))


def _vote_entropy(model, rows):
    return S.vote_entropy(model.vote_indices(rows), len(model.classes_))


def _consensus_entropy(model, rows):
    return S.consensus_entropy(model.member_proba(rows))


def _max_disagreement(model, rows):
    return S.kl_max_disagreement(model.member_proba(rows))


def _max_std(model, rows):
    return model.predict(rows, return_std=True)[1]


def _bald(model, rows):
    return S.bald(mc_proba(model, rows))


def _egl(model, rows):
    est = getattr(model, "estimator", model)
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    return S.expected_gradient_length(
        model.predict_proba(rows), features_of(model, rows), getattr(final, "fit_intercept", True)
    )


_CHECKS = {
    "proba": require_proba,
    "committee": require_committee,
    "std": require_std,
    "mc": require_mc,
}


@dataclasses.dataclass(frozen=True)
class ScoreStrategy(Strategy):
    """Score every pool row with ``utility(model, rows)`` and take the top k."""

    label: str = "entropy"
    utility: Utility = dataclasses.field(default=_proba_utility(S.entropy), repr=False)
    needs: str = "proba"

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.label

    @property
    def needs_committee(self) -> bool:  # type: ignore[override]
        return self.needs == "committee"

    def check(self, model: Any) -> None:
        _CHECKS[self.needs](model, self.label)

    def select(self, model, X_pool, n_instances, rng):
        scores = _score_pool(model, self.utility, X_pool)
        return select.top_k(scores, n_instances, rng), scores


@dataclasses.dataclass(frozen=True)
class RandomSampling(Strategy):
    """Passive learning: every pool row is equally likely."""

    name = "random"
    needs_model = False

    def select(self, model, X_pool, n_instances, rng):
        scores = S.random_scores(n_rows(X_pool), rng)
        return select.top_k(scores, n_instances, rng), scores


@dataclasses.dataclass(frozen=True)
class Acquisition(Strategy):
    """Bayesian-optimisation acquisition on a regressor with a predictive std (PI, EI, UCB)."""

    kind: str = "ei"
    tradeoff: float = 0.0
    beta: float = 1.0

    @property
    def name(self) -> str:  # type: ignore[override]
        return {"pi": "max_PI", "ei": "max_EI", "ucb": "max_UCB"}[self.kind]

    def check(self, model: Any) -> None:
        require_std(model, self.name)

    def _utility(self, model, rows):
        mean, std = model.predict(rows, return_std=True)
        if self.kind == "ucb":
            return S.upper_confidence_bound(mean, std, self.beta)
        best = best_observed(model)
        fn = S.probability_of_improvement if self.kind == "pi" else S.expected_improvement
        return fn(mean, std, best, self.tradeoff)

    def select(self, model, X_pool, n_instances, rng):
        scores = _score_pool(model, self._utility, X_pool)
        return select.top_k(scores, n_instances, rng), scores


@dataclasses.dataclass(frozen=True)
class RankedBatch(Strategy):
    """Ranked batch-mode sampling (Cardoso et al. 2017): uncertainty traded off with novelty."""

    name = "ranked_batch"

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        uncertainty = _score_pool(model, _proba_utility(S.least_confident), X_pool)
        feats = features_of(model, X_pool)
        idx = select.ranked_batch(uncertainty, feats, n_instances, labelled_features(model))
        return idx, uncertainty


@dataclasses.dataclass(frozen=True)
class CoreSet(Strategy):
    """Core-set / k-center greedy on features (or the pipeline's transformed features)."""

    name = "coreset"
    needs_model = False

    def select(self, model, X_pool, n_instances, rng):
        feats = features_of(model, X_pool)
        idx = select.k_center_greedy(feats, n_instances, labelled_features(model), rng)
        return idx, None


@dataclasses.dataclass(frozen=True)
class ClusterMargin(Strategy):
    """Cluster-margin: k-means over the top ``n_candidates`` by margin, one pick per cluster."""

    name = "cluster_margin"
    n_candidates: int | None = None

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        scores = _score_pool(model, _proba_utility(S.margin), X_pool)
        m = self.n_candidates or 10 * n_instances
        cand = select.top_k(scores, min(max(m, n_instances), scores.size), rng)
        feats = features_of(model, take_rows(X_pool, np.sort(cand)))
        order = np.sort(cand)
        local = select.cluster_diverse(scores[order], feats, n_instances, cand.size, rng)
        return order[local], scores


@dataclasses.dataclass(frozen=True)
class ClassQuota(Strategy):
    """Entropy sampling with a share of each batch reserved for rarely-predicted classes."""

    name = "class_quota"
    rare_share: float = 0.3

    def check(self, model):
        require_proba(model, self.name)

    def select(self, model, X_pool, n_instances, rng):
        def both(m, rows):
            proba = m.predict_proba(rows)
            return np.column_stack([S.entropy(proba), proba.argmax(axis=1)])

        out = _score_pool(model, both, X_pool, width=2)
        scores, predicted = out[:, 0], out[:, 1].astype(np.intp)
        y = getattr(model, "y_training", None)
        counts = None
        if y is not None and len(y):
            classes = model.classes_
            pos = np.searchsorted(classes, np.asarray(y))
            counts = np.bincount(pos, minlength=len(classes))
        idx = select.class_quota(scores, predicted, n_instances, self.rare_share, counts, rng)
        return idx, scores


@dataclasses.dataclass(frozen=True)
class ExpectedErrorReduction(Strategy):
    """Expected error reduction (Roy & McCallum 2001) on a random subsample of the pool.

    For each of ``n_candidates`` pool rows and each class, a clone of the estimator is
    refitted with that row added, and its expected loss (``"log"`` or ``"01"``) on
    ``n_eval`` pool rows is weighted by the current p(y | x). Cost: candidates × classes
    fits, so keep the subsample small.
    """

    name = "expected_error_reduction"
    loss: str = "log"
    n_candidates: int = 50
    n_eval: int = 200

    def check(self, model):
        require_proba(model, self.name)
        if getattr(model, "X_training", None) is None:
            raise ValueError(
                "expected_error_reduction refits the model with each candidate added, so it "
                "needs the labelled data: use it through ActiveLearner"
            )

    def select(self, model, X_pool, n_instances, rng):
        from sklearn.base import clone

        n = n_rows(X_pool)
        n_cand = min(n, max(self.n_candidates, n_instances))
        cand = np.sort(rng.choice(n, n_cand, replace=False))
        evals = np.sort(rng.choice(n, min(n, self.n_eval), replace=False))
        X_cand, X_eval = take_rows(X_pool, cand), take_rows(X_pool, evals)
        cand_proba = model.predict_proba(X_cand)
        classes = model.classes_
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
        return select.top_k(scores, n_instances, rng), scores


def _aligned_proba(est, X, classes) -> np.ndarray:
    proba = est.predict_proba(X)
    if len(est.classes_) == len(classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, est.classes_)] = proba
    return out


_REGISTRY: dict[str, Callable[..., Strategy]] = {}
_ALIASES: dict[str, str] = {}


def register(name: str, factory: Callable[..., Strategy], aliases: tuple[str, ...] = ()) -> None:
    """Make a strategy available by name to learners, the CLI and the app."""
    _REGISTRY[name] = factory
    for alias in aliases:
        _ALIASES[alias] = name


def available_strategies() -> list[str]:
    """Registered strategy names (aliases not included).

    >>> "entropy" in available_strategies()
    True
    """
    return sorted(_REGISTRY)


def get_strategy(spec: str | Strategy | Callable, **params) -> Strategy | Callable:
    """Resolve a strategy given by name, object or modAL-style function.

    >>> get_strategy("uncertainty").name
    'least_confident'
    """
    if isinstance(spec, Strategy):
        return spec.with_params(**params)
    if isinstance(spec, str):
        key = _ALIASES.get(spec, spec)
        if key not in _REGISTRY:
            names = ", ".join(available_strategies())
            raise ValueError(f"unknown strategy {spec!r}; choose one of: {names}")
        return _REGISTRY[key](**params)
    if callable(spec):
        return spec
    raise TypeError(
        f"a strategy must be a name, a Strategy or a function (learner, X, n_instances); "
        f"got {type(spec).__name__}"
    )


def _score(label: str, utility: Utility, needs: str) -> Callable[..., Strategy]:
    return lambda **p: ScoreStrategy(label=label, utility=utility, needs=needs, **p)


register("least_confident", _score("least_confident", _proba_utility(S.least_confident), "proba"),
         aliases=("uncertainty", "uncertainty_sampling"))
register("margin", _score("margin", _proba_utility(S.margin), "proba"),
         aliases=("margin_sampling",))
register("entropy", _score("entropy", _proba_utility(S.entropy), "proba"),
         aliases=("entropy_sampling",))
register("vote_entropy", _score("vote_entropy", _vote_entropy, "committee"),
         aliases=("vote_entropy_sampling",))
register("consensus_entropy", _score("consensus_entropy", _consensus_entropy, "committee"),
         aliases=("consensus_entropy_sampling",))
register("max_disagreement", _score("max_disagreement", _max_disagreement, "committee"),
         aliases=("max_disagreement_sampling", "kl_max_disagreement"))
register("max_std", _score("max_std", _max_std, "std"), aliases=("max_std_sampling",))
register("bald", _score("bald", _bald, "mc"))
register("expected_gradient_length", _score("expected_gradient_length", _egl, "proba"),
         aliases=("egl",))
register("random", RandomSampling, aliases=("passive",))
register("max_PI", lambda **p: Acquisition(kind="pi", **p), aliases=("pi",))
register("max_EI", lambda **p: Acquisition(kind="ei", **p), aliases=("ei",))
register("max_UCB", lambda **p: Acquisition(kind="ucb", **p), aliases=("ucb",))
register("ranked_batch", RankedBatch, aliases=("uncertainty_batch_sampling",))
register("coreset", CoreSet, aliases=("k_center", "k_center_greedy"))
register("cluster_margin", ClusterMargin)
register("class_quota", ClassQuota)
register("expected_error_reduction", ExpectedErrorReduction, aliases=("eer",))

# Strategies defined in their own modules register themselves on import.
from alwild import strategies_auto, strategies_balanced  # noqa: E402, F401, I001
