"""Diversity at scale and pool subsampling: what they cost in selection quality.

Part 1, k-center on a pool that one machine can still hold (``--rows`` x 20, twelve
Gaussian blobs, 50 labelled rows, batch ``--k``): the covering radius (largest distance
from any pool row to its nearest labelled or chosen row; lower is better) and the mean
entropy of the batch for

- single-machine ``k_center_greedy`` on the whole pool (the reference);
- ``streaming_k_center`` on a 2-worker LocalCluster with 8 and 64 ``.npy`` shards;
- ``two_stage`` (top-m by entropy, then k-center greedy among them);
- plain top-k entropy.

Part 2, subsampling (score a random share of the pool per round): for one round, the
overlap with the full top-k and the batch's mean entropy relative to the full top-k;
then pool-based active learning (5-class synthetic task with 1% label noise,
LogisticRegression, 50 initial labels, batches of 50) with shares 1, 0.1 and 0.01 and
random sampling: held-out accuracy after 500 and 1,000 labels, mean of 3 seeds. Run::

    PYTHONPATH=. python benchmarks/scale_diversity.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from alwild import scores as S
from alwild.learners import ActiveLearner
from alwild.scale import connect
from alwild.scale.diversity import streaming_k_center, two_stage
from alwild.select import (
    best_first,
    k_center_greedy,
    min_sq_distances,
    subsample_mask,
    tie_keys,
    top_k,
)


def _blobs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(12, 20))
    X = (centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 20))).astype(np.float64)
    W = rng.normal(size=(20, 4))
    y = np.argmax(X @ W + rng.gumbel(size=(n, 4)) * 4, axis=1)
    return X, y


def _npy_shards(X, parts: int, folder: Path) -> list[str]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i, rows in enumerate(np.array_split(X, parts)):
        path = folder / f"part-{i:03d}.npy"
        if not path.exists():
            np.save(path, rows)
        paths.append(str(path))
    return paths


def _radius(X, picks, labelled) -> float:
    return float(np.sqrt(min_sq_distances(X, np.concatenate([X[picks], labelled])).max()))


def part_k_center(rows: int, k: int) -> None:
    X, y = _blobs(rows)
    lab = np.arange(0, rows, rows // 50)[:50]
    learner = ActiveLearner(LogisticRegression(max_iter=500), "entropy", X[lab], y[lab],
                            random_state=0)
    entropy = S.entropy(learner.predict_proba(X))
    print(f"k-center on {rows:,} x 20 rows, 50 labelled, batch {k}")
    print(f"{'method':<42}{'radius':>8}{'vs greedy':>11}{'mean entropy':>14}{'seconds':>9}")

    def show(name, picks, seconds, ref):
        r = _radius(X, picks, X[lab])
        print(f"{name:<42}{r:>8.2f}{r / ref:>11.2f}{entropy[picks].mean():>14.3f}{seconds:>9.1f}")

    t0 = time.perf_counter()
    greedy = k_center_greedy(X, k, X[lab], 0)
    t_greedy = time.perf_counter() - t0
    ref = _radius(X, greedy, X[lab])
    show("k_center_greedy, one machine", greedy, t_greedy, ref)
    with connect(n_workers=2) as client, tempfile.TemporaryDirectory() as tmp:
        streaming_k_center(learner, _npy_shards(X[:1000], 2, Path(tmp) / "warm"), 5, client, 0)
        for parts in (8, 64):
            pool = _npy_shards(X, parts, Path(tmp) / str(parts))
            t0 = time.perf_counter()
            sel = streaming_k_center(learner, pool, k, client, 0)
            show(f"streaming_k_center, {parts} .npy shards", sel.index,
                 time.perf_counter() - t0, ref)
        t0 = time.perf_counter()
        sel = two_stage(learner, _npy_shards(X, 8, Path(tmp) / "8"), k, client, "entropy",
                        "k_center", n_candidates=10 * k, random_state=0)
        show(f"two_stage entropy top-{10 * k} + k-center", sel.index,
             time.perf_counter() - t0, ref)
    show("top-k entropy", top_k(entropy, k, 0), 0.0, ref)


def _subsample_top(scores, index, share, seed, k):
    keep = subsample_mask(seed + 1, index, share)
    idx, sc = index[keep], scores[keep]
    return idx[best_first(sc, tie_keys(seed, idx), idx, k)]


def part_subsample_round(rows: int, k: int) -> None:
    X, y = _blobs(rows, seed=1)
    clf = LogisticRegression(max_iter=500).fit(X[:500], y[:500])
    entropy = S.entropy(clf.predict_proba(X))
    index = np.arange(rows)
    full = _subsample_top(entropy, index, 1.0, 0, k)
    print(f"\none round, {rows:,} rows, top-{k} by entropy")
    print(f"{'share':>6}{'rows scored':>13}{'overlap with full':>19}{'mean entropy / full':>21}")
    for share in (1.0, 0.3, 0.1, 0.03, 0.01):
        picks = _subsample_top(entropy, index, share, 0, k)
        overlap = np.intersect1d(picks, full).size / k
        ratio = entropy[picks].mean() / entropy[full].mean()
        scored = int(subsample_mask(1, index, share).sum())
        print(f"{share:>6}{scored:>13,}{overlap:>19.2f}{ratio:>21.3f}")


def _al_curve(X, y, Xt, yt, share, seed, rounds, batch=50, init=50):
    rng = np.random.default_rng(seed)
    labelled = rng.choice(X.shape[0], init, replace=False)
    unl = np.setdiff1d(np.arange(X.shape[0]), labelled)
    acc = {}
    for r in range(rounds + 1):
        clf = LogisticRegression(max_iter=300).fit(X[labelled], y[labelled])
        acc[labelled.size] = clf.score(Xt, yt)
        if r == rounds:
            break
        if share == "random":
            picks = rng.choice(unl, batch, replace=False)
        else:
            scores = S.entropy(clf.predict_proba(X[unl]))
            picks = _subsample_top(scores, unl, share, seed * 1000 + r, batch)
        labelled = np.concatenate([labelled, picks])
        unl = np.setdiff1d(unl, picks)
    return acc


def part_subsample_learning(seeds: int) -> None:
    X, y = make_classification(n_samples=80_000, n_features=20, n_informative=10,
                               n_redundant=2, n_classes=5, n_clusters_per_class=1,
                               class_sep=1.5, random_state=0)
    X, Xt, y, yt = X[:60_000], X[60_000:], y[:60_000], y[60_000:]
    print(f"\nactive learning with subsampling: 60,000-row pool, 5 classes, {seeds} seeds")
    print(f"{'share':>8}{'acc @ 500':>11}{'acc @ 1000':>12}{'rows scored / round':>21}")
    for share in (1.0, 0.1, 0.01, "random"):
        curves = [_al_curve(X, y, Xt, yt, share, s, rounds=19) for s in range(seeds)]
        at = {n: np.mean([c[n] for c in curves]) for n in (500, 1000)}
        scored = "-" if share == "random" else f"~{int(60_000 * share):,}"
        print(f"{share!s:>8}{at[500]:>11.3f}{at[1000]:>12.3f}{scored:>21}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--k", type=int, default=100)
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args()
    part_k_center(args.rows, args.k)
    part_subsample_round(args.rows * 5, 1000)
    part_subsample_learning(args.seeds)


if __name__ == "__main__":
    main()
