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
from alwild.pool import DEFAULT_CHUNK_SIZE, map_chunks, n_rows
from alwild.select import Proportional, as_rng, top_k
from alwild.strategies.capabilities import (
    mc_proba,
    require_committee,
    require_mc,
    require_multilabel,
    require_proba,
    require_std,
)

__all__ = [
    "Strategy",
    "ModalFace",
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

    def proposal(self, model: Any, X_pool, n_instances: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray | Proportional | None, np.ndarray | None]:
        """``(what it proposes, per-row scores or None)`` as an arm of a mixture of
        strategies (``auto``, :func:`~alwild.select.draw_slots`): by default its
        :meth:`select` picks, best first; None to pick uniformly; a
        :class:`~alwild.select.Proportional` to draw in proportion to row weights."""
        return self.select(model, X_pool, n_instances, rng)

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

    def pick(
        self,
        classifier: Any,
        X,
        n_instances: int = 1,
        random_tie_break: bool = True,
        random_state: int | np.random.Generator | None = None,
        **params,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(indices, per-row scores or None)`` of a direct call on ``classifier``.

        Ties are broken at random (seeded by ``random_state``); with
        ``random_tie_break=False`` a top-k strategy takes the lowest index of a tie.
        """
        if any(f.name == "random_tie_break" for f in dataclasses.fields(self)):
            params = {"random_tie_break": random_tie_break, **params}
        strategy = self.with_params(**params)
        strategy.check(classifier)
        return strategy.select(classifier, X, n_instances, as_rng(random_state))

    def __call__(self, classifier: Any, X, n_instances: int = 1, **kwargs) -> np.ndarray:
        """Indices of the ``n_instances`` chosen rows of ``X`` (arguments as :meth:`pick`)."""
        return self.pick(classifier, X, n_instances, **kwargs)[0]


def _same(scores: np.ndarray) -> np.ndarray:
    return scores


@dataclasses.dataclass(frozen=True)
class ModalFace:
    """A strategy under its modAL name, called as modAL 0.4.2 calls its strategies:
    ``face(classifier, X, n_instances)`` returns ``(indices, metrics)``, the metric of each
    chosen row in modAL's own terms (``metric`` maps alwild's score to it). Learners
    given a face run its strategy.

    >>> from sklearn.linear_model import LogisticRegression
    >>> from alwild.strategies.registry import get_strategy
    >>> face = ModalFace(get_strategy("entropy"), "entropy_sampling")
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> idx, metric = face(clf, np.array([[0.5], [9.0]]))
    >>> face.__name__, idx.tolist(), metric.round(3).tolist()
    ('entropy_sampling', [0], [0.693])
    """

    strategy: Strategy
    modal_name: str
    metric: Callable[[np.ndarray], np.ndarray] = dataclasses.field(default=_same, repr=False)
    batch: int = 1  # modAL's default n_instances (at most the pool)

    @property
    def __name__(self) -> str:  # modAL's code reads a strategy's __name__
        return self.modal_name

    def __call__(
        self,
        classifier: Any,
        X,
        n_instances: int | None = None,
        random_tie_break: bool = True,
        random_state: int | np.random.Generator | None = 0,
        **params,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(indices, metrics)`` of ``n_instances`` rows (default: ``batch``, at most the
        pool, as modAL's defaults). A tie goes to a random row by keys of ``random_state``
        (0: the same keys every call, so a call is reproducible as modAL's is; None: fresh
        ones); ``random_tie_break=False`` is modAL's first-index rule."""
        if n_instances is None:
            n_instances = min(self.batch, n_rows(X))
        idx, scores = self.strategy.pick(classifier, X, n_instances, random_tie_break,
                                         random_state, **params)
        return idx, None if scores is None else self.metric(scores[idx])


_CHECKS = {
    "proba": require_proba,
    "committee": require_committee,
    "votes": lambda model, name: require_committee(model, name, proba=False),
    "std": require_std,
    "mc": require_mc,
    "multilabel": require_multilabel,
    "multilabel_proba": lambda model, name: require_multilabel(model, name, "predict_proba"),
    "multilabel_decision": lambda model, name: require_multilabel(model, name,
                                                                  "decision_function"),
}


@dataclasses.dataclass(frozen=True)
class TopKStrategy(Strategy):
    """Score every pool row (chunk by chunk) and take the k best (a tie at random, or
    to the lowest index with ``random_tie_break=False``)."""

    random_tie_break: bool = True

    @abc.abstractmethod
    def row_scores(self, model: Any, rows) -> np.ndarray:
        """One score per row of ``rows`` (higher = more informative)."""

    def select(self, model, X_pool, n_instances, rng):
        scores = score_pool(model, self.row_scores, X_pool)
        return top_k(scores, n_instances, rng, random_tie_break=self.random_tie_break), scores


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
    (``"proba"``, ``"committee"``, ``"votes"``, ``"std"``, ``"mc"``, ``"multilabel"``,
    ``"multilabel_proba"`` or ``"multilabel_decision"``)."""
    if needs not in _CHECKS:
        raise UserValueError(f"needs must be one of {sorted(_CHECKS)}, got {needs!r}")
    return functools.partial(ScoreStrategy, label=label, utility=utility, needs=needs)
