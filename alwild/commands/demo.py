"""``alwild demo``: a short, real active-learning run printed as a learning-curve table.

``alwild demo powerline [--data DIR]`` runs the drone power-line inspection case instead
(see ``alwild.cases``); without ``--data`` it uses the shipped CC BY insulator crops.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from alwild.errors import UserError
from alwild.quickcurve import BUILTIN, learning_curves


def register(sub) -> None:
    p = sub.add_parser("demo", help="entropy vs margin vs random on a builtin dataset; "
                       "'demo powerline' runs the power-line inspection case")
    p.add_argument("target", nargs="?", choices=["powerline"],
                   help="a case study to run instead of the builtin learning curve")
    p.add_argument("--data", help="powerline: folder with manifest.csv (default: shipped set)")
    p.add_argument("--out", default="runs/powerline", help="powerline: output folder")
    p.add_argument("--cache", help="powerline: embedding cache (default ~/.cache/alwild)")
    p.add_argument("--backbone", default="auto", choices=["auto", "efficientnet", "cnn"],
                   help="powerline: frozen EfficientNet-Lite0 or a small CNN from scratch")
    p.add_argument("--detection-strategies", default=None,
                   help="powerline detection campaign (default least_anomaly_probability,"
                   "max_box_entropy,random; also mc_disagreement, diverse_max_entropy, "
                   "mean_box_entropy, no_confident_detection)")
    p.add_argument("--image-size", type=int, default=320,
                   help="powerline: the detector's input side in pixels (multiple of 32)")
    p.add_argument("--dataset", default="digits", choices=sorted(BUILTIN))
    p.add_argument("--strategies", default=None,
                   help="default entropy,margin,random (powerline: entropy,bald,coreset,"
                   "cluster_margin,random)")
    p.add_argument("--seeds", type=int, default=None,
                   help="default 3 (powerline: 5 with boxes, else 10)")
    p.add_argument("--init", type=int, default=20)
    p.add_argument("--batch", type=int, default=None,
                   help="labels per round (default 10; powerline detection campaign: 15)")
    p.add_argument("--budget", type=int, default=None,
                   help="labels to stop at (default 150 extra; powerline: 105 frames in "
                   "all, 100 for the detection campaign)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.target == "powerline":
        from alwild.cases.cli import run_powerline

        return run_powerline(args)
    args.budget = 150 if args.budget is None else args.budget
    args.seeds = 3 if args.seeds is None else args.seeds
    args.batch = 10 if args.batch is None else args.batch
    for name in ("seeds", "budget", "init", "batch"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name} must be at least 1, got {getattr(args, name)}")
    args.strategies = args.strategies or "entropy,margin,random"
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
