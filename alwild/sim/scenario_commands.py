"""``alwild simulate --scenario stream|synthesis|imbalance``: the parts of the command
that are particular to these scenarios (their data, tables and plots).

``stream`` and ``synthesis`` do not replay a pool, so they run here end to end;
``imbalance`` is a pool scenario (see :mod:`alwild.sim.imbalance_scenario`) and only adds
its rare-class table to the usual summary.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from alwild.errors import UserValueError
from alwild.sim.datasets import load_dataset
from alwild.sim.imbalance_scenario import labels_until_minority
from alwild.sim.manifest import write_manifest
from alwild.sim.plots import plot_curves
from alwild.sim.report import t_interval
from alwild.sim.runner import prepare, seed_list
from alwild.sim.stream_scenario import plot_stream, run_drifting, run_stream, stream_summary
from alwild.sim.synthesis_scenario import TASKS, run_synthesis
from alwild.stream import available_policies

__all__ = ["STANDALONE", "add_arguments", "minority_table", "auto_arms_table"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options used only by the stream scenario."""
    p.add_argument("--share", type=float, default=0.1,
                   help="stream: share of items that may be labelled (0 < share <= 1)")
    p.add_argument("--policies", default="variable_uncertainty,split,random",
                   help=f"stream: comma-separated policies ({', '.join(available_policies())})")
    p.add_argument("--stream-length", type=int, default=6000,
                   help="stream: items of the synthetic drifting stream (data 'drift')")


def _folder(args, name: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return args.out or Path("runs") / f"simulate-{name}-{stamp}"


def _ci_cell(values, scale: float = 100.0) -> str:
    mean, low, high = t_interval(values)
    return f"{mean * scale:.1f} ± {(high - low) / 2 * scale:.1f}"


def run_stream_command(args, console: Console) -> int:
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    unknown = [p for p in policies if p not in available_policies()]
    if unknown or not policies:
        raise UserValueError(f"unknown stream policies {unknown}; choose from "
                         f"{', '.join(available_policies())}")
    if not 0.0 < args.share <= 1.0:
        raise UserValueError(f"--share must be in (0, 1] (e.g. 0.1 for 10%), got {args.share}")
    seeds = seed_list(args.seeds)
    start = time.perf_counter()
    if args.data == "drift":
        frame = run_drifting(seeds, args.stream_length, policies=policies, share=args.share)
        name = "drifting stream"
    else:
        data = prepare(load_dataset(args.data, args.target))
        frame = run_stream(data.X, data.y, policies, seeds, args.share, shuffle=True)
        name = f"{data.name} as a stream"
    folder = _folder(args, "stream")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "stream.csv", index=False)
    plot = plot_stream(frame, folder / "stream.png", f"{name}: {args.share:.0%} label budget",
                       args.share)
    summary = stream_summary(frame)
    table = Table(title=f"{name}, {args.share:.0%} budget, {len(seeds)} seeds",
                  title_justify="left")
    for col in ("policy", "mean rolling acc. %", "labels used", "share used", "drifts"):
        table.add_column(col, justify="left" if col == "policy" else "right")
    for _, row in summary.iterrows():
        per_seed = frame[frame["policy"] == row["policy"]].groupby("seed")["rolling_accuracy"]
        table.add_row(row["policy"], _ci_cell(per_seed.mean()), f"{row['labels_used']:.0f}",
                      f"{row['share_used']:.3f}", f"{row['drifts_detected']:.1f}")
    console.print(table)
    write_manifest(folder / "manifest.json", ["alwild", *sys.argv[1:]],
                   {"scenario": "stream", "data": args.data, "share": args.share,
                    "policies": policies}, seeds, policies, time.perf_counter() - start)
    console.print(f"Outputs in [bold]{folder}[/] (plot {plot.name})")
    return 0


