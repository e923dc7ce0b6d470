"""Top-k selection over a sharded pool on a Dask cluster.

The fitted model (estimator, learner or committee) is shipped once to each worker.
Each partition is loaded and scored on a worker with the strategy's own per-row
utility (the function the in-memory strategy uses), reduced to its best ``k``
candidates, and the candidates are merged by a tree of small tasks. Only candidate
sets (``k`` rows of score, key, index) ever reach the client.

With the same data and seed the result equals ``ActiveLearner(..., random_state=seed)
.query(X, k)`` exactly: both draw one tie-break seed from the same generator and rank
by (score, hashed key, index).

>>> import numpy as np, dask.array as da
>>> from sklearn.linear_model import LogisticRegression
>>> X = np.random.default_rng(0).normal(size=(1000, 3)); y = (X[:, 0] > 0).astype(int)
>>> clf = LogisticRegression().fit(X, y)
>>> from alwild.scale.cluster import connect
>>> with connect(n_workers=1, processes=False) as client:
...     sel = query_pool(clf, da.from_array(X, chunks=250), "margin", 5, client, random_state=0)
>>> from alwild.learners import ActiveLearner
>>> learner = ActiveLearner(LogisticRegression(), "margin", X, y, random_state=0)
>>> bool((sel.index == learner.query(X, 5)[0]).all())
True
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from alwild.errors import UserError, UserValueError
from alwild.pool import DEFAULT_CHUNK_SIZE, map_chunks, n_rows, nonfinite_rows, take_rows
from alwild.scale.cluster import ship
from alwild.scale.sources import (
    ShardedPool,
    expected_columns,
    load_rows,
    open_pool,
    shard_meta,
)
from alwild.select import (
    Candidates,
    as_rng,
    check_k,
    merge_candidates,
    partition_candidates,
    subsample_mask,
    tie_seed,
)
from alwild.strategies import Strategy, TopKStrategy, get_strategy

__all__ = [
    "ClusterError",
    "Selection",
    "query_pool",
    "row_utility",
    "fetch_rows",
    "open_on_cluster",
]

FAN_IN = 8

Progress = Callable[[int, int], None]


class ClusterError(RuntimeError):
    """The cluster could not finish a round (workers dying, cluster gone); nothing was selected."""


@dataclasses.dataclass(frozen=True)
class Selection:
    """Chosen global row ``index`` (best first) with their ``score``; how many rows were scored."""

    index: np.ndarray
    score: np.ndarray
    n_scored: int
    n_rows: int


def row_utility(strategy: Strategy) -> Callable[[Any, Any], np.ndarray]:
    """The per-row utility ``(model, rows) -> scores`` of a top-k strategy.

    >>> entropy = get_strategy("entropy")
    >>> row_utility(entropy) == entropy.row_scores
    True
    """
    if isinstance(strategy, TopKStrategy):
        return strategy.row_scores
    name = getattr(strategy, "name", strategy)
    raise UserValueError(
        f"strategy {name!r} is not a per-row top-k score, so it cannot be scored partition by "
        "partition: on a cluster use a score strategy (entropy, margin, least_confident, "
        "vote_entropy, bald, max_EI, ...), 'cluster_margin', or the two-stage and "
        "streaming k-center selections in alwild.scale.diversity"
    )


def _score_partition(source, name, offset, model, utility, k, seed, share, sub_seed,
                     chunk_size) -> Candidates:
    rows = load_rows(source)
    index = np.arange(offset, offset + n_rows(rows), dtype=np.int64)
    if share < 1.0:
        keep = np.flatnonzero(subsample_mask(sub_seed, index, share))
        rows, index = take_rows(rows, keep), index[keep]
    if index.size == 0:
        return Candidates.empty()
    try:
        scores = map_chunks(lambda r: utility(model, r), rows, chunk_size, n_jobs=1)
    except ValueError as err:
        bad = nonfinite_rows(rows)
        if bad:
            raise UserValueError(
                f"shard {name!r} has NaN or infinite values (first at pool rows "
                f"{index[bad].tolist()}): drop or impute them before querying"
            ) from None
        if isinstance(err, UserError):
            raise UserValueError(f"scoring shard {name!r} failed: {err}") from err
        raise
    return partition_candidates(scores, index, seed, k)


def _tree_merge(client, leaves: list, k: int, token: str):
    level, depth = leaves, 0
    while len(level) > 1:
        level = [
            client.submit(_merge, *level[i : i + FAN_IN], k=k,
                          key=f"alwild-merge-{token}-{depth}-{i}")
            for i in range(0, len(level), FAN_IN)
        ]
        depth += 1
    return level[0]


def _merge(*parts: Candidates, k: int) -> Candidates:
    return merge_candidates(parts, k)


def open_on_cluster(spec, model, client, columns=None,
                    storage_options: dict | None = None) -> ShardedPool:
    """:func:`open_pool` with Parquet footers read on the workers (shared storage or an
    object store; ``storage_options`` go to its fsspec filesystem)."""
    named = expected_columns(model)
    columns = columns if columns is not None else named

    def read_meta(paths):
        return client.gather(client.map(shard_meta, paths, pure=False,
                                        storage_options=storage_options))

    return open_pool(spec, columns=columns, as_frame=named is not None, client=client,
                     read_meta=read_meta, storage_options=storage_options)


def _check_width(pool: ShardedPool, model) -> None:
    want = None
    for obj in (model, getattr(model, "estimator", None)):
        want = want or getattr(getattr(obj, "estimator", obj), "n_features_in_", None)
    got = pool.n_features
    if want is not None and got is not None and want != got:
        raise UserValueError(
            f"the pool has {got} feature columns but the model was trained on {want}: "
            "give it shards with the model's columns"
        )


def _submit_partition(client, part, i, args, token):
    key = f"alwild-score-{token}-{i}"
    if callable(part.load) and not hasattr(part.load, "dask"):
        return client.submit(_score_partition, part.load, part.name, part.offset, *args, key=key)
    import dask

    task = dask.delayed(_score_partition, pure=True)(part.load, part.name, part.offset, *args)
    return client.compute(task)


def _suspects(err, leaves, names: dict) -> str:
    """The shard(s) whose scoring killed workers. A dying worker takes down every task it
    was running, so when several partitions died together all of them are named."""
    from distributed.scheduler import KilledWorker

    keys = {str(getattr(err, "task", ""))}
    keys |= {str(leaf.key) for leaf in leaves
             if leaf.status == "error" and isinstance(leaf.exception(), KilledWorker)}
    shards = sorted(names.get(key, key) for key in keys if key)
    if len(shards) == 1:
        return repr(shards[0])
    return ("one of these shards, which died together: "
            + ", ".join(repr(shard) for shard in shards))


def _wait(future, leaves, names: dict, progress: Progress | None):
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        if progress is not None:
            for done, leaf in enumerate(as_completed(leaves), start=1):
                if leaf.status == "error":
                    leaf.result()  # raise the partition's error now, not after the rest
                progress(done, len(leaves))
        return future.result()
    except KilledWorker as err:
        raise ClusterError(
            f"workers kept dying while scoring {_suspects(err, leaves, names)} (retried on "
            f"{getattr(err, 'allowed_failures', '?')} + 1 workers); nothing was selected. "
            "Check the workers' memory limit and that the shard is readable, then rerun: "
            "the same seed gives the same selection"
        ) from err
    except FutureCancelledError as err:
        raise ClusterError(
            "the cluster lost this round's work (scheduler or all workers gone); nothing was "
            "selected: rerun when the cluster is back, the same seed gives the same selection"
        ) from err


def query_pool(
    model: Any,
    pool,
    strategy: str | Strategy = "entropy",
    n_instances: int = 1,
    client=None,
    random_state: int | np.random.Generator | None = None,
    subsample: float = 1.0,
    columns=None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> Selection:
    """The ``n_instances`` best rows of a sharded ``pool`` by ``strategy``, on ``client``.

    ``pool`` is anything :func:`open_pool` takes. ``subsample`` scores only that share of
    the rows this round (chosen by a hash of the row index and a seed from
    ``random_state``). ``progress(done, total)`` is called as partitions finish. A worker
    that dies is replaced by Dask and its partitions are rescored (results depend on the
    data and seed only, so nothing is lost or counted twice).
    """
    strategy = get_strategy(strategy)
    utility = row_utility(strategy)
    strategy.check(model)
    if client is None:
        from alwild.scale.cluster import connect

        with connect() as own:
            return query_pool(model, pool, strategy, n_instances, own, random_state,
                              subsample, columns, chunk_size, progress)
    rng = as_rng(random_state)
    seed = tie_seed(rng)
    sub_seed = tie_seed(rng) if subsample < 1.0 else 0
    subsample_mask(sub_seed, np.empty(0), subsample)  # validates the share
    pool = open_on_cluster(pool, model, client, columns)
    _check_width(pool, model)
    total = pool.n_rows
    check_k(n_instances, total)
    token = uuid.uuid4().hex[:12]
    model_f = ship(client, model, f"alwild-model-{token}")
    args = (model_f, utility, int(n_instances), seed, float(subsample), sub_seed, chunk_size)
    leaves = [_submit_partition(client, p, i, args, token) for i, p in enumerate(pool.partitions)]
    names = {f.key if isinstance(f.key, str) else str(f.key): p.name
             for f, p in zip(leaves, pool.partitions, strict=True)}
    final = _tree_merge(client, leaves, int(n_instances), token)
    best = _wait(final, leaves, names, progress)
    if best.index.size < n_instances:
        raise UserValueError(
            f"only {best.index.size} rows were scored with subsample={subsample}, fewer than "
            f"the {n_instances} asked for: raise the subsample share or ask for fewer"
        )
    return Selection(best.index, best.score, best.n_scored, total)


def _take_local(source, local: np.ndarray):
    return take_rows(load_rows(source), local)


def fetch_rows(pool: ShardedPool, index: np.ndarray, client):
    """The rows at global ``index``, in that order, read on the workers that hold them.

    Only the asked rows travel to the client (one small task per partition involved).
    """
    index = np.asarray(index, dtype=np.int64)
    which = pool.partition_of(index)
    positions, futures = [], []
    for p in np.unique(which):
        pos = np.flatnonzero(which == p)
        part = pool.partitions[p]
        local = index[pos] - part.offset
        if hasattr(part.load, "dask"):
            import dask

            futures.append(client.compute(dask.delayed(_take_local)(part.load, local)))
        else:
            futures.append(client.submit(_take_local, part.load, local, pure=False))
        positions.append(pos)
    pieces = client.gather(futures)
    order = np.argsort(np.concatenate(positions), kind="stable")
    return take_rows(_concat_rows(pieces), order)


def _concat_rows(pieces: list):
    """Concatenate row blocks of one type (arrays or DataFrames)."""
    if isinstance(pieces[0], pd.DataFrame):
        return pd.concat(pieces, ignore_index=True)
    return np.concatenate([np.asarray(p) for p in pieces], axis=0)
