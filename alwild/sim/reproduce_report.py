"""The Markdown report of ``alwild reproduce``: the study's single-run numbers beside our
multi-seed means, CIs and seed ranges, with figures.

>>> verdict([0.8, 0.9], 0.5)
'below every seed'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alwild.sim.datasets import load_dataset
from alwild.sim.plots import plot_curves
from alwild.sim.pool_run import initial_positions, split_rows
from alwild.sim.report import t_interval
from alwild.sim.reproduce import Claim, Experiment
from alwild.sim.runner import SimResult
from alwild.sim.tables import fmt_ci

__all__ = ["claim_values", "verdict", "write_report"]


def claim_values(result: SimResult, claim: Claim) -> np.ndarray:
    """Per-seed values of our runs that correspond to ``claim``."""
    c = result.curves
    labels = result.config.init + claim.queries
    mine = c[c["strategy"] == claim.arm]
    if claim.at_most:
        return mine[mine["labels"] <= labels].groupby("seed")["accuracy"].max().to_numpy()
    return mine[mine["labels"] == labels].sort_values("seed")["accuracy"].to_numpy()


def verdict(values, claimed: float) -> str:
    """Where a single-run number lies among the seeds (``values`` must not be empty)."""
    v = np.asarray(values, dtype=float)
    if claimed < v.min() - 1e-9:
        return "below every seed"
    if claimed > v.max() + 1e-9:
        return "above every seed"
    return f"inside the seed range ({np.mean(v < claimed):.0%} of seeds lower)"


def _cell(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{fmt_ci(t_interval(v))} (range {v.min() * 100:.1f}–{v.max() * 100:.1f})"


def _claims_table(exp: Experiment, results: dict) -> list[str]:
    lines = ["| study claim | study | ours, paper protocol: mean ± 95% CI (seed range) | "
             "verdict (paper) | ours, holdout protocol | verdict (holdout) |",
             "|---|---|---|---|---|---|"]
    for claim in exp.claims:
        cells = []
        for protocol in ("paper", "holdout"):
            vals = claim_values(results[exp.dataset, protocol], claim)
            cells += [_cell(vals), verdict(vals, claim.value)] if vals.size else \
                ["not run under this protocol", "–"]
        lines.append(f"| {exp.dataset}: {claim.text} | {claim.value * 100:.1f} | "
                     + " | ".join(cells) + " |")
    return lines


def _curve_table(result: SimResult, points: list[int]) -> list[str]:
    c, init = result.curves, result.config.init
    lines = ["| arm | " + " | ".join(f"q={q}" for q in points) + " |",
             "|---|" + "---|" * len(points)]
    for arm in c["strategy"].unique():
        mine = c[c["strategy"] == arm]
        cells = [fmt_ci(t_interval(mine[mine["labels"] == init + q]["accuracy"]))
                 for q in points]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    ceil = result.ceilings["accuracy"]
    lines.append(f"| ceiling (all pool labels) | {fmt_ci(t_interval(ceil))} |"
                 + " |" * (len(points) - 1))
    return lines


def _not_shrunk_lines(result: SimResult, budget: int) -> list[str]:
    c = result.curves
    out = []
    for arm in c["strategy"].unique():
        if not arm.endswith("pool_not_shrunk"):
            continue
        mine = c[c["strategy"] == arm]
        last = mine[mine["labels"] == mine["labels"].max()]
        first = mine[mine["labels"] == mine["labels"].min()].set_index("seed")["accuracy"]
        flat = int((last.set_index("seed")["accuracy"] == first).sum())
        d = last["distinct_labels"]
        out.append(f"* `{arm}`: distinct labelled rows after {budget} queries: median "
                   f"{d.median():g}, min {d.min()}, max {d.max()} of {mine['labels'].max()}; "
                   f"{flat} of {mine['seed'].nunique()} seeds end exactly where they started.")
    return out


def _r2_lines(result: SimResult, points: list[int]) -> list[str]:
    c = result.curves
    if "r2" not in c:
        return []
    mine = c[c["r2"].notna()]
    cells = [fmt_ci(t_interval(mine[mine["labels"] == result.config.init + q]["r2"]))
             for q in points]
    return ["| modAL reading, `BayesianOptimizer.score` (R² on the class index) | "
            + " | ".join(cells) + " |"]


def _marks(exp: Experiment, init: int) -> dict:
    marks: dict[str, list] = {}
    for claim in exp.claims:
        if claim.at_most or "pool_not_shrunk" in claim.arm or claim.arm.startswith("acq_gp_c"):
            continue
        marks.setdefault(claim.arm, []).append((init + claim.queries, claim.value))
    return marks


def write_report(results: dict[tuple[str, str], SimResult], experiments, folder: Path,
                 header: list[str], discussion: list[str]) -> Path:
    """Write ``report.md``, the figures and the curves CSVs under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [*header, "", "## The study's numbers beside ours", ""]
    for exp in experiments:
        lines += _claims_table(exp, results) + [""]
    lines += discussion
    for exp in experiments:
        points = sorted({0, 10, 20, 30, exp.budget})
        for protocol in ("paper", "holdout"):
            result = results[exp.dataset, protocol]
            stem = f"{exp.dataset}_{protocol}"
            result.curves.to_csv(folder / f"{stem}_curves.csv", index=False)
            result.ceilings.to_csv(folder / f"{stem}_ceilings.csv", index=False)
            what = "whole dataset" if protocol == "paper" else "30% held-out test split"
            plot_curves(result.curves, "accuracy", folder / f"{stem}.png",
                        f"{exp.dataset}, {protocol} protocol (accuracy on the {what})",
                        ceiling=result.ceilings["accuracy"].to_numpy(),
                        marks=_marks(exp, exp.init) if protocol == "paper" else None)
            lines += [f"## {exp.dataset}, {protocol} protocol (accuracy on the {what})", "",
                      f"![{stem}]({stem}.png)", "",
                      "Accuracy % (mean ± 95% CI over seeds) after q queries:", "",
                      *_curve_table(result, points), *_r2_lines(result, points), "",
                      *_not_shrunk_lines(result, exp.budget), ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def summary_frame(results: dict[tuple[str, str], SimResult], experiments) -> pd.DataFrame:
    """Every claim with our per-protocol mean and verdict, as a table (for tests/scripts)."""
    rows = []
    for exp in experiments:
        for claim in exp.claims:
            for protocol in ("paper", "holdout"):
                vals = claim_values(results[exp.dataset, protocol], claim)
                if not vals.size:
                    continue
                rows.append({"dataset": exp.dataset, "claim": claim.text, "arm": claim.arm,
                             "protocol": protocol, "study": claim.value,
                             "mean": float(vals.mean()), "min": float(vals.min()),
                             "max": float(vals.max()), "verdict": verdict(vals, claim.value)})
    return pd.DataFrame(rows)


def _paired_gap(result: SimResult, a: str, b: str, labels: int) -> tuple[np.ndarray, tuple]:
    c = result.curves[result.curves["labels"] == labels].set_index(["strategy", "seed"])
    gap = (c.loc[a, "accuracy"] - c.loc[b, "accuracy"]).to_numpy()
    return gap, t_interval(gap)


def _mean(result: SimResult, arm: str, queries: int, fn=np.mean) -> float:
    c = result.curves
    return float(fn(c[(c["strategy"] == arm) & (c["labels"] == result.config.init + queries)]
                    ["accuracy"]))


def _missing_class(result: SimResult, y: np.ndarray) -> int:
    """Seeds whose starting rows lack a class (the seeds' draws, redone)."""
    count = 0
    for seed in result.seeds:
        pool, _ = split_rows(y, result.config, seed)
        start = initial_positions(y[pool], result.config, np.random.default_rng(seed))
        count += len(np.unique(y[pool][start])) < len(np.unique(y))
    return count


def discussion(results: dict[tuple[str, str], SimResult]) -> list[str]:
    """Where and why the study's numbers differ from ours, with the figures computed here."""
    ip, ih = results["iris", "paper"], results["iris", "holdout"]
    tp, th = results["titanic", "paper"], results["titanic", "holdout"]
    n = ip.curves["seed"].nunique()
    missing = _missing_class(ip, load_dataset("iris").y)
    not_k150 = [v for v in (96.2, 97.8, 63.1, 95.8, 87.2, 94.8, 58.6)
                if abs(round(v * 1.5) / 1.5 - v) > 0.05]
    t_end = tp.config.init + tp.config.budget
    t_q = tp.config.budget
    gap, (g_mean, g_low, g_high) = _paired_gap(tp, "committee_2rf", "uncertainty", t_end)
    hgap, (h_mean, h_low, h_high) = _paired_gap(th, "committee_2rf", "uncertainty", t_end)
    early = ip.config.init + min(10, ip.config.budget)
    stuck = ip.curves[ip.curves["strategy"] == "committee_2rf_pool_not_shrunk"]
    stuck_min = stuck[stuck["labels"] <= early].groupby("seed")["accuracy"].max().min()
    shrunk = ip.curves[ip.curves["strategy"] == "committee_2rf"]
    shrunk_min = shrunk[shrunk["labels"] <= early].groupby("seed")["accuracy"].max().min()
    r2 = ip.curves.get("r2")
    r2_line = ""
    if r2 is not None:
        mine = ip.curves[ip.curves["r2"].notna()]
        r2_vals = [mine[mine["labels"] == ip.config.init + q]["r2"].mean() * 100
                   for q in (0, 10, 20, 30)]
        r2_line = (" Under the modAL reading, `score` is the regressor's R² on the class index "
                   "(what modAL's `BayesianOptimizer.score` returns); it averages "
                   + " / ".join(f"{v:.1f}" for v in r2_vals) + "% at q = 0/10/20/30, "
                   "as close to the study's numbers as the accuracy is, so the text cannot "
                   "tell which of the two the study plotted.")
    return [
        "## Where and why the numbers differ", "",
        f"* **One run against {n} seeds.** The study reports one run per setting; the "
        "tables give the spread over seeds that start from different random rows. A number "
        "inside the seed range is what one run can give; the study itself puts its odd "
        "results down to the initial sample, and the ranges show how much that sample moves "
        "them.",
        f"* **Whole-dataset accuracy counts the training rows.** Under the paper protocol "
        f"the pool and the scored rows are the whole dataset, so the full-data ceiling is "
        f"training accuracy: {ip.ceilings['accuracy'].mean() * 100:.1f}% on Iris and "
        f"{tp.ceilings['accuracy'].mean() * 100:.1f}% on Titanic, against "
        f"{ih.ceilings['accuracy'].mean() * 100:.1f}% and "
        f"{th.ceilings['accuracy'].mean() * 100:.1f}% on a held-out test split. Every "
        "paper-protocol number is flattered by the rows the model has already seen.",
        f"* **Iris start (58.6%).** Our paper-protocol start averages "
        f"{_mean(ip, 'uncertainty', 0) * 100:.1f}% and its lowest seed is "
        f"{_mean(ip, 'uncertainty', 0, np.min) * 100:.1f}%; {missing} of {n} "
        "seeds start from 10 rows that miss a class. "
        f"Several study numbers cannot be k/150 ({', '.join(f'{v}' for v in not_k150)}), "
        "so not all of them were computed on the 150 rows: scoring on the rows still in the "
        "pool would give such fractions (for example 58.6% = 82/140).",
        f"* **Committee.** With queried rows removed from the pool the best accuracy over "
        f"queries 0–10 is at least {shrunk_min * 100:.1f}% on every seed. Leaving queried "
        f"rows in the pool and breaking score ties as modAL does (deterministically, "
        f"`committee_2rf_pool_not_shrunk`) lets the 2-member committee ask again for rows it "
        f"already has: where both members agree everywhere, every row ties and the same row "
        f"wins each time. Its worst seed peaks at {stuck_min * 100:.1f}% over the first 10 "
        "queries, the kind of flat curve the study shows (see the distinct-row counts under "
        "the Iris tables).",
        "* **Acquisition function.** The study does not say how this arm was set up. "
        "`acq_modal_gpr_max_EI` is modAL's reading: a `BayesianOptimizer` with a Gaussian-"
        "process regressor fitted to the class index and queried by `max_EI`, predicting the "
        "rounded regression output. Expected improvement on a class index hunts for the "
        "largest index, which is not a classification criterion. "
        "`acq_gp_classifier_entropy` is the sound classification variant: a Gaussian-process "
        "classifier queried by the entropy of its predicted class probabilities." + r2_line,
        f"* **Titanic.** At {t_q} queries the committee minus uncertainty gap averages "
        f"{g_mean * 100:+.1f} points [{g_low * 100:+.1f}, {g_high * 100:+.1f}] (paper "
        f"protocol) and {h_mean * 100:+.1f} [{h_low * 100:+.1f}, {h_high * 100:+.1f}] "
        f"(holdout); {int((gap >= 0.057).sum())} of {gap.size} seeds (holdout: "
        f"{int((hgap >= 0.057).sum())}) reach the study's +5.7 points. "
        + ("Neither protocol's interval lies above zero, so the study's conclusion that "
           "committees suit skewed binary data rests on a single run."
           if max(g_low, h_low) <= 0 else
           "At least one protocol's interval lies above zero: the committee's lead is real "
           "here, though smaller than the study's."),
        "",
    ]