def run_synthesis_command(args, console: Console) -> int:
    if args.data not in TASKS:
        raise UserValueError(f"the synthesis scenario needs a task with a known truth: one of "
                         f"{', '.join(TASKS)} (got {args.data!r})")
    seeds = seed_list(args.seeds)
    start = time.perf_counter()
    frame = run_synthesis(args.data, seeds, budget=args.budget, batch=max(args.batch, 1),
                          init=max(args.init, 2))
    folder = _folder(args, f"synthesis-{args.data}")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "synthesis.csv", index=False)
    curves = frame.rename(columns={"arm": "strategy"})
    plot = plot_curves(curves, "accuracy", folder / "synthesis.png",
                       f"synthesis vs pool queries on '{args.data}' (oracle = known truth)")
    points = sorted({int(curves["labels"].min()), int(curves["labels"].median()),
                     int(curves["labels"].max())})
    table = Table(title=f"{args.data}: accuracy against the known truth, % (mean ± 95% CI, "
                        f"{len(seeds)} seeds)", title_justify="left")
    table.add_column("arm")
    for n in points:
        table.add_column(f"{n} labels", justify="right")
    for arm, part in curves.groupby("strategy", sort=False):
        table.add_row(arm, *(_ci_cell(part[part["labels"] == n]["accuracy"]) for n in points))
    console.print(table)
    write_manifest(folder / "manifest.json", ["alwild", *sys.argv[1:]],
                   {"scenario": "synthesis", "task": args.data, "budget": args.budget},
                   seeds, ["pool", "synthesis", "random"], time.perf_counter() - start)
    console.print(f"Outputs in [bold]{folder}[/] (plot {plot.name})")
    return 0


def minority_table(curves: pd.DataFrame, k: int = 5) -> Table:
    """Labels until the ``k``-th rare-class row is labelled, and the final rare recall."""
    reach = labels_until_minority(curves, k)
    last = curves.sort_values("labels").groupby(["strategy", "seed"], sort=False).tail(1)
    table = Table(title=f"rare class: labels until {k} of its rows are labelled (median "
                        "seed; share of seeds that got there) and its final recall",
                  title_justify="left")
    for col in ("strategy", f"labels to {k} rare", "final rare recall %",
                "final balanced acc. %"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for strategy, part in reach.groupby("strategy", sort=False):
        got = part["labels"].notna().mean()
        median = part["labels"].fillna(float("inf")).median()
        shown = ">budget" if median == float("inf") else f"{median:g}"
        mine = last[last["strategy"] == strategy]
        bal = _ci_cell(mine["balanced_accuracy"]) if "balanced_accuracy" in mine else "–"
        table.add_row(strategy, f"{shown} ({got:.0%})", _ci_cell(mine["minority_recall"]), bal)
    return table


def auto_arms_table(curves: pd.DataFrame) -> Table | None:
    """Which arm picked most of ``auto``'s batch ending at each label count: the arms'
    shares over seeds, a seed whose learner was still in its cold start then counted as
    "cold start" (None when no arm ran ``auto``)."""
    if "used" not in curves:
        return None
    used = curves["used"].fillna("").astype(str)
    by_auto = used.str.startswith("auto:")
    mine = curves[curves["strategy"].isin(curves.loc[by_auto, "strategy"]) & (used != "")]
    if mine.empty:
        return None
    arm = used[mine.index].str.slice(5).where(by_auto[mine.index], "cold start")
    shares = (mine.assign(arm=arm)
              .groupby("labels")["arm"].value_counts(normalize=True).unstack(fill_value=0))
    shares = shares[sorted(shares.columns, key=lambda a: (a == "cold start", a))]
    table = Table(title="auto's arm per batch (most slots; share of seeds)",
                  title_justify="left")
    table.add_column("labels", justify="right")
    for arm in shares.columns:
        table.add_column(arm, justify="right")
    for labels, row in shares.iterrows():
        table.add_row(str(labels), *(f"{v:.0%}" for v in row))
    return table


STANDALONE = {"stream": run_stream_command, "synthesis": run_synthesis_command}
