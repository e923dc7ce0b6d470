"""Label efficiency: alwild against scikit-activeml on identical splits and seeds, and the
best alwild strategy against random to 98% of the full-data ceiling on five datasets.

Part ``peers`` (holdout protocol, 30 seeds): the study's setups (Iris 30 queries, Titanic 50;
10 random starting rows; RandomForest(100)), least-confident uncertainty and a committee of
2 random forests with vote entropy, in alwild and in scikit-activeml, with the split, the
starting rows and the estimator seeds of ``alwild.sim`` for each seed. alwild's curves are
read from an ``alwild reproduce`` run folder (``--ours``; its holdout runs are this setup)
or computed here. Differences are paired over seeds (alwild minus scikit-activeml).

Part ``random`` (holdout protocol, 30 seeds, logistic regression, stratified start): margin,
entropy and least-confident against random on iris, wine, breast_cancer, digits and titanic;
labels to reach 98% of each seed's ceiling (the model fitted on every pool label).

    PYTHONPATH=.:benchmarks python benchmarks/label_efficiency.py --part peers --ours runs/reproduce

(scikit-activeml's curves are cached in ``--cache``; a run without ``--ours`` makes only them.)
    PYTHONPATH=.:benchmarks python benchmarks/label_efficiency.py --part random

Parts ``auto``, ``imbalance`` and ``stream`` (``beyond``: all three) are issue 6's figures,
in ``benchmarks/beyond_efficiency.py``: ``strategy="auto"`` against the best single
strategy and random, labels until 5 rare-class rows on the imbalance scenario, and a
drifting stream at a 10% budget.

    PYTHONPATH=.:benchmarks python benchmarks/label_efficiency.py --part beyond --seeds 20
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import beyond_efficiency
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from peers import skactiveml_curve
from sklearn.ensemble import RandomForestClassifier

from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.pool_run import initial_positions, split_rows
from alwild.sim.report import aulc, labels_to_reach, median_labels, savings, t_interval
from alwild.sim.reproduce import COMMITTEE, UNCERTAINTY

PEER_SETUPS = {"iris": 30, "titanic": 50}
RANDOM_SETUPS = {  # dataset: (init, batch, budget)
    "iris": (6, 1, 40),
    "wine": (6, 2, 60),
    "breast_cancer": (10, 5, 150),
    "digits": (20, 20, 400),
    "titanic": (10, 5, 150),
}


def _peer_run(data, dataset, arm_name, committee, seed, budget):
    config = SimConfig(model="rf", init=10, budget=budget, metrics=("accuracy",))
    pool, test = split_rows(data.y, config, seed)
    start = initial_positions(data.y[pool], config, np.random.default_rng(seed))
    accs = skactiveml_curve(data.X, data.y, pool, test, start,
                            RandomForestClassifier(n_estimators=100), seed, budget,
                            committee_size=2 if committee else 0)
    return [{"strategy": arm_name, "seed": seed, "labels": 10 + q, "accuracy": a}
            for q, a in enumerate(accs)]


def _fmt(trio, scale=100.0):
    return f"{trio[0] * scale:+.1f} [{trio[1] * scale:+.1f}, {trio[2] * scale:+.1f}]"


def _theirs(data, dataset, budget, seeds, jobs, cache: Path) -> pd.DataFrame:
    path = cache / f"skactiveml_{dataset}_holdout_curves.csv"
    if path.exists():
        theirs = pd.read_csv(path)
        if set(seeds) <= set(theirs["seed"]):
            return theirs[theirs["seed"].isin(seeds)]
    t0 = time.perf_counter()
    rows = Parallel(n_jobs=jobs)(
        delayed(_peer_run)(data, dataset, arm.name, arm.committee_size > 0, s, budget)
        for arm in (UNCERTAINTY, COMMITTEE) for s in seeds)
    print(f"scikit-activeml loops on {dataset}: {time.perf_counter() - t0:.0f}s")
    theirs = pd.DataFrame([r for run in rows for r in run])
    cache.mkdir(parents=True, exist_ok=True)
    theirs.to_csv(path, index=False)
    return theirs


def peers(seeds, ours_dir: Path | None, jobs: int, cache: Path) -> None:
    for dataset, budget in PEER_SETUPS.items():
        data = prepare(load_dataset(dataset))
        theirs = _theirs(data, dataset, budget, seeds, jobs, cache)
        if ours_dir is None:
            continue
        csv = ours_dir / f"{dataset}_holdout_curves.csv"
        if csv.exists():
            ours = pd.read_csv(csv)
            ours = ours[ours["seed"].isin(seeds)]
        else:
            config = SimConfig(model="rf", init=10, budget=budget, metrics=("accuracy",))
            ours = simulate(data, [UNCERTAINTY, COMMITTEE], config, seeds, n_jobs=jobs).curves
        print(f"\n{dataset} / holdout / RandomForest(100), 10 random starting rows, "
              f"{budget} queries, {len(seeds)} seeds")
        print("| strategy | q | alwild % (mean ± CI) | scikit-activeml % | alwild − skactiveml "
              "(paired, 95% CI) |")
        print("|---|---|---|---|---|")
        for arm in (UNCERTAINTY.name, COMMITTEE.name):
            a = ours[ours["strategy"] == arm].set_index(["seed", "labels"])["accuracy"]
            b = theirs[theirs["strategy"] == arm].set_index(["seed", "labels"])["accuracy"]
            for q in sorted(q for q in {10, 20, 30, budget} if q <= budget):
                x = a.xs(10 + q, level="labels")
                y = b.xs(10 + q, level="labels").reindex(x.index)
                ta, tb = t_interval(x), t_interval(y)
                print(f"| {arm} | {q} | {ta[0] * 100:.1f} ± {(ta[2] - ta[1]) * 50:.1f} | "
                      f"{tb[0] * 100:.1f} ± {(tb[2] - tb[1]) * 50:.1f} | "
                      f"{_fmt(t_interval(x - y))} |")
            area_a = aulc(ours[ours["strategy"] == arm], "accuracy").set_index("seed")["aulc"]
            area_b = aulc(theirs[theirs["strategy"] == arm], "accuracy").set_index("seed")["aulc"]
            print(f"| {arm} | AULC | {area_a.mean() * 100:.1f} | {area_b.mean() * 100:.1f} | "
                  f"{_fmt(t_interval(area_a - area_b.reindex(area_a.index)))} |")


def against_random(seeds, jobs: int) -> None:
    arms = parse_arms("margin,entropy,least_confident,random")
    print("| dataset | init / batch / budget | ceiling % | strategy | labels to 98% "
          "(median, share of seeds) | saved vs random (paired mean, 95% CI) | AULC % |")
    print("|---|---|---|---|---|---|---|")
    for dataset, (init, batch, budget) in RANDOM_SETUPS.items():
        config = SimConfig(model="logreg", init=init, init_mode="stratified", batch=batch,
                           budget=budget, metrics=("accuracy",))
        t0 = time.perf_counter()
        res = simulate(prepare(load_dataset(dataset)), arms, config, seeds, n_jobs=jobs)
        reach = labels_to_reach(res.curves, res.ceilings, "accuracy", 0.98)
        saved = savings(reach, res.curves).set_index("strategy")
        area = aulc(res.curves, "accuracy").groupby("strategy")["aulc"].mean()
        med = reach.groupby("strategy")["labels"].agg(median_labels)
        share = reach.groupby("strategy")["labels"].apply(lambda v: v.notna().mean())
        best = min((a.name for a in arms if a.name != "random"),
                   key=lambda s: (med[s], -area[s]))
        ceil = res.ceilings["accuracy"].mean() * 100
        for arm in arms:
            s = arm.name
            tag = f"**{s}** (best)" if s == best else s
            cut = f"{med[s]:g}" if np.isfinite(med[s]) else f">{init + budget}"
            sv = "–" if s == "random" else (
                f"{saved.loc[s, 'saved']:+.1f} [{saved.loc[s, 'low']:+.1f}, "
                f"{saved.loc[s, 'high']:+.1f}]")
            print(f"| {dataset} | {init} / {batch} / {budget} | {ceil:.1f} | {tag} | {cut} "
                  f"({share[s]:.0%}) | {sv} | {area[s] * 100:.1f} |")
        print(f"<!-- {dataset}: {time.perf_counter() - t0:.0f}s -->")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", required=True,
                        choices=("peers", "random", "beyond", "auto", "imbalance", "stream"))
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="beyond parts: seeds are first-seed .. first-seed + seeds - 1")
    parser.add_argument("--quick", action="store_true",
                        help="beyond parts: 3 seeds, half the budgets")
    parser.add_argument("--ours", type=Path,
                        help="an `alwild reproduce` run folder (alwild's curves are computed "
                             "here when it lacks them); without it, only the peer runs")
    parser.add_argument("--cache", type=Path, default=Path("runs/label_efficiency"),
                        help="where scikit-activeml's curves are kept between runs")
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    if args.part in ("beyond", "auto", "imbalance", "stream"):
        first = args.first_seed
        beyond_efficiency.run(list(range(first, first + args.seeds)), args.jobs, args.quick,
                              None if args.part == "beyond" else args.part)
    elif args.part == "peers":
        peers(seeds, args.ours, args.jobs, args.cache)
    else:
        against_random(seeds, args.jobs)
    print(f"\ntotal {time.perf_counter() - t0:.0f}s, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
