"""Where label-free stopping rules would have stopped, on the five builtin datasets.

Setup: the label-efficiency-against-random runs of ``label_efficiency.py`` (logistic
regression, stratified start, the same init / batch / budget per dataset, holdout protocol),
margin sampling and random sampling, with the rules replayed in every run as
``alwild simulate --stop`` does. For each rule: labels at the stop (median seed, share of
seeds that stopped within the budget), test accuracy there as a share of the seed's
full-data ceiling, labels saved and accuracy points lost against spending the whole budget.

    PYTHONPATH=.:benchmarks python benchmarks/stopping_rules.py [--seeds 30]
"""

from __future__ import annotations

import argparse
import os
import time

from label_efficiency import RANDOM_SETUPS

from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.stopping_rules import parse_rules, stop_summary
from alwild.sim.tables import fmt_ci

RULES = "stabilizing_predictions:0.99,max_uncertainty:0.1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    arms = parse_arms("margin,random")
    start = time.perf_counter()
    print(f"{args.seeds} seeds, rules {RULES}; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| dataset | init / batch / budget | strategy | rule | labels at stop (median, "
          "share stopped) | accuracy at stop, % of ceiling | labels saved | points lost |")
    print("|---|---|---|---|---|---|---|---|")
    for dataset, (init, batch, budget) in RANDOM_SETUPS.items():
        config = SimConfig(model="logreg", init=init, init_mode="stratified", batch=batch,
                           budget=budget, metrics=("accuracy",), stops=parse_rules(RULES))
        result = simulate(prepare(load_dataset(dataset)), arms, config,
                          list(range(args.seeds)), n_jobs=args.jobs)
        for _, row in stop_summary(result.curves, result.ceilings, "accuracy").iterrows():
            median, share = row["labels"]
            labels = f">{init + budget}" if median == float("inf") else f"{median:g}"
            print(f"| {dataset} | {init} / {batch} / {budget} | {row['strategy']} | "
                  f"{row['rule']} | {labels} ({share:.0%}) | {fmt_ci(row['of_ceiling'])} | "
                  f"{fmt_ci(row['saved'], 1, 1)} | {fmt_ci(row['lost'])} |")
    print(f"\ntotal {time.perf_counter() - start:.0f}s, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
