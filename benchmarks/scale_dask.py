"""Dask scale-out vs a single-process chunked query on the same Parquet shards.

Writes ``--rows`` x 20 float32 rows as Parquet shards in a temporary directory, fits a
10-class LogisticRegression, and selects the top ``--k`` rows by entropy

- on a ``--workers``-worker LocalCluster (``alwild.scale.query_pool``), in a child
  process per pool size (1/10 of the rows, then all), so each client's peak memory is
  its own;
- in one process with ``ActiveLearner.query(n_jobs=--workers)`` on the shards read
  into memory (reading included, as the workers read too).

Prints rows/second of both and their ratio, whether the selected indices are equal,
and the client's peak RSS at both pool sizes. Run::

    PYTHONPATH=. python benchmarks/scale_dask.py --rows 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_FEATURES, N_CLASSES = 20, 10


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_shards(folder: Path, rows: int, shard_rows: int) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [f"f{j:02d}" for j in range(N_FEATURES)]
    paths = []
    for i, start in enumerate(range(0, rows, shard_rows)):
        n = min(shard_rows, rows - start)
        X = np.random.default_rng(i).standard_normal((n, N_FEATURES), dtype=np.float32)
        X[:, 0] = np.round(X[:, 0], 1)  # coarse column: duplicate rows, tied scores
        table = pa.table({c: X[:, j] for j, c in enumerate(names)})
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(table, path)
        paths.append(str(path))
    return paths


def _fit_model(folder: Path, first_shard: str) -> str:
    import joblib
    import pyarrow.parquet as pq
    from sklearn.linear_model import LogisticRegression

    table = pq.read_table(first_shard)
    X = np.column_stack([c.to_numpy() for c in table.columns])[:20_000]
    W = np.random.default_rng(99).normal(size=(N_FEATURES, N_CLASSES))
    noise = np.random.default_rng(98).gumbel(size=(X.shape[0], N_CLASSES)) * 3.0
    y = np.argmax(X @ W + noise, axis=1)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    path = folder / "model.joblib"
    joblib.dump(clf, path)
    return str(path)


def _cluster_role(args) -> dict:
    import joblib

    from alwild.scale import connect, query_pool

    paths = json.loads(Path(args.paths).read_text())
    model = joblib.load(args.model)
    t0 = time.perf_counter()
    with connect(n_workers=args.workers) as client:
        started = time.perf_counter() - t0
        query_pool(model, paths[:1], "entropy", 10, client, random_state=0)  # warm workers
        t1 = time.perf_counter()
        sel = query_pool(model, paths, "entropy", args.k, client, random_state=args.seed)
        seconds = time.perf_counter() - t1
    np.save(args.out, sel.index)
    return {"seconds": seconds, "cluster_start_s": started, "rows": sel.n_rows,
            "client_peak_rss_mb": _peak_rss_mb()}


def _single_role(args) -> dict:
    import joblib
    import pyarrow.parquet as pq

    from alwild.learners import ActiveLearner

    paths = json.loads(Path(args.paths).read_text())
    model = joblib.load(args.model)
    t0 = time.perf_counter()
    counts = [pq.read_metadata(p).num_rows for p in paths]
    X = np.empty((sum(counts), N_FEATURES), dtype=np.float32)
    start = 0
    for path, n in zip(paths, counts, strict=True):
        table = pq.read_table(path)
        for j, column in enumerate(table.columns):
            X[start : start + n, j] = column.to_numpy()
        start += n
    read_s = time.perf_counter() - t0
    learner = ActiveLearner(model, "entropy", n_jobs=args.workers, random_state=args.seed)
    idx, _ = learner.query(X, args.k)
    seconds = time.perf_counter() - t0
    np.save(args.out, idx)
    return {"seconds": seconds, "read_s": read_s, "rows": X.shape[0],
            "peak_rss_mb": _peak_rss_mb()}


def _child(role: str, paths: list[str], model: str, folder: Path, args) -> tuple[dict, np.ndarray]:
    listing = folder / f"{role}-{len(paths)}.json"
    listing.write_text(json.dumps(paths))
    out = folder / f"{role}-{len(paths)}.npy"
    cmd = [sys.executable, __file__, "--role", role, "--paths", str(listing), "--model", model,
           "--out", str(out), "--k", str(args.k), "--workers", str(args.workers),
           "--seed", str(args.seed)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), np.load(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--shard-rows", type=int, default=250_000)
    p.add_argument("--k", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dir", default=None, help="where to write the shards (default: a temp dir)")
    p.add_argument("--role", choices=("cluster", "single"), help=argparse.SUPPRESS)
    p.add_argument("--paths", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role:
        role = _cluster_role if args.role == "cluster" else _single_role
        print(json.dumps(role(args)))
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = _write_shards(folder, args.rows, args.shard_rows)
        model = _fit_model(folder, paths[0])
        small = paths[: max(1, len(paths) // 10)]
        print(f"{args.rows:,} x {N_FEATURES} float32 rows in {len(paths)} Parquet shards "
              f"({sum(os.path.getsize(x) for x in paths) / 2**20:,.0f} MiB) written in "
              f"{time.perf_counter() - t0:.0f} s; load average {os.getloadavg()[0]:.2f} on "
              f"{os.cpu_count()} cores")
        small_run, _ = _child("cluster", small, model, folder, args)
        full_run, cluster_idx = _child("cluster", paths, model, folder, args)
        single_run, single_idx = _child("single", paths, model, folder, args)
    rate_c = full_run["rows"] / full_run["seconds"]
    rate_s = single_run["rows"] / single_run["seconds"]
    print(f"cluster ({args.workers} workers): {rate_c:,.0f} rows/s "
          f"({full_run['seconds']:.1f} s; cluster start {full_run['cluster_start_s']:.1f} s "
          "not counted)")
    print(f"single process ({args.workers} threads): {rate_s:,.0f} rows/s "
          f"({single_run['seconds']:.1f} s, of which reading {single_run['read_s']:.1f} s)")
    print(f"ratio cluster / single: {rate_c / rate_s:.2f} (target >= 0.85)")
    print(f"selected indices equal: {np.array_equal(cluster_idx, single_idx)} "
          f"(top-{args.k}, {np.unique(cluster_idx).size} distinct)")
    print(f"client peak RSS: {small_run['client_peak_rss_mb']:,.0f} MiB at "
          f"{small_run['rows']:,} rows, {full_run['client_peak_rss_mb']:,.0f} MiB at "
          f"{full_run['rows']:,} rows (single process: {single_run['peak_rss_mb']:,.0f} MiB)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
