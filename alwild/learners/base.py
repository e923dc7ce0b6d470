"""What every pool-based learner shares: resolving the strategy, checking the pool, the
cold start, and the query itself."""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from alwild.errors import UserValueError
from alwild.features import features_of, labelled_features
from alwild.pool import DEFAULT_CHUNK_SIZE, n_features, n_rows, take_rows
from alwild.select import check_k, k_center_greedy, kmeans_seeds
from alwild.strategies import ModalFace, Strategy, get_strategy

__all__ = ["QueryMixin", "COLD_START_MODES"]

COLD_START_MODES = ("diversity", "kmeans", "random")


class QueryMixin:
    """Pool querying for learners that own a model and a labelled set.

    Subclasses provide ``is_fitted``, ``one_class``, ``X_training`` and
    ``_check_strategy``.
    """

    query_strategy: Any
    chunk_size: int = DEFAULT_CHUNK_SIZE
    n_jobs: int | None = None
    cold_start: str = "diversity"
    known_classes: np.ndarray | None = None

    def _init_query(self, query_strategy, chunk_size, n_jobs, cold_start, random_state) -> None:
        if cold_start not in COLD_START_MODES:
            raise UserValueError(
                f"cold_start must be one of {COLD_START_MODES}, got {cold_start!r}")
        if int(chunk_size) < 1:
            raise UserValueError(f"chunk_size must be a positive integer, got {chunk_size}")
        self.query_strategy = get_strategy(query_strategy)
        self._check_strategy(self.query_strategy)
        self.chunk_size = int(chunk_size)
        self.n_jobs = n_jobs
        self.cold_start = cold_start
        self.random_state = random_state
        self._rng = np.random.default_rng(random_state)
        self.last_scores_: np.ndarray | None = None
        self.last_query_: np.ndarray | None = None
        self.last_strategy_: str | None = None

    def _check_strategy(self, strategy) -> None:  # overridden where a strategy can be wrong
        return None

    def _expected_features(self) -> int | None:
        X = getattr(self, "X_training", None)
        if X is not None and n_rows(X):
            return n_features(X)
        est = getattr(self, "estimator", None)
        return getattr(est, "n_features_in_", None)

    def _check_pool(self, X_pool, n_instances: int) -> None:
        if X_pool is None:
            raise UserValueError("X_pool is None: pass the unlabelled samples to choose from")
        check_k(n_instances, n_rows(X_pool))
        want, got = self._expected_features(), n_features(X_pool)
        if want is not None and got is not None and want != got:
            raise UserValueError(
                f"the pool has {got} features but the learner was trained on {want}: "
                "pass pool rows with the same columns, in the same order, as the training data"
            )

    def one_class(self) -> bool:  # overridden by learners of classifiers
        return False

    @property
    def model_ready(self) -> bool:
        """Whether queries trust the model: fitted, on two classes or more for a classifier,
        and on every declared ``known_classes``."""
        return self.is_fitted and not self.one_class() and not self.unseen_classes()

    def unseen_classes(self) -> list:
        """Declared ``known_classes`` that no labelled sample has yet."""
        if self.known_classes is None:
            return []
        y = getattr(self, "y_training", None)
        seen = np.asarray(y) if y is not None else np.array([])
        return [c for c in self.known_classes.tolist() if c not in set(seen.tolist())]

    def _cold_start_pick(self, X_pool, n_instances: int) -> tuple[np.ndarray, str]:
        """The pick before the model can be trusted, and which cold start made it."""
        if self.cold_start in ("diversity", "kmeans"):
            try:
                feats = features_of(self, X_pool)
                trained = self.is_fitted and not self.one_class()
                labelled = labelled_features(self) if trained else None
            except (NotFittedError, TypeError):  # unfitted pipeline; raw data not numeric
                feats = None
            if feats is not None and (self.cold_start == "diversity" or labelled is not None):
                return k_center_greedy(feats, n_instances, labelled, self._rng), "diversity"
            if feats is not None:
                return kmeans_seeds(feats, n_instances, self._rng), "kmeans"
        return self._rng.choice(n_rows(X_pool), n_instances, replace=False), "random"

    def query(
        self, X_pool, n_instances: int | None = None, return_metrics: bool = False,
        **query_kwargs,
    ):
        """Choose the ``n_instances`` (default 1) most informative rows of ``X_pool``.

        Returns ``(indices, rows)`` (plus the chosen rows' scores with
        ``return_metrics=True``). The scores of every pool row are kept in
        ``last_scores_``. Before the model can be trusted (no labels yet, or a single
        class) the pick falls back to ``cold_start``: farthest-first diversity on the
        features (``"diversity"``, default), the rows nearest k-means centres
        (``"kmeans"``: stratified seeds) or uniform ``"random"``; diversity becomes
        random while the features cannot be computed (an unfitted pipeline, raw text).
        With ``known_classes`` declared, the cold start goes on until every one of them
        has been labelled (farthest-first from the labelled rows), so uncertainty is only
        trusted once the model has seen each class. ``last_strategy_`` records which
        pick was made.

        A strategy given as ``functools.partial(strategy, n_instances=3, ...)`` runs as
        that strategy with those arguments. A modAL-style function's own result is
        returned as modAL returns it: its indices, the rows at them and, with
        ``return_metrics=True``, the metrics it gave (a single index gives a single row).
        """
        strategy, n_instances, query_kwargs = _unwrap(self.query_strategy, n_instances,
                                                      query_kwargs)
        if query_kwargs and isinstance(strategy, Strategy):
            strategy = strategy.with_params(**query_kwargs)
            query_kwargs = {}
        n = 1 if n_instances is None else n_instances
        self._check_pool(X_pool, n)
        scores = None
        if isinstance(strategy, Strategy):
            if strategy.needs_model and not self.model_ready:
                idx, mode = self._cold_start_pick(X_pool, n)
                used = f"cold_start:{mode}"
            else:
                strategy.check(self)
                idx, scores = strategy.select(self, X_pool, n, self._rng)
                used = getattr(strategy, "used_name", strategy.name)
            picked, metrics = idx, None if scores is None else scores[idx]
        else:
            picked, metrics = _call_foreign(strategy, self, X_pool, n_instances, query_kwargs)
            used = getattr(strategy, "__name__", type(strategy).__name__)
        picked = np.asarray(picked, dtype=np.intp)
        self.last_scores_, self.last_query_, self.last_strategy_ = scores, picked.ravel(), used
        rows = take_rows(X_pool, picked)
        if return_metrics:
            return picked, rows, metrics
        return picked, rows


