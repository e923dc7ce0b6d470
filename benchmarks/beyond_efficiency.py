"""Label efficiency of issue 6's strategies (``auto``, imbalance, stream), with the holdout
protocol over many seeds. Run through ``benchmarks/label_efficiency.py --part beyond`` (or
``--part auto|imbalance|stream``), or directly.

Prints three sets of figures:

1. ``strategy="auto"`` against every single strategy and random on iris, wine,
   breast_cancer, digits and titanic (logistic regression; AULC = mean height of the
   held-out accuracy curve, and the accuracy at the end of the budget). auto passes if its
   mean is not below the best single strategy's mean by more than that strategy's 95% CI
   half-width, and beats random if the paired 95% CI of (auto - random) is above 0.
2. The imbalance scenario (breast_cancer and digits with one class cut to 3%): labels
   spent until the first 5 rare-class rows are labelled, per strategy.
3. A drifting synthetic stream: variable uncertainty vs random at a 10% label budget —
   mean rolling accuracy (paired over seeds) and the largest overshoot of the budget.

    PYTHONPATH=.:benchmarks python benchmarks/label_efficiency.py --part beyond --seeds 20
    PYTHONPATH=.:benchmarks python benchmarks/label_efficiency.py --part beyond --quick
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.imbalance_scenario import labels_until_minority, make_imbalanced
from alwild.sim.report import aulc, t_interval
from alwild.sim.stream_scenario import run_drifting

SINGLE = ["margin", "entropy", "density_weighted", "cluster_stratified"]
# dataset: (budget after 10 starting labels, batch)
POOL_TASKS = {"iris": (40, 5), "wine": (40, 5), "breast_cancer": (60, 5), "digits": (100, 10),
              "titanic": (60, 5)}
IMBALANCE_TASKS = {"breast_cancer": (100, 5), "digits": (100, 5)}
IMBALANCE_ARMS = ["least_confident", "class_quota", "cluster_stratified", "epsilon_greedy",
                  "density_weighted", "auto", "random"]


def ci(values) -> str:
    mean, low, high = t_interval(values)
    return f"{mean * 100:6.2f} ± {(high - low) / 2 * 100:4.2f}"


def pool_figures(seeds: list[int], jobs: int, quick: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, every = [], {}
    arms = parse_arms(",".join(["auto", *SINGLE, "random"]))
    for name, (budget, batch) in POOL_TASKS.items():
        if quick:
            budget, batch = budget // 2, batch
        start = time.perf_counter()
        data = prepare(load_dataset(name))
        config = SimConfig(model="logreg", init=10, budget=budget, batch=batch,
                           metrics=("accuracy",))
        result = simulate(data, arms, config, seeds, n_jobs=jobs)
        curves = result.curves
        area = aulc(curves, "accuracy").pivot(index="seed", columns="strategy", values="aulc")
        final = (curves[curves["labels"] == curves["labels"].max()]
                 .pivot(index="seed", columns="strategy", values="accuracy"))
        every[name] = area.mean() * 100
        for metric, table in (("AULC", area), ("final", final)):
            best = max(SINGLE, key=lambda s: table[s].mean())
            b_mean, b_low, b_high = t_interval(table[best])
            a_mean = table["auto"].mean()
            _, d_low, d_high = t_interval(table["auto"] - table["random"])
            _, g_low, g_high = t_interval(table["auto"] - table[best])
            rows.append({
                "dataset": name, "metric": metric, "labels": int(curves["labels"].max()),
                "auto": ci(table["auto"]), "best single": f"{best} {ci(table[best])}",
                "random": ci(table["random"]),
                "auto-best (paired CI)": f"[{g_low * 100:+.2f}, {g_high * 100:+.2f}]",
                "auto-random (paired CI)": f"[{d_low * 100:+.2f}, {d_high * 100:+.2f}]",
                "within best's CI": a_mean >= b_mean - (b_high - b_low) / 2,
                "beats random": d_low > 0,
            })
        arms_used = _auto_arms(data, config, seeds[:3])
        print(f"  {name}: {time.perf_counter() - start:.0f} s; auto's arms (3 seeds): {arms_used}",
              flush=True)
    return pd.DataFrame(rows), pd.DataFrame(every).T.round(2)


def _auto_arms(data, config, seeds) -> str:
    """How often auto followed each arm, replaying the first seeds in this process."""
    from alwild.loop import run_loop
    from alwild.sim.arms import build_learner
    from alwild.sim.pool_run import initial_positions, split_rows

    counts: dict[str, int] = {}
    for seed in seeds:
        pool, _ = split_rows(data.y, config, seed)
        rng = np.random.default_rng(seed)
        start = pool[initial_positions(data.y[pool], config, rng)]
        learner = build_learner(parse_arms("auto")[0], config.model, data.X[start],
                                data.y[start], seed)
        run_loop(learner, data.X, lambda rows, idx: data.y[idx],
                 pool=np.setdiff1d(pool, start), batch_size=config.batch,
                 budget=config.budget // config.batch * config.batch)
        for h in learner.query_strategy.history:
            counts[h["arm"]] = counts.get(h["arm"], 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def imbalance_figures(seeds: list[int], jobs: int, quick: bool) -> pd.DataFrame:
    rows = []
    for name, (budget, batch) in IMBALANCE_TASKS.items():
        data, minority = make_imbalanced(prepare(load_dataset(name)))
        config = SimConfig(model="logreg", init=10, budget=budget // (2 if quick else 1),
                           batch=batch, metrics=("accuracy", "balanced_accuracy"),
                           scenario="imbalance")
        result = simulate(data, parse_arms(",".join(IMBALANCE_ARMS)), config, seeds,
                          n_jobs=jobs)
        reach = labels_until_minority(result.curves, 5)
        last = result.curves[result.curves["labels"] == result.curves["labels"].max()]
        n_rare = int(np.sum(data.y == minority))
        for strategy in IMBALANCE_ARMS:
            got = reach[reach["strategy"] == strategy]["labels"]
            filled = got.fillna(result.curves["labels"].max() + 1)
            mine = last[last["strategy"] == strategy]
            mean, low, high = t_interval(filled)
            rows.append({
                "dataset": f"{name} (class {data.classes[minority]}: {n_rare} of "
                           f"{len(data.y)} rows)",
                "strategy": strategy, "median labels to 5 rare": float(filled.median()),
                "mean (misses = budget+1)": f"{mean:.1f} ± {(high - low) / 2:.1f}",
                "seeds reaching 5": f"{got.notna().mean():.0%}",
                "final rare recall %": ci(mine["minority_recall"]),
                "final balanced acc. %": ci(mine["balanced_accuracy"]),
            })
    return pd.DataFrame(rows)


def stream_figures(seeds: list[int], jobs: int, quick: bool) -> pd.DataFrame:
    n = 2000 if quick else 6000
    frames = Parallel(n_jobs=jobs)(
        delayed(run_drifting)([seed], n, policies=("variable_uncertainty", "split",
                                                   "randomized_variable_uncertainty", "random"),
                              share=0.1)
        for seed in seeds)
    frame = pd.concat(frames, ignore_index=True)
    per_seed = frame.groupby(["policy", "seed"])["rolling_accuracy"].mean().unstack("policy")
    rows = []
    for policy in per_seed.columns:
        mine = frame[frame["policy"] == policy]
        _, low, high = t_interval(per_seed[policy] - per_seed["random"])
        rows.append({
            "policy": policy, "mean rolling accuracy %": ci(per_seed[policy]),
            "minus random (paired CI)": "—" if policy == "random"
            else f"[{low * 100:+.2f}, {high * 100:+.2f}]",
            "labels used (mean)": f"{mine.groupby('seed')['labels'].max().mean():.1f}",
            "budget (10% of items)": f"{0.1 * n:.0f}",
            "max overshoot": f"{(mine['labels'] - mine['allowed']).max():+.1f}",
            "drifts detected": f"{mine.groupby('seed')['drifts'].max().mean():.1f}",
        })
    return pd.DataFrame(rows)


def run(seeds: list[int], jobs: int, quick: bool, only: str | None = None) -> None:
    """Print the figures of ``only`` (``"auto"``, ``"imbalance"``, ``"stream"``) or all."""
    seeds = seeds[:3] if quick else seeds
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_colwidth", 60)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    print(f"label efficiency, holdout protocol (30% test), {len(seeds)} seeds "
          f"({seeds[0]}..{seeds[-1]}), logistic regression; mean ± 95% CI half-width over "
          "seeds\n")
    if only in (None, "auto"):
        print("1. auto vs the best single strategy vs random (accuracy %)", flush=True)
        verdicts, every = pool_figures(seeds, jobs, quick)
        print(verdicts.to_string(index=False), "\n")
        print("   AULC % of every arm (mean over seeds)")
        print(every.to_string(), "\n")
    if only in (None, "imbalance"):
        print("2. imbalance: labels until the first 5 rare-class rows are labelled", flush=True)
        print(imbalance_figures(seeds, jobs, quick).to_string(index=False), "\n")
    if only in (None, "stream"):
        print("3. drifting stream, 10% label budget", flush=True)
        print(stream_figures(seeds, jobs, quick).to_string(index=False), "\n")
    print(f"total {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds are first-seed .. first-seed + seeds - 1")
    parser.add_argument("--jobs", type=int, default=-1)
    parser.add_argument("--quick", action="store_true", help="3 seeds, half the budgets")
    parser.add_argument("--only", choices=("auto", "imbalance", "stream"))
    args = parser.parse_args()
    run(list(range(args.first_seed, args.first_seed + args.seeds)), args.jobs, args.quick,
        args.only)


if __name__ == "__main__":
    main()
