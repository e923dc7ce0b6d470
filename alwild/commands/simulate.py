"""``alwild simulate``: which strategy would have saved the most labels on this table?"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from alwild.errors import UserValueError
from alwild.sim.arms import parse_arms
from alwild.sim.config import INIT_MODES, METRICS, PROTOCOLS, SimConfig
from alwild.sim.datasets import BUILTIN_NAMES, load_dataset
from alwild.sim.estimators import MODELS, check_model_name, make_model
from alwild.sim.manifest import write_manifest
from alwild.sim.outputs import write_outputs
from alwild.sim.pool_run import check_setup
from alwild.sim.report import labels_to_reach, savings, summary_table
from alwild.sim.runner import n_tasks, prepare, seed_list, simulate
from alwild.sim.scenario_commands import (
    STANDALONE,
    add_arguments,
    auto_arms_table,
    minority_table,
)
from alwild.sim.scenarios import SCENARIOS, prepare_for
from alwild.sim.stopping_rules import STOP_RULES, parse_rules, stop_summary
from alwild.sim.tables import progress_bar, savings_table, stops_table, summary_rich


def register(sub) -> None:
    p = sub.add_parser(
        "simulate", help="compare strategies on a labelled table over many seeds",
        description="Replay active learning on labels you already have: every strategy "
                    "starts from the same rows per seed; results are learning curves, a "
                    "summary with 95%% CIs, savings versus random, plots and a manifest.")
    p.add_argument("data", help=f"builtin ({', '.join(BUILTIN_NAMES)}) or a CSV/Parquet path")
    p.add_argument("--target", help="label column of a CSV/Parquet table")
    p.add_argument("--drop", default="", help="comma-separated columns to leave out (ids, text)")
    p.add_argument("--strategies", default="auto,margin,random",
                   help="comma-separated registered strategy names (committee strategies "
                        "such as vote_entropy get a committee)")
    p.add_argument("--model", default="rf",
                   help=f"{', '.join(MODELS)} or an import path (module.ClassName)")
    p.add_argument("--committee-size", type=int, default=2)
    p.add_argument("--no-random", action="store_true",
                   help="do not add random sampling when --strategies leaves it out (it is "
                        "the baseline that labels, hours and money saved are measured against)")
    p.add_argument("--keep-queried", action="store_true",
                   help="leave queried rows in the pool (they can be asked for again)")
    p.add_argument("--scenario", default="pool", choices=sorted([*SCENARIOS, *STANDALONE]),
                   help="pool (default), imbalance (one class cut to 3%%), stream (data: "
                        "'drift' or a table), synthesis (data: linear, ring or breast_cancer)")
    p.add_argument("--init", type=int, default=10, help="starting labelled rows")
    p.add_argument("--init-mode", default="random", choices=INIT_MODES)
    p.add_argument("--budget", type=int, default=50, help="labels to query after the start")
    p.add_argument("--batch", type=int, default=1, help="labels per query round")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds (0..K-1)")
    p.add_argument("--protocol", default="holdout", choices=PROTOCOLS,
                   help="holdout: a stratified test split the learner never sees; paper: "
                        "accuracy on the whole dataset, as the reference study appears to do")
    p.add_argument("--test-size", type=float, default=0.3)
    p.add_argument("--metrics", default=",".join(METRICS))
    p.add_argument("--at", default="",
                   help="label counts for the summary (default: start, middle, end)")
    p.add_argument("--stop", default="",
                   help="stopping rules to replay, comma-separated name[:threshold]: "
                        + "; ".join(f"{name} ({what}, default {default})"
                                    for name, (_, default, what) in STOP_RULES.items())
                        + ". Where would each have stopped?")
    p.add_argument("--seconds-per-label", type=float, default=30.0)
    p.add_argument("--cost-per-label", type=float, default=0.5)
    p.add_argument("--jobs", type=int, default=-1, help="parallel processes (-1: all cores)")
    p.add_argument("--out", type=Path, help="run folder (default runs/simulate-DATA-TIME)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_arguments(p)
    p.set_defaults(func=run)


def _label_points(config: SimConfig, given: str) -> list[int]:
    last = config.init + config.budget
    if given:
        points = [int(v) for v in given.split(",") if v.strip()]
        bad = [v for v in points if not config.init <= v <= last]
        if bad:
            raise UserValueError(
                f"--at {bad} lies outside the curve ({config.init}..{last} labels)")
        return points
    return sorted({config.init, config.init + config.budget // 2, last})


def _described(estimator) -> dict:
    kind = type(estimator)
    return {"class": f"{kind.__module__}.{kind.__qualname__}",
            "params": estimator.get_params(deep=False)}


def run(args: argparse.Namespace) -> int:
    console = Console()
    if args.scenario in STANDALONE:
        if args.stop:
            raise UserValueError(f"--stop replays stopping rules in pool-based runs; the "
                             f"{args.scenario} scenario has its own end (leave --stop out)")
        return STANDALONE[args.scenario](args, console)
    check_model_name(args.model)
    metrics = tuple(m.strip() for m in args.metrics.split(",") if m.strip())
    config = SimConfig(model=args.model, init=args.init, init_mode=args.init_mode,
                       budget=args.budget, batch=args.batch, protocol=args.protocol,
                       test_size=args.test_size, metrics=metrics, scenario=args.scenario,
                       stops=parse_rules(args.stop))
    arms = parse_arms(args.strategies, args.committee_size, not args.keep_queried)
    if not args.no_random and "random" not in {a.name for a in arms}:
        arms.append(parse_arms("random")[0])
        console.print("[yellow]note:[/] added random sampling, the baseline for the savings "
                      "(--no-random leaves it out)")
    if args.seeds < 1:
        raise UserValueError(f"--seeds must be at least 1, got {args.seeds}")
    drop = tuple(c.strip() for c in args.drop.split(",") if c.strip())
    dataset = load_dataset(args.data, args.target, drop)
    for note in dataset.notes:
        console.print(f"[yellow]note:[/] {note}")
    data = prepare_for(args.scenario, prepare(dataset))
    check_setup(data.y, config)  # before the progress bar, so an error stands alone
    at = _label_points(config, args.at)
    seeds = seed_list(args.seeds)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    folder = args.out or Path("runs") / f"simulate-{dataset.name}-{stamp}"
    start = time.perf_counter()
    with progress_bar(n_tasks(arms, seeds), f"{dataset.name}: {len(arms)} strategies × "
                      f"{len(seeds)} seeds", not args.quiet) as tick:
        result = simulate(data, arms, config, seeds, n_jobs=args.jobs, on_done=tick)
    seconds = time.perf_counter() - start
    write_outputs(result, folder, f"{dataset.name} ({config.protocol}, {config.model})", at)
    write_manifest(folder / "manifest.json", ["alwild", *sys.argv[1:]], {
        **vars(config), "data": str(args.data), "target": dataset.target, "drop": drop,
        "n_rows": int(len(data.y)), "n_features": int(data.X.shape[1]),
        "classes": [str(c) for c in data.classes], "notes": list(dataset.notes),
        "seconds_per_label": args.seconds_per_label, "cost_per_label": args.cost_per_label,
        "estimator": _described(make_model(config.model)),
    }, seeds, list(arms), seconds)
    main = metrics[0]
    summary = summary_table(result.curves, result.ceilings, main, at)
    ceiling = result.ceilings[main].mean() * 100
    console.print(summary_rich(summary, main, f"{dataset.name}, {config.protocol} protocol, "
                  f"{config.model}, {len(seeds)} seeds; ceiling with all pool "
                  f"labels {ceiling:.1f}%"))
    if "random" in {a.name for a in arms}:
        reach = labels_to_reach(result.curves, result.ceilings, main, 0.98)
        console.print(savings_table(savings(reach, result.curves), args.seconds_per_label,
                                    args.cost_per_label, 0.98))
    stops = stop_summary(result.curves, result.ceilings, main)
    if not stops.empty:
        console.print(stops_table(stops, main))
    if args.scenario == "imbalance":
        console.print(minority_table(result.curves))
    arms_used = auto_arms_table(result.curves)
    if arms_used is not None:
        console.print(arms_used)
    console.print(f"Outputs in [bold]{folder}[/] ({seconds:.1f} s)")
    return 0