def _unwrap(strategy, n_instances: int | None, kwargs: dict):
    """A face or a ``functools.partial`` of a strategy as the strategy, its batch size and
    its other arguments (those of the call win)."""
    if isinstance(strategy, functools.partial) and not strategy.args and isinstance(
        strategy.func, (Strategy, ModalFace)
    ):
        preset = dict(strategy.keywords)
        preset_n = preset.pop("n_instances", None)
        n = preset_n if n_instances is None else n_instances
        return get_strategy(strategy.func), n, {**preset, **kwargs}
    if isinstance(strategy, ModalFace):
        strategy = get_strategy(strategy)
    return strategy, n_instances, kwargs


def _call_foreign(fn, learner, X_pool, n_instances: int | None, kwargs: dict):
    """Call a modAL-style strategy function: ``(indices, metrics or None)`` from what it
    returns, ``idx`` or ``(idx, metrics)``."""
    if n_instances is not None:
        try:
            params = inspect.signature(fn).parameters
            takes_n = "n_instances" in params or any(
                p.kind is p.VAR_KEYWORD for p in params.values()
            )
        except (TypeError, ValueError):
            takes_n = True
        if takes_n:
            kwargs = {"n_instances": n_instances, **kwargs}
    result = fn(learner, X_pool, **kwargs)
    idx, metrics = result if isinstance(result, tuple) and len(result) == 2 else (result, None)
    size = np.asarray(idx).size
    if n_instances is not None and size != n_instances:
        warnings.warn(
            f"strategy {getattr(fn, '__name__', fn)!r} returned {size} indices for "
            f"n_instances={n_instances}",
            stacklevel=3,
        )
    return idx, metrics
