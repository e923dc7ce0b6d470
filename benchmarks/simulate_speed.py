"""Time the Iris protocol (30 seeds, 30 queries, random forest) in alwild, modAL and
scikit-activeml, in the same run.

Protocol: the holdout split and the 10 random starting rows of ``alwild.sim`` for each seed
(identical for every library), ``RandomForestClassifier(100 trees, random_state=seed)``,
least-confident uncertainty sampling, one query at a time, a refit and a test-accuracy
evaluation after every label. Each library runs in this one process, one seed at a time,
and the order of the libraries rotates from seed to seed so that machine load falls on all
of them alike. A peer that cannot be imported or run is skipped with the reason printed.

alwild runs twice: with ``--model rf`` (its
:class:`~alwild.models.lean_forest.LeanRandomForestClassifier`, scikit-learn's trees grown
without the per-tree bookkeeping) and with scikit-learn's own
``RandomForestClassifier``, which the peers use; the second row isolates the loop's overhead.

Also timed: ``alwild.sim.simulate`` on the same 30 seeds with every core (joblib), which is
what ``alwild simulate`` does.

    PYTHONPATH=. python benchmarks/simulate_speed.py [--seeds 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np
from peers import modal_curve, modal_teach_works, skactiveml_curve
from sklearn.ensemble import RandomForestClassifier

from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.pool_run import initial_positions, run_pool, split_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--budget", type=int, default=30)
    args = parser.parse_args()
    data = prepare(load_dataset("iris"))
    config = SimConfig(model="rf", init=10, budget=args.budget, metrics=("accuracy",))
    arm = parse_arms("least_confident")[0]
    rf = RandomForestClassifier(n_estimators=100)

    sklearn_config = dataclasses.replace(config, model="sklearn.ensemble.RandomForestClassifier")

    def ours(seed, pool, test, start):
        return ([r["accuracy"] for r in run_pool(data, arm, seed, config)],
                "alwild run_pool, --model rf (LeanRandomForestClassifier)")

    def ours_sklearn_forest(seed, pool, test, start):
        return ([r["accuracy"] for r in run_pool(data, arm, seed, sklearn_config)],
                "alwild run_pool, --model sklearn.ensemble.RandomForestClassifier")

    skipped = {}
    try:
        import modAL  # noqa: F401

        teach_ok, why = modal_teach_works()
    except ImportError as err:
        skipped["modAL"] = f"cannot import: {err}"
        teach_ok, why = False, ""
    try:
        import skactiveml  # noqa: F401
    except ImportError as err:
        skipped["scikit-activeml"] = f"cannot import: {err}"
    modal_what = "modAL ActiveLearner query/teach" if teach_ok else (
        f"modAL uncertainty_sampling driven by our refit loop; ActiveLearner.teach fails "
        f"here ({why})")

    def modal(seed, pool, test, start):
        accs = modal_curve(data.X, data.y, pool, test, start, rf, seed, args.budget, teach_ok)
        return accs, modal_what

    def skal(seed, pool, test, start):
        accs = skactiveml_curve(data.X, data.y, pool, test, start, rf, seed, args.budget)
        return accs, "scikit-activeml UncertaintySampling + SklearnClassifier"

    libs = {"alwild": ours, "alwild, sklearn RF": ours_sklearn_forest, "modAL": modal,
            "scikit-activeml": skal}
    seconds = dict.fromkeys(libs, 0.0)
    curves = {name: [] for name in libs}
    what = {}
    load = [os.getloadavg()[0]]
    for seed in range(args.seeds):
        pool, test = split_rows(data.y, config, seed)
        start = initial_positions(data.y[pool], config, np.random.default_rng(seed))
        names = list(libs)
        names = names[seed % len(names):] + names[:seed % len(names)]
        for name in names:
            if name in skipped:
                continue
            t0 = time.perf_counter()
            try:
                accs, what[name] = libs[name](seed, pool, test, start)
            except Exception as err:  # a peer that fails is reported, not fatal
                skipped[name] = f"{type(err).__name__}: {err}"
                continue
            seconds[name] += time.perf_counter() - t0
            curves[name].append(list(accs))
    load.append(os.getloadavg()[0])
    t0 = time.perf_counter()
    simulate(data, [arm], config, list(range(args.seeds)), n_jobs=-1)
    parallel = time.perf_counter() - t0
    load.append(os.getloadavg()[0])

    print(f"Iris, holdout split, 10 random starting rows, {args.budget} queries, "
          f"RandomForest(100), least-confident, {args.seeds} seeds; {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (start / after loops "
          "/ after parallel run)")
    print(f"{'library':<19}{'loop time':>11}{'x alwild':>10}{'final acc %':>13}  measured")
    for name in libs:
        if name in skipped:
            print(f"{name:<19}{'skipped':>11}  {skipped[name]}")
            continue
        ratio = seconds[name] / seconds["alwild"]
        print(f"{name:<19}{seconds[name]:>10.1f}s{ratio:>10.2f}"
              f"{np.mean([c[-1] for c in curves[name]]) * 100:>13.1f}  {what[name]}")
    print("alwild's two forests gave identical learning curves on every seed: "
          f"{curves['alwild'] == curves['alwild, sklearn RF']}")
    print(f"alwild.sim.simulate, {args.seeds} seeds on {os.cpu_count()} processes: "
          f"{parallel:.1f}s (x{parallel / seconds['alwild']:.2f} of the one-process loop)")


if __name__ == "__main__":
    main()
