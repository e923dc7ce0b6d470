"""The detection campaign from a data folder: simulate, summarise, plot, export.

Used by ``alwild demo powerline`` (with the frame classifier's case, judged at 99%) and
``benchmarks/powerline.py``. Writes into ``out_dir``: ``detection_curves.csv``,
``detection_full.csv``, ``detection_summary.csv`` (frames to 95% and 99% of the
all-labels defect AP@0.5 and frame balanced accuracy, savings versus random with paired
bootstrap CIs), ``detection_ap50.png``, ``detection_ba.png``,
``detection_round1_contact_sheet.png`` and the boxes the best strategy collected on seed
0 as YOLO txt files and COCO json (``detection_boxes/``).
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

import pandas as pd

from alwild.cases.campaign import export_boxes
from alwild.cases.detection import DetectionConfig, DetectionResult, run_detection_case
from alwild.cases.powerline import FrameSet
from alwild.cases.report import plot_learning_curves, savings_table
from alwild.vision.contact_sheet import contact_sheet

__all__ = ["detection_campaign", "detection_summary", "TARGETS", "format_detection_summary"]

TARGETS = (0.95, 0.99)
METRICS = {"ap50_defect": "defect AP@0.5", "ba": "frame balanced accuracy"}


def detection_summary(result: DetectionResult, metric: str, anomaly: str = "defect",
                      targets=TARGETS) -> pd.DataFrame:
    """Frames to each target share of the all-labels ``metric`` (per seed), per strategy."""
    metric = metric.replace("defect", anomaly)
    reference = result.full.set_index("seed")[metric]
    tables = []
    for share in targets:
        curves = result.curves.assign(target=share * result.curves["seed"].map(reference))
        table = savings_table(curves, metric=metric).rename(columns={"final_ba": "final"})
        tables.append(table.assign(metric=metric, target_share=share))
    return pd.concat(tables, ignore_index=True)


def format_detection_summary(summary: pd.DataFrame, full: float) -> str:
    """One block per metric and target: frames to target and the saving versus random."""
    lines = []
    for (metric, share), g in summary.groupby(["metric", "target_share"], sort=False):
        lines.append(f"{METRICS.get(metric, metric)}: frames to {share:.0%} of the "
                     f"all-labels figure ({share * full:.3f} of mean {full:.3f})"
                     if metric.startswith("ap50") else
                     f"{METRICS.get(metric, metric)}: frames to {share:.0%} of the all-labels "
                     "figure")
        lines.append(f"  {'strategy':<28}{'frames':>8}{'95% CI':>16}{'reached':>9}"
                     f"{'median saving':>15}{'95% CI':>18}{'at budget':>11}")
        for r in g.itertuples():
            if str(r.reached).startswith("0/"):  # no seed got there: nothing to compare
                lines.append(f"  {r.strategy:<28}{f'>{r.labels_mean:.0f}':>8}{'':>16}"
                             f"{r.reached:>9}{'not reached':>15}{'':>18}{r.final:>11.3f}")
                continue
            saving = getattr(r, "saving_median", float("nan"))
            ci = (f"[{r.saving_median_ci_low:.0%}, {r.saving_median_ci_high:.0%}]"
                  if saving == saving else "")
            lines.append(f"  {r.strategy:<28}{r.labels_mean:>8.1f}"
                         f"{f'[{r.labels_ci_low:.0f}, {r.labels_ci_high:.0f}]':>16}"
                         f"{r.reached:>9}{saving:>15.0%}{ci:>18}{r.final:>11.3f}")
    lines.append("  (a seed that never reached a target counts as the budget: such frame "
                 "counts and savings are lower bounds)")
    return "\n".join(lines)


def detection_campaign(frames: FrameSet, data_dir: str | PathLike, out_dir: str | PathLike,
                       cfg: DetectionConfig, cache_dir: str | PathLike | None,
                       echo: Callable[[str], None] = print) -> pd.DataFrame:
    """Run the detection case and write every artefact to ``out_dir``; the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def progress(seed: int, name: str, last: dict, full: dict) -> None:
        echo(f"  seed {seed:>2} {name:<28} at {last['labels']:>3} frames: defect AP@0.5 "
             f"{last[f'ap50_{cfg.anomaly}']:.3f} (all {full['n_train']} frames: "
             f"{full[f'ap50_{cfg.anomaly}']:.3f}), frame BA {last['ba']:.3f}")

    echo(f"detection: {cfg.seeds} seeds, {cfg.seed_frames} seed frames, batches of "
         f"{cfg.batch}, budget {cfg.budget} frames, strategies {', '.join(cfg.strategies)}")
    result = run_detection_case(frames, cfg, cache_dir, progress)
    summaries = [detection_summary(result, m, cfg.anomaly) for m in METRICS]
    summary = pd.concat(summaries, ignore_index=True)
    full = result.full.drop(columns="seed").mean()
    ap_cols = [c for c in result.full.columns if c.startswith("ap50_")]
    echo(f"\nall training frames labelled (mean of {cfg.seeds} seeds): "
         + ", ".join(f"{c[5:]} AP@0.5 {full[c]:.3f}" for c in ap_cols)
         + f", frame BA {full['ba']:.3f}  ({result.seconds:.0f} s)")
    for s, metric in zip(summaries, METRICS, strict=True):
        echo(format_detection_summary(s, full[metric.replace("defect", cfg.anomaly)]))
    result.curves.to_csv(out / "detection_curves.csv", index=False)
    result.full.to_csv(out / "detection_full.csv", index=False)
    summary.to_csv(out / "detection_summary.csv", index=False)
    plots = []
    for metric, label in METRICS.items():
        metric = metric.replace("defect", cfg.anomaly)
        name = "detection_ap50.png" if metric.startswith("ap50") else "detection_ba.png"
        plots.append(plot_learning_curves(
            result.curves, float(full[metric]), TARGETS[0], out / name,
            f"{Path(data_dir).name}: {label}, {cfg.seeds} seeds, group-aware splits",
            metric=metric, ylabel=f"{label} on held-out groups"))
    rows = {name: [(frames.files[i], frames.positive if frames.y[i] else "normal")
                   for i in picks] for name, picks in result.first_picks.items()}
    sheet = contact_sheet(rows, out / "detection_round1_contact_sheet.png",
                          title="Frames each detection strategy asked about in round 1 "
                                "(seed 0)")
    first = summary[(summary["metric"] == f"ap50_{cfg.anomaly}")
                    & (summary["target_share"] == TARGETS[0])]
    best = first.loc[first["strategy"] != "random", "strategy"]
    best = best.iloc[0] if len(best) else first["strategy"].iloc[0]
    files = {frames.files[i] for i in result.labelled[best]}
    boxes = frames.boxes[frames.boxes["file"].isin(files)]
    if len(boxes):
        classes = sorted(set(frames.boxes["class"]), key=lambda c: (c == cfg.anomaly, c))
        export_boxes(boxes, files, classes, out / "detection_boxes")
        echo(f"boxes collected by {best} (seed 0): {len(boxes)} on {len(files)} frames -> "
             f"{out / 'detection_boxes'} (YOLO txt + coco.json)")
    echo(f"wrote {', '.join(str(p) for p in plots)}, {sheet}, {out / 'detection_summary.csv'}")
    return summary
