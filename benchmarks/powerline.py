"""Power-line case benchmark: embedding cache, round speed, MC memory, label efficiency.

    PYTHONPATH=. python benchmarks/powerline.py --data ../shared/data/powerline

1. Embeddings of every frame with a cold cache (a fresh temporary folder), then again
   (every image a cache hit).
2. One round on 10,000 cached embeddings: retrain the MLP head on 105 labels and score
   the pool with BALD from T=20 MC-dropout passes, then pick 10. The pool is the real
   embeddings tiled to 10,000 rows with a little Gaussian jitter (there are only 268
   frames). Target: under 5 s.
3. Peak NumPy memory of that scoring with a fixed chunk size, for pools of 10,000 and
   40,000 rows (tracemalloc; torch's own buffers are per mini-batch): bounded by the
   chunk, not by T x pool.
4. The label-efficiency comparison over seeds (``alwild demo powerline`` does the same),
   writing curves, summary, learning curve and contact sheet to ``--out``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np

from alwild.cases.campaign import powerline_campaign
from alwild.cases.powerline import CaseConfig, embed_frames, load_frames, torch_threads
from alwild.learners import ActiveLearner
from alwild.models.networks import MLPHead
from alwild.models.torch_classifier import TorchClassifier

ROOT = Path(__file__).resolve().parents[1]


def _pool(emb: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = emb[rng.integers(0, emb.shape[0], n)]
    noise = rng.normal(scale=0.01, size=rows.shape) * emb.std(axis=0)
    return (rows + noise).astype(np.float32)


def _learner(emb, y, chunk_size: int) -> ActiveLearner:
    clf = TorchClassifier(partial(MLPHead, emb.shape[1]), max_epochs=50, lr=3e-3,
                          batch_size=256, mc_samples=20, random_state=0)
    return ActiveLearner(clf, "bald", chunk_size=chunk_size, n_jobs=1, random_state=0)


def _labelled(y: np.ndarray) -> np.ndarray:
    return np.random.default_rng(0).choice(y.shape[0], 105, replace=False)


def round_seconds(emb: np.ndarray, y: np.ndarray, repeats: int = 3) -> list[float]:
    lab = _labelled(y)
    pool = _pool(emb, 10_000)
    learner = _learner(emb, y, chunk_size=4096)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        learner.fit(emb[lab], y[lab])
        learner.query(pool, n_instances=10)
        times.append(time.perf_counter() - start)
    return times


def mc_peak_bytes(emb: np.ndarray, y: np.ndarray, n_pool: int, chunk_size: int) -> int:
    learner = _learner(emb, y, chunk_size)
    lab = _labelled(y)
    learner.fit(emb[lab], y[lab])
    pool = _pool(emb, n_pool, seed=1)
    tracemalloc.start()
    learner.query(pool, n_instances=10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--out", default=str(ROOT / "runs" / "powerline-bench"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--strategies", default=",".join(CaseConfig.strategies))
    parser.add_argument("--seed-set", default="10,5", help="normal,anomaly frames to start")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--budget", type=int, default=105)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-campaign", action="store_true")
    args = parser.parse_args()

    if not args.skip_speed:
        speed(args.data)
    if not args.skip_campaign:
        normal, defect = (int(v) for v in args.seed_set.split(","))
        cfg = CaseConfig(strategies=tuple(args.strategies.split(",")), seeds=args.seeds,
                         seed_normal=normal, seed_defect=defect, batch=args.batch,
                         budget=args.budget)
        print("[4] label efficiency")
        powerline_campaign(args.data, args.out, cfg, ROOT / "runs" / "embedding-cache")


def speed(data: str) -> None:
    frames = load_frames(data)
    with tempfile.TemporaryDirectory() as cache:
        _, cold = embed_frames(frames, cache)
        frames, warm = embed_frames(frames, cache)
    print(f"[1] embeddings of {cold.ok.size} frames: cold cache {cold.seconds:.2f} s, "
          f"rerun {warm.seconds:.3f} s ({warm.n_cached} cache hits; "
          f"{cold.seconds / warm.seconds:.0f}x faster)")

    with torch_threads(1):
        times = round_seconds(warm.embeddings, frames.y)
    print(f"[2] one round (retrain head on 105 labels + BALD, T=20, 10,000 embeddings, pick 10):"
          f" median {statistics.median(times):.2f} s of {len(times)} "
          f"({', '.join(f'{t:.2f}' for t in times)}); target < 5 s")

    chunk = 1000
    with torch_threads(1):
        peaks = {n: mc_peak_bytes(warm.embeddings, frames.y, n, chunk) for n in (10_000, 40_000)}
    full = {n: 20 * n * 2 * 8 for n in peaks}
    print(f"[3] peak NumPy memory of MC scoring, chunk {chunk} rows: "
          + ", ".join(f"pool {n:,}: {peaks[n] / 1e6:.2f} MB (T x pool x C would be "
                      f"{full[n] / 1e6:.1f} MB)" for n in peaks))


if __name__ == "__main__":
    main()
