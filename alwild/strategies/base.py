"""The strategy contract: a frozen dataclass that scores a pool and picks a batch.

:class:`Strategy` is the base; :class:`TopKStrategy` scores every pool row
(``row_scores``, chunk by chunk) and takes the k best; :class:`ScoreStrategy` is a
top-k strategy made from a per-row utility, and :func:`score_strategy` builds one for
the registry.

>>> from sklearn.linear_model import LogisticRegression
>>> import numpy as np
>>> from alwild import scores as S
>>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
>>> score_strategy("entropy", proba_utility(S.entropy))()(clf, np.array([[1.5], [10.0]])).tolist()
[0]
"""

from __future__ import annotations

import abc
import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from alwild import scores as S
from alwild.errors import UserTypeError, UserValueError
from alwild.pool import DEFAULT_CHUNK_SIZE, map_chunks
from alwild.select import as_rng, top_k
from alwild.strategies.capabilities import (
    mc_proba,
    require_committee,
    require_mc,
    require_proba,
    require_std,
)

__all__ = [
    "Strategy",
    "TopKStrategy",
    "ScoreStrategy",
    "Utility",
    "score_strategy",
    "score_pool",
    "proba_utility",
    "mc_utility",
]

_INTERNAL = {"label", "utility", "needs", "kind"}  # fields the registry sets, not users

Utility = Callable[[Any, Any], np.ndarray]


def score_pool(model: Any, fn: Utility, X, width: int = 1) -> np.ndarray:
    """``fn(model, rows)`` over the pool in the model's chunks, on its ``n_jobs`` threads.

    >>> score_pool(None, lambda m, rows: rows[:, 0] * 2, np.arange(3.0)[:, None]).tolist()
    [0.0, 2.0, 4.0]
    """
    chunk_size = getattr(model, "chunk_size", DEFAULT_CHUNK_SIZE)
    n_jobs = getattr(model, "n_jobs", None)
    return map_chunks(lambda rows: fn(model, rows), X, chunk_size, n_jobs, width=width)


@dataclasses.dataclass(frozen=True)
class proba_utility:  # noqa: N801 - used like a function: proba_utility(S.entropy)
    """A per-row utility that applies ``score`` to the model's class probabilities.

    An object rather than a closure, so a learner holding the strategy can be pickled
    (``joblib.dump``) and shipped to Dask workers.

    >>> import pickle
    >>> pickle.loads(pickle.dumps(proba_utility(S.entropy))) == proba_utility(S.entropy)
    True
    """

    score: Callable[[np.ndarray], np.ndarray]

    def __call__(self, model: Any, rows) -> np.ndarray:
        return self.score(model.predict_proba(rows))


@dataclasses.dataclass(frozen=True)
class mc_utility:  # noqa: N801 - used like a function: mc_utility(S.bald)
    """A per-row utility that applies ``score`` to Monte-Carlo probability samples.

    >>> mc_utility(S.bald).score is S.bald
    True
    """

    score: Callable[[np.ndarray], np.ndarray]

    def __call__(self, model: Any, rows) -> np.ndarray:
        return self.score(mc_proba(model, rows))


@dataclasses.dataclass(frozen=True)
class Strategy(abc.ABC):
    """Base class: subclasses set ``name`` and implement :meth:`select`."""

    name: ClassVar[str] = "strategy"
    needs_model: ClassVar[bool] = True
    needs_committee: ClassVar[bool] = False

    def check(self, model: Any) -> None:  # noqa: B027 - optional hook; default: any model
        """Raise a clear error if ``model`` cannot give what this strategy needs."""

    @abc.abstractmethod
    def select(
        self, model: Any, X_pool, n_instances: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return ``(indices, per-row scores or None)`` for a fitted ``model``."""

    def with_params(self, **params) -> Strategy:
        """A copy with some parameters changed (``tradeoff=0.1``, ``n_candidates=50``...)."""
        if not params:
            return self
        allowed = sorted(f.name for f in dataclasses.fields(self) if f.name not in _INTERNAL)
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise UserTypeError(
                f"strategy {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"it takes {', '.join(allowed) if allowed else 'no parameters'}"
            )
        return dataclasses.replace(self, **params)

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
        idx, _ = strategy.select(classifier, X, n_instances, as_rng(random_state))
        return idx



_CHECKS = {
    "proba": require_proba,
    "committee": require_committee,
    "votes": lambda model, name: require_committee(model, name, proba=False),
    "std": require_std,
    "mc": require_mc,
}


@dataclasses.dataclass(frozen=True)
class TopKStrategy(Strategy):
    """Score every pool row (chunk by chunk) and take the k best."""

    @abc.abstractmethod
    def row_scores(self, model: Any, rows) -> np.ndarray:
        """One score per row of ``rows`` (higher = more informative)."""

    def select(self, model, X_pool, n_instances, rng):
        scores = score_pool(model, self.row_scores, X_pool)
        return top_k(scores, n_instances, rng), scores


@dataclasses.dataclass(frozen=True)
class ScoreStrategy(TopKStrategy):
    """Score every pool row with ``utility(model, rows)`` and take the top k."""

    label: str = "entropy"
    utility: Utility = dataclasses.field(default=proba_utility(S.entropy), repr=False)
    needs: str = "proba"

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.label

    @property
    def needs_committee(self) -> bool:  # type: ignore[override]
        return self.needs in ("committee", "votes")

    def check(self, model: Any) -> None:
        _CHECKS[self.needs](model, self.label)

    def row_scores(self, model, rows):
        return self.utility(model, rows)



def score_strategy(label: str, utility: Utility, needs: str = "proba") -> Callable[..., Strategy]:
    """A registry factory for a top-k strategy on ``utility``; ``needs`` names its check
    (``"proba"``, ``"committee"``, ``"votes"``, ``"std"`` or ``"mc"``)."""
    if needs not in _CHECKS:
        raise UserValueError(f"needs must be one of {sorted(_CHECKS)}, got {needs!r}")
    return functools.partial(ScoreStrategy, label=label, utility=utility, needs=needs)
