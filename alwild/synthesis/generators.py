"""Candidate generators for tables: new rows near the decision boundary.

A generator is called as ``generator(learner, X_pool, rng) -> candidates`` and returns
rows inside its :class:`~alwild.synthesis.FeatureSpace`. The learner's strategy then
scores the candidates; the oracle labels the chosen ones.

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.learners import ActiveLearner
>>> X = np.array([[0.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1])
>>> learner = ActiveLearner(LogisticRegression(), X_training=X, y_training=y)
>>> space = FeatureSpace.from_data(X)
>>> cand = BoundaryInterpolation(space, n_candidates=5)(learner, None, np.random.default_rng(0))
>>> cand.shape, bool(space.contains(cand).all())
((5, 2), True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from alwild.errors import UserValueError
from alwild.scores import normalised_uncertainty
from alwild.select import min_sq_distances, top_k
from alwild.synthesis.features import FeatureSpace

__all__ = ["Perturbation", "BoundaryInterpolation", "Combined", "uncertain_seeds"]


def uncertain_seeds(learner, X_pool, n_seeds: int, rng: np.random.Generator) -> np.ndarray:
    """The ``n_seeds`` rows the model is least sure about: from the pool if one is given,
    otherwise from the labelled set."""
    X = X_pool if X_pool is not None else learner.X_training
    if X is None or len(X) == 0:
        raise UserValueError("no rows to start from: pass a pool or teach labelled rows first")
    X = np.asarray(X)
    k = min(n_seeds, X.shape[0])
    if not getattr(learner, "is_fitted", False):
        return X[rng.choice(X.shape[0], k, replace=False)]
    score = normalised_uncertainty(learner.predict_proba(X), "margin")
    return X[top_k(score, k, rng)]


def _resample_categories(X, space, mask, share, rng):
    for j in space.index("categorical"):
        if not mask[j]:
            continue
        cats = np.asarray(space.features[j].categories)
        flip = rng.random(X.shape[0]) < share
        X[flip, j] = rng.choice(cats, int(flip.sum()))
    return X


@dataclasses.dataclass
class Perturbation:
    """Gaussian perturbations of uncertain rows, ``scale`` × each feature's range.

    Categorical features change to a random declared category with probability
    ``category_share``; features outside ``vary`` (default: all that may vary) stay.
    """

    space: FeatureSpace
    scale: float = 0.1
    n_seeds: int = 20
    per_seed: int = 10
    category_share: float = 0.2
    vary: Sequence[int | str] | None = None

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise UserValueError(f"scale must be positive, got {self.scale}")
        self._mask = self.space.varying(self.vary)

    def __call__(self, learner, X_pool, rng: np.random.Generator) -> np.ndarray:
        seeds = self.space.check_rows(uncertain_seeds(learner, X_pool, self.n_seeds, rng),
                                      "the seed rows")
        X = np.repeat(seeds, self.per_seed, axis=0)
        widths = np.array([f.width for f in self.space.features])
        step = rng.normal(0.0, self.scale, size=X.shape) * widths
        X = X + np.where(self._mask, step, 0.0)
        X = _resample_categories(X, self.space, self._mask, self.category_share, rng)
        return self.space.project(X)


@dataclasses.dataclass
class BoundaryInterpolation:
    """Points on segments between labelled rows and their nearest opposite-class
    labelled neighbour: the decision boundary lies somewhere on each segment.

    Each candidate takes a random labelled row, one of its ``n_neighbours`` nearest rows
    with another label, and the point ``a + t (b - a)`` with ``t ~ U(0, 1)``; a
    categorical feature comes from ``a`` or ``b`` (``b`` with probability ``t``).
    """

    space: FeatureSpace
    n_candidates: int = 200
    n_neighbours: int = 3
    vary: Sequence[int | str] | None = None

    def __post_init__(self) -> None:
        self._mask = self.space.varying(self.vary)

    def __call__(self, learner, X_pool, rng: np.random.Generator) -> np.ndarray:
        X_lab, y_lab = learner.X_training, learner.y_training
        if X_lab is None or np.unique(y_lab).size < 2:
            raise UserValueError("boundary interpolation needs labelled rows of at least two "
                             "classes: teach some first, or use Perturbation")
        X_lab = self.space.check_rows(X_lab, "the labelled rows")
        y_lab = np.asarray(y_lab)
        starts = rng.integers(X_lab.shape[0], size=self.n_candidates)
        ends = np.empty_like(starts)
        scale = np.array([f.width or 1.0 for f in self.space.features])
        Z = X_lab / scale
        for i in np.unique(starts):
            other = np.flatnonzero(y_lab != y_lab[i])
            d = min_sq_distances(Z[other], Z[i : i + 1])
            near = other[np.argsort(d, kind="stable")[: self.n_neighbours]]
            who = starts == i
            ends[who] = rng.choice(near, int(who.sum()))
        t = rng.random(self.n_candidates)[:, None]
        a, b = X_lab[starts], X_lab[ends]
        X = np.where(self._mask, a + t * (b - a), a)
        cat = self.space.index("categorical")
        if cat.size:
            take_b = (rng.random((self.n_candidates, cat.size)) < t) & self._mask[cat]
            X[:, cat] = np.where(take_b, b[:, cat], a[:, cat])
        return self.space.project(X)


@dataclasses.dataclass
class Combined:
    """All candidates of several generators together."""

    generators: Sequence[Callable]

    def __call__(self, learner, X_pool, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate([g(learner, X_pool, rng) for g in self.generators], axis=0)
