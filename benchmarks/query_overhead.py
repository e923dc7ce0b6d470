"""Query overhead of alwild's pool scoring, as ratios against a floor measured in the same run.

Cases (issue 2):
1. least-confident / margin / entropy, top-100 of a 1,000,000 x 20 pool, 10 classes,
   LogisticRegression: query time / the estimator's own predict_proba over the whole pool.
2. vote entropy, 5-member committee, 1,000,000 rows: query time / the members'
   predict_proba total.
3. k-center greedy on 20,000 x 64 embeddings, 2,000 labelled, batch 200: seconds, beside
   scikit-activeml's CoreSet and modAL's ranked batch (its diversity batch) when importable.
4. a 5,000,000 x 20 float32 memmapped pool: peak resident-memory growth during query
   against one chunk's probabilities + one score per pool row.

Peers come from the ``[bench]`` extra; a peer that fails to import is skipped and named.

Run: ``.venv/bin/python benchmarks/query_overhead.py`` (add ``--quick`` for small sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

from alwild import ActiveLearner, Committee
from alwild.select import k_center_greedy

warnings.simplefilter("ignore")


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fitted_logreg(n_features: int, n_classes: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2000, n_features))
    y = rng.integers(0, n_classes, 2000)
    return LogisticRegression(max_iter=300).fit(X, y), X, y


def _skactiveml_wrap(clf, X_fit, y_fit):
    """scikit-activeml takes only its own classifier type: the same model, wrapped and fitted
    on the same data (deterministic, so it equals ``clf``)."""
    from skactiveml.classifier import SklearnClassifier
    from sklearn.base import clone

    return SklearnClassifier(clone(clf), classes=clf.classes_).fit(X_fit, y_fit)


def peer_uncertainty(clf, X, name: str, X_fit, y_fit) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    try:
        import modAL.uncertainty as mu

        fn = {"least_confident": mu.uncertainty_sampling, "margin": mu.margin_sampling,
              "entropy": mu.entropy_sampling}[name]
        out["modAL"] = best_of(lambda: fn(clf, X, n_instances=100), 3)
    except Exception as err:  # a peer that cannot run is reported, not fatal
        out["modAL"] = f"skipped ({type(err).__name__}: {err})"
    try:
        from skactiveml.pool import UncertaintySampling

        wrapped = _skactiveml_wrap(clf, X_fit, y_fit)
        method = {"least_confident": "least_confident", "margin": "margin_sampling",
                  "entropy": "entropy"}[name]
        y = np.full(X.shape[0], np.nan)
        qs = UncertaintySampling(method=method, random_state=0)
        out["scikit-activeml"] = best_of(
            lambda: qs.query(X, y, clf=wrapped, fit_clf=False, batch_size=100), 1)
    except Exception as err:
        out["scikit-activeml"] = f"skipped ({type(err).__name__}: {err})"
    return out


def case_uncertainty(n: int, peers: bool) -> None:
    clf, X_init, y_init = fitted_logreg(20, 10, 0)
    X = np.random.default_rng(1).standard_normal((n, 20))
    floor = best_of(lambda: clf.predict_proba(X))
    print(f"\n[1] top-100 of {n:,} x 20, 10 classes, LogisticRegression")
    print(f"    floor: predict_proba over the whole pool in one call = {floor * 1e3:.1f} ms")
    for name in ("least_confident", "margin", "entropy"):
        learner = ActiveLearner(clf, name, random_state=0)
        learner.X_training, learner.y_training = X_init, y_init
        t = best_of(lambda learner=learner: learner.query(X, n_instances=100))
        line = f"    {name:16s} alwild {t * 1e3:7.1f} ms = {t / floor:.2f} x floor (target <= 1.10)"
        if peers:
            for peer, v in peer_uncertainty(clf, X, name, X_init, y_init).items():
                line += f" | {peer} " + (f"{v / floor:.2f} x" if isinstance(v, float) else v)
        print(line)


def case_vote_entropy(n: int, peers: bool) -> None:
    rng = np.random.default_rng(2)
    X_init = rng.standard_normal((2000, 20))
    y_init = rng.integers(0, 10, 2000)
    members = [ActiveLearner(LogisticRegression(max_iter=100 + 20 * s, C=0.5 + s),
                             X_training=X_init[s::2], y_training=y_init[s::2]) for s in range(5)]
    committee = Committee(members, "vote_entropy", random_state=0)
    X = rng.standard_normal((n, 20))
    floor = best_of(lambda: [m.estimator.predict_proba(X) for m in members], 3)
    t = best_of(lambda: committee.query(X, n_instances=100), 3)
    print(f"\n[2] vote entropy, 5-member committee, {n:,} rows")
    print(f"    floor: the members' predict_proba total = {floor * 1e3:.1f} ms")
    line = f"    alwild {t * 1e3:.1f} ms = {t / floor:.2f} x floor (target <= 1.10)"
    if peers:
        try:
            from skactiveml.pool import QueryByCommittee

            y = np.full(n, np.nan)
            ests = [_skactiveml_wrap(m.estimator, m.X_training, m.y_training) for m in members]
            qs = QueryByCommittee(method="vote_entropy", random_state=0)
            tp = best_of(lambda: qs.query(X, y, ensemble=ests, fit_ensemble=False,
                                          batch_size=100), 1)
            line += f" | scikit-activeml {tp / floor:.2f} x"
        except Exception as err:
            line += f" | scikit-activeml skipped ({type(err).__name__}: {err})"
    print(line)


def case_k_center(n: int, n_labelled: int, batch: int, peers: bool) -> None:
    rng = np.random.default_rng(3)
    emb = rng.standard_normal((n + n_labelled, 64))
    pool, labelled = emb[:n], emb[n:]
    t = best_of(lambda: k_center_greedy(pool, batch, labelled, random_state=0), 3)
    learner = ActiveLearner(LogisticRegression(), "coreset", random_state=0)
    learner.X_training = labelled
    learner.y_training = np.zeros(n_labelled)
    t_learner = best_of(lambda: learner.query(pool, n_instances=batch), 3)
    print(f"\n[3] k-center greedy, {n:,} x 64 embeddings, {n_labelled:,} labelled, batch {batch}")
    print(f"    alwild k_center_greedy {t:.3f} s; through ActiveLearner('coreset') "
          f"{t_learner:.3f} s (target < 1 s)")
    if not peers:
        return
    try:
        from skactiveml.pool import CoreSet

        y = np.full(n + n_labelled, np.nan)
        y[n:] = 0
        start = time.perf_counter()
        CoreSet(random_state=0).query(emb, y, batch_size=batch)
        print(f"    scikit-activeml CoreSet {time.perf_counter() - start:.2f} s")
    except Exception as err:
        print(f"    scikit-activeml skipped ({type(err).__name__}: {err})")
    try:
        from modAL.batch import uncertainty_batch_sampling
        from modAL.models import ActiveLearner as ModalLearner

        y_lab = rng.integers(0, 2, n_labelled)
        modal = ModalLearner(LogisticRegression(), X_training=labelled, y_training=y_lab)
        start = time.perf_counter()
        uncertainty_batch_sampling(modal, pool, n_instances=batch)
        print(f"    modAL ranked batch (uncertainty_batch_sampling) "
              f"{time.perf_counter() - start:.2f} s")
    except Exception as err:
        print(f"    modAL skipped ({type(err).__name__}: {err})")


_MEMMAP_CHILD = r"""
import json, sys, numpy as np, joblib
from alwild import ActiveLearner
path, n, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
clf, X_init, y_init = joblib.load(path + ".model")
pool = np.memmap(path, dtype=np.float32, mode="r", shape=(n, 20))
learner = ActiveLearner(clf, "entropy", chunk_size=chunk, random_state=0)
learner.X_training, learner.y_training = X_init, y_init
learner.query(np.asarray(pool[:4 * chunk]), n_instances=1)  # load BLAS/thread libraries once

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")
learner.query(pool, n_instances=100)
print(json.dumps({"before": before, "peak": status("VmHWM")}))
"""


def case_memmap(n: int, chunk: int) -> None:
    import joblib

    clf, X_init, y_init = fitted_logreg(20, 10, 4)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pool.f32")
        mm = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, 20))
        rng = np.random.default_rng(5)
        for start in range(0, n, 500_000):
            stop = min(n, start + 500_000)
            mm[start:stop] = rng.standard_normal((stop - start, 20), dtype=np.float32)
        mm.flush()
        del mm
        joblib.dump((clf, X_init, y_init), path + ".model")
        out = subprocess.run([sys.executable, "-c", _MEMMAP_CHILD, path, str(n), str(chunk)],
                             capture_output=True, text=True, check=True)
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    growth = fig["peak"] - fig["before"]
    budget = chunk * 10 * 8 + n * 8
    print(f"\n[4] {n:,} x 20 float32 memmapped pool, entropy, chunk_size {chunk:,}")
    print(f"    peak RSS growth during query {growth / 2**20:.1f} MiB; one chunk's probabilities"
          f" + one score per row = {budget / 2**20:.1f} MiB; ratio {growth / budget:.2f}"
          f" (target < 1.5); pool file {n * 20 * 4 / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-peers", action="store_true", help="skip modAL / scikit-activeml")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    peers = not args.no_peers
    print(f"alwild query overhead ({os.cpu_count()} cores)")
    case_uncertainty(1_000_000 // scale, peers)
    case_vote_entropy(1_000_000 // scale, peers)
    case_k_center(20_000 // scale, 2_000 // scale, 200 // scale, peers)
    case_memmap(5_000_000 // scale, 16_384)


if __name__ == "__main__":
    main()
