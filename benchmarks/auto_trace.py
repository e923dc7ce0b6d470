"""How far does ``auto``'s evidence move its mixture within a project? (issue 15)

One seed of one of ``hard_tables.py``'s tables (its split, starting rows, budget and
batch size), ``auto`` with ``alwild simulate``'s forest: per round, the mixture the batch
was drawn from, the exploration floor, and the slots each arm picked. Where random's share
stays on the floor (10% shrinking to its prior's 5%), the rewards did not move it.

    PYTHONPATH=. nice -n 10 python benchmarks/auto_trace.py      # classes12_skewed, seed 1
    PYTHONPATH=. nice -n 10 python benchmarks/auto_trace.py --table iris --seed 0
"""

from __future__ import annotations

import argparse

import numpy as np
from hard_tables import config_for, dev_tables, tables

from alwild import ActiveLearner, get_strategy
from alwild.select import arm_probabilities
from alwild.sim.estimators import make_model
from alwild.sim.pool_run import initial_positions, split_rows
from alwild.sim.runner import prepare


def trace(table: str, seed: int) -> list[dict]:
    """``auto``'s history on ``table`` for ``seed``, with the floor each batch was drawn
    with."""
    found = {d.name: d for d in (*tables(quick=False), *dev_tables())}
    if table not in found:
        raise SystemExit(f"unknown table {table!r}; choose one of {', '.join(found)}")
    data = prepare(found[table])
    config = config_for(len(data.y), len(data.classes))
    pool, _ = split_rows(data.y, config, seed)
    start = initial_positions(data.y[pool], config, np.random.default_rng(seed))
    rest = np.delete(pool, start)
    learner = ActiveLearner(make_model("rf", random_state=seed), "auto",
                            data.X[pool[start]], data.y[pool[start]], random_state=seed)
    rows = []
    for _ in range(config.budget // config.batch):
        idx, _ = learner.query(data.X[rest], n_instances=config.batch)
        learner.teach(data.X[rest[idx]], data.y[rest[idx]])
        rest = np.delete(rest, idx)
        rows.append({**learner.query_strategy.history[-1],
                     "floor": learner.query_strategy.floor()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="classes12_skewed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = trace(args.table, args.seed)
    arms = list(rows[0]["probabilities"])
    print(f"{args.table}, seed {args.seed}: {len(rows)} rounds of {len(rows[0]['slots'])}")
    print("round  " + "  ".join(f"{a:>8}" for a in arms) + "   floor  slots per arm")
    for row in rows:
        shares = "  ".join(f"{row['probabilities'][a]:8.2%}" for a in arms)
        slots = ", ".join(f"{a} {row['slots'].count(a)}" for a in arms)
        print(f"{row['round']:5d}  {shares}  {row['floor']:6.4f}  {slots}")
    random = np.array([row["probabilities"]["random"] for row in rows])
    prior = get_strategy("auto").log_prior()  # the bandit's arms: margin, random
    placed = np.array([arm_probabilities(prior, row["floor"])[1] for row in rows])
    print(f"random's share: {random[0]:.2%} first, {random[-1]:.2%} last; the evidence moved "
          f"it at most {100 * np.abs(random - placed).max():.2f} points from where its prior "
          "raised to the floor puts it")


if __name__ == "__main__":
    main()
