"""``alwild demo``: a short, real active-learning run printed as a learning-curve table."""

from __future__ import annotations

import argparse
import time

import pandas as pd

from alwild.quickcurve import BUILTIN, learning_curves


def register(sub) -> None:
    p = sub.add_parser("demo", help="entropy vs margin vs random on a builtin dataset")
    p.add_argument("--dataset", default="digits", choices=sorted(BUILTIN))
    p.add_argument("--strategies", default="entropy,margin,random")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--init", type=int, default=20)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--budget", type=int, default=150)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    start = time.perf_counter()
    rows = learning_curves(args.dataset, strategies, args.seeds, args.init, args.batch,
                           args.budget)
    table = (pd.DataFrame(rows).groupby(["labels", "strategy"])["accuracy"].mean()
             .unstack("strategy")[strategies])
    print(f"Held-out accuracy on {args.dataset} (mean of {args.seeds} seeds, "
          f"logistic regression, {args.init} random labels to start, batches of {args.batch})")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    last = table.iloc[-1]
    print(f"\nAfter {table.index[-1]} labels: "
          + ", ".join(f"{s} {last[s]:.3f}" for s in strategies)
          + f"  ({time.perf_counter() - start:.1f} s)")
    return 0
