"""Diverse batches from a sharded pool: two-stage selection and streaming k-center.

Two ways to get a batch that is spread out, when the pool cannot be held by one node:

- :func:`two_stage`: the top ``m`` rows by a score are chosen on the cluster (as in
  :func:`~alwild.scale.query.query_pool`); only those ``m`` rows are gathered, and
  k-center greedy (``method="k_center"``) or one-pick-per-k-means-cluster
  (``method="cluster"``, cluster-margin) picks ``k`` of them on the client. Informative
  first, then diverse among the informative; cost: one scoring pass plus ``m`` rows on
  the client. With ``strategy="margin"`` and ``method="cluster"`` it is exactly the
  in-memory ``cluster_margin`` strategy.
- :func:`streaming_k_center`: each partition picks ``k`` centres by k-center greedy on
  its own rows (given the labelled rows), and the centres are merged by a tree of
  k-center greedy runs over the union of ``FAN_IN`` partitions' centres. Diversity over
  the whole pool, no score; the covering radius is within a small constant factor of
  single-machine k-center greedy (each level at most doubles the guarantee) and is
  measured in ``benchmarks/scale_diversity.py``. Memory per task: one partition, or
  ``FAN_IN * k`` rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild.errors import UserValueError
from alwild.features import features_of, labelled_features
from alwild.scale.cluster import ship
from alwild.scale.query import FAN_IN, Progress, Selection, fetch_rows, open_on_cluster, query_pool
from alwild.scale.sources import load_rows
from alwild.select import (
    DIVERSITY_METHODS,
    as_rng,
    candidate_count,
    check_k,
    diverse_subset,
    k_center_greedy,
    tie_seed,
)
from alwild.strategies import Strategy

__all__ = ["two_stage", "streaming_k_center", "DIVERSITY_METHODS"]



def two_stage(
    model: Any,
    pool,
    n_instances: int,
    client,
    strategy: str | Strategy = "margin",
    method: str = "k_center",
    n_candidates: int | None = None,
    random_state: int | np.random.Generator | None = None,
    subsample: float = 1.0,
    progress: Progress | None = None,
) -> Selection:
    """Top ``n_candidates`` (default ``10 * n_instances``) by ``strategy``, then diversity.

    Returns the chosen global row indices (and their scores) in the order the diverse
    selector picked them.
    """
    if method not in DIVERSITY_METHODS:
        raise UserValueError(f"method must be one of {DIVERSITY_METHODS}, got {method!r}")
    rng = as_rng(random_state)
    sharded = open_on_cluster(pool, model, client)
    m = candidate_count(n_instances, sharded.n_rows, n_candidates)
    top = query_pool(model, sharded, strategy, m, client, rng, subsample, progress=progress)
    by_row = np.argsort(top.index, kind="stable")
    order, order_scores = top.index[by_row], top.score[by_row]
    feats = features_of(model, fetch_rows(sharded, order, client))
    local = diverse_subset(order_scores, feats, n_instances, method, labelled_features(model), rng)
    return Selection(order[local], order_scores[local], top.n_scored, top.n_rows)


def _centres(source, offset, model, labelled, k, seed):
    feats = features_of(model, load_rows(source))
    picks = k_center_greedy(feats, min(k, feats.shape[0]), labelled, seed)
    return offset + picks.astype(np.int64), np.asarray(feats[picks])


def _merge_centres(*parts, labelled, k, seed):
    index = np.concatenate([p[0] for p in parts])
    feats = np.concatenate([p[1] for p in parts], axis=0)
    picks = k_center_greedy(feats, min(k, index.size), labelled, seed)
    return index[picks], feats[picks]


def streaming_k_center(
    model: Any,
    pool,
    n_instances: int,
    client,
    random_state: int | np.random.Generator | None = None,
    progress: Progress | None = None,
) -> Selection:
    """k-center greedy partition by partition, centres merged by a tree (no score used).

    ``model`` provides the features (a Pipeline's transform) and the labelled rows (a
    learner's ``X_training``), which count as centres already chosen.
    """
    from distributed import as_completed

    rng = as_rng(random_state)
    sharded = open_on_cluster(pool, model, client)
    check_k(n_instances, sharded.n_rows)
    base = tie_seed(rng)
    model_f = ship(client, model)
    lab_f = ship(client, labelled_features(model))
    level = []
    for i, part in enumerate(sharded.partitions):
        seed = np.random.SeedSequence([base, 0, i])
        if hasattr(part.load, "dask"):
            import dask

            task = dask.delayed(_centres)(part.load, part.offset, model_f, lab_f, n_instances, seed)
            level.append(client.compute(task))
        else:
            level.append(client.submit(_centres, part.load, part.offset, model_f, lab_f,
                                       n_instances, seed, pure=False))
    leaves, depth = list(level), 0
    while len(level) > 1:
        level = [
            client.submit(_merge_centres, *level[j : j + FAN_IN], labelled=lab_f,
                          k=n_instances, seed=np.random.SeedSequence([base, depth + 1, j]),
                          pure=False)
            for j in range(0, len(level), FAN_IN)
        ]
        depth += 1
    if progress is not None:
        for done, _ in enumerate(as_completed(leaves), start=1):
            progress(done, len(leaves))
    index, _ = level[0].result()
    return Selection(index, np.full(index.size, np.nan), sharded.n_rows, sharded.n_rows)
