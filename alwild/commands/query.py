"""``alwild query``: choose the rows to label next from a pool too big for one machine.

The pool is scored on a Dask cluster (an embedded ``LocalCluster`` unless
``--scheduler`` names a running one); the chosen rows are written to a Parquet file.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from alwild.errors import UserError

TRUST_NOTE = (
    "The model file is unpickled (joblib.load), which can run arbitrary code: only load "
    "models you trust."
)


def register(sub) -> None:
    p = sub.add_parser(
        "query",
        help="pick the most informative rows of a sharded pool, scored on Dask",
        description=(
            "Score every row of a pool (Parquet shards or .npy files) with a fitted model "
            "on a Dask cluster and write the best rows to --out. " + TRUST_NOTE
        ),
    )
    p.add_argument("--pool", required=True, nargs="+",
                   help="*.parquet or *.npy files: paths or a quoted glob ('data/*.parquet'); "
                        "Parquet shards may be in an object store ('s3://bucket/shards/"
                        "*.parquet'), read by the workers themselves")
    p.add_argument("--storage-options", metavar="JSON", default=None,
                   help="fsspec options for an object-store pool, e.g. "
                        "'{\"endpoint_url\": \"http://127.0.0.1:9000\"}' (default: "
                        "credentials from the environment: AWS_ACCESS_KEY_ID, ...)")
    p.add_argument("--model", required=True,
                   help="fitted estimator, ActiveLearner or Committee saved with joblib.dump "
                        "(unpickled: only load models you trust)")
    p.add_argument("--strategy", default="entropy",
                   help="a top-k score strategy (entropy, margin, least_confident, vote_entropy, "
                        "bald, max_EI, ...), cluster_margin, or coreset (streaming k-center)")
    p.add_argument("--n", type=int, required=True, help="how many rows to select")
    p.add_argument("--out", required=True, help="output .parquet (or .csv) of the chosen rows")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                        "(default: a LocalCluster on this machine)")
    p.add_argument("--workers", type=int, default=None,
                   help="LocalCluster workers (default: one per core)")
    p.add_argument("--subsample", type=float, default=1.0,
                   help="score only this random share of the pool this round (0, 1]")
    p.add_argument("--diversity", choices=("none", "k_center", "cluster"), default="none",
                   help="two-stage batch: take --candidates top rows, then pick --n diverse ones")
    p.add_argument("--candidates", type=int, default=None,
                   help="top rows kept for the diversity stage (default 10 x --n)")
    p.add_argument("--columns", default=None,
                   help="comma-separated feature columns (default: the model's feature names, "
                        "else every column)")
    p.add_argument("--seed", type=int, default=0, help="random seed (ties, subsample, k-means)")
    p.add_argument("--no-rows", action="store_true",
                   help="write only row, rank, score and shard, not the rows' features")
    p.set_defaults(func=run)


def _load_model(path: str):
    import joblib

    try:
        return joblib.load(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"model file not found: {path!r}") from None
    except Exception as err:  # unpickling raises many types for a file that is not a model
        raise UserError(f"cannot load a model from {path!r} ({err}): save it with "
                        "joblib.dump(fitted_model, path)") from err


def _pool_spec(items: list[str]):
    return items[0] if len(items) == 1 else items


def _progress_bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), transient=False)


def _select(args, model, client, progress):
    from alwild.scale import query_pool
    from alwild.scale.diversity import streaming_k_center, two_stage

    seed = np.random.default_rng(args.seed)
    if args.strategy in ("coreset", "k_center", "k_center_greedy"):
        return streaming_k_center(model, args.pool_spec, args.n, client, seed, progress)
    if args.strategy == "cluster_margin" or args.diversity != "none":
        method = "cluster" if args.diversity == "none" else args.diversity
        strategy = "margin" if args.strategy == "cluster_margin" else args.strategy
        return two_stage(model, args.pool_spec, args.n, client, strategy, method,
                         args.candidates, seed, args.subsample, progress)
    return query_pool(model, args.pool_spec, args.strategy, args.n, client, seed,
                      args.subsample, args.columns, progress=progress)


def _table(selection, sharded, rows, with_rows: bool) -> pd.DataFrame:
    names = [p.name for p in sharded.partitions]
    out = pd.DataFrame({
        "row": selection.index,
        "rank": np.arange(1, selection.index.size + 1),
        "score": selection.score,
        "shard": [names[i] for i in sharded.partition_of(selection.index)],
    })
    if not with_rows:
        return out
    if not isinstance(rows, pd.DataFrame):
        cols = sharded.columns or [f"x{j}" for j in range(np.shape(rows)[1])]
        rows = pd.DataFrame(np.asarray(rows), columns=list(cols))
    return pd.concat([out, rows.reset_index(drop=True)], axis=1)


def _check_request(args, model) -> None:
    """Fail on a wrong strategy/model pair before any cluster starts."""
    from alwild.scale import row_utility
    from alwild.strategies import get_strategy

    if args.strategy in ("coreset", "k_center", "k_center_greedy"):
        return
    name = "margin" if args.strategy == "cluster_margin" else args.strategy
    strategy = get_strategy(name)
    row_utility(strategy)
    strategy.check(model)


def _run_on_cluster(args, model):
    from alwild.scale import connect, fetch_rows
    from alwild.scale.query import open_on_cluster

    with connect(args.scheduler, args.workers) as client:
        sharded = open_on_cluster(args.pool_spec, model, client, args.columns,
                                  args.storage_options)
        args.pool_spec = sharded
        with _progress_bar() as bar:
            task = bar.add_task("scoring partitions", total=len(sharded.partitions))
            selection = _select(args, model, client,
                                lambda done, total: bar.update(task, completed=done))
        rows = None if args.no_rows else fetch_rows(sharded, selection.index, client)
    return selection, sharded, rows


def run(args: argparse.Namespace) -> int:
    from alwild.objectstore import parse_storage_options
    from alwild.scale import ClusterError

    if args.n < 1:
        raise UserError(f"--n must be at least 1, got {args.n}")
    if not args.out.endswith((".parquet", ".csv")):
        raise UserError(f"--out must end in .parquet or .csv, got {args.out!r}")
    args.columns = args.columns.split(",") if args.columns else None
    args.storage_options = parse_storage_options(args.storage_options)
    args.pool_spec = _pool_spec(args.pool)
    model = _load_model(args.model)
    _check_request(args, model)
    start = time.perf_counter()
    try:
        selection, sharded, rows = _run_on_cluster(args, model)
    except ClusterError as err:
        raise UserError(str(err)) from err
    table = _table(selection, sharded, rows, not args.no_rows)
    if args.out.endswith(".csv"):
        table.to_csv(args.out, index=False)
    else:
        table.to_parquet(args.out, index=False)
    print(f"selected {selection.index.size:,} of {selection.n_rows:,} rows "
          f"(scored {selection.n_scored:,}) from {len(sharded.partitions)} partitions in "
          f"{time.perf_counter() - start:.1f} s -> {args.out}")
    return 0
