"""``alwild reproduce``: the reference study's Iris and Titanic experiments, many seeds."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from alwild.errors import UserValueError
from alwild.sim.manifest import write_manifest
from alwild.sim.reproduce import EXPERIMENTS, results_from_folder, run_experiments, total_tasks
from alwild.sim.reproduce_report import discussion, summary_frame, write_report
from alwild.sim.runner import seed_list
from alwild.sim.tables import progress_bar


def register(sub) -> None:
    p = sub.add_parser(
        "reproduce", help="redo the reference study's Iris and Titanic comparisons",
        description="Runs the study's Iris (uncertainty, committee, acquisition function; "
                    "30 queries) and Titanic (uncertainty, committee; 50 queries) experiments "
                    "over many seeds under both protocols, and writes a Markdown report with "
                    "figures that puts the study's single-run numbers beside ours.")
    p.add_argument("--seeds", type=int, default=30)
    p.add_argument("--jobs", type=int, default=-1, help="parallel processes (-1: all cores)")
    p.add_argument("--out", type=Path, default=Path("runs/reproduce"))
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite the report and figures from the curves already in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.seeds < 2:
        raise UserValueError(f"--seeds must be at least 2 to give a spread, got {args.seeds}")
    console = Console()
    if args.report_only:
        results = results_from_folder(args.out)
        manifest = json.loads((args.out / "manifest.json").read_text())
        seeds = manifest["seeds"]
        seconds = manifest["wall_seconds"]
        load_before, load_after = manifest["settings"]["load"]
        command = manifest["command"]
    else:
        seeds = seed_list(args.seeds)
        load_before = os.getloadavg()
        start = time.perf_counter()
        with progress_bar(total_tasks(seeds), "reproduce: iris + titanic × 2 protocols",
                          not args.quiet) as tick:
            results = run_experiments(seeds, n_jobs=args.jobs, on_done=tick)
        seconds = time.perf_counter() - start
        load_after = os.getloadavg()
        command = ["alwild", *sys.argv[1:]]
    header = [
        "# The reference study's Iris and Titanic experiments, redone over many seeds", "",
        f"Command: `{' '.join(command)}`; {len(seeds)} seeds "
        f"(0..{seeds[-1]}); wall time {seconds:.0f} s on {os.cpu_count()} cores "
        f"(load average {load_before[0]:.1f} before, {load_after[0]:.1f} after).", "",
        "Setup: random forests (100 trees, `random_state` = seed; committee members "
        "1000·seed+1 and +2; scikit-learn's trees, grown by "
        "`alwild.models.lean_forest.LeanRandomForestClassifier`, which equals "
        "`RandomForestClassifier` bit for bit and refits faster), 10 starting rows drawn "
        "uniformly from the pool, one query at a time with a refit after each label. Each "
        "seed fixes the split, the starting rows and the estimators, so every arm of a seed "
        "starts from the same rows. **paper** protocol: the pool and the scored rows are the "
        "whole dataset (the study's apparent setup). **holdout** protocol: a stratified 70/30"
        " split; the learner never sees the 30%. "
        "Titanic features: see `alwild/data/README.md`.", ""]
    report = write_report(results, EXPERIMENTS, args.out, header, discussion(results))
    if not args.report_only:
        write_manifest(args.out / "manifest.json", command,
                       {"experiments": [e.dataset for e in EXPERIMENTS],
                        "load": [load_before, load_after]},
                       seeds, [a for e in EXPERIMENTS for a in e.arms_for("paper")], seconds)
    table = Table(title="The study's numbers against ours (mean over seeds, %)",
                  title_justify="left")
    for col in ("claim", "study", "protocol", "ours", "verdict"):
        table.add_column(col)
    for _, r in summary_frame(results, EXPERIMENTS).iterrows():
        table.add_row(f"{r['dataset']}: {r['claim']}", f"{r['study'] * 100:.1f}",
                      r["protocol"], f"{r['mean'] * 100:.1f}", r["verdict"])
    console.print(table)
    console.print(f"Report: [bold]{report}[/] ({seconds:.0f} s)")
    return 0
