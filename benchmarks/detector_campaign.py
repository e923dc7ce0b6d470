"""The power-line detection campaign, one seed per process, then merged and summarised.

    PYTHONPATH=. python benchmarks/detector_campaign.py --seed 0 --out runs/detcampaign
    ...                                                  --seed 4 --out runs/detcampaign
    PYTHONPATH=. python benchmarks/detector_campaign.py --merge --out runs/detcampaign

The same simulation as ``alwild demo powerline`` (:mod:`alwild.cases.detection`, default
settings; ``--budget``, ``--batch`` and ``--strategies`` change those, ``--budget 1000`` labels
every training frame) except the measurement: by default each round refits cold on the labelled
frames and the all-labels reference is the mean of 3 cold fits (``--refit warm
--reference-fits 1`` is the demo's way). Split by seed so the seeds can run side by side on
a shared machine; each
seed writes ``seed_<n>/curves.csv`` and ``seed_<n>/full.csv`` and prints its wall and CPU
seconds. ``--merge`` prints the
all-labels AP per class, then frames to 95% and 99% of the all-labels defect AP@0.5 and
frame balanced accuracy per strategy, with the median saving versus random and its paired
bootstrap 95% CI, the mean curves (AP per class, defect boxes labelled), and the largest
shortfall of each strategy's mean AP curve below random's (against the half-width of the CI
of the paired difference).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alwild.cases.detection import DetectionConfig, DetectionResult, run_detection_case
from alwild.cases.detection_campaign import METRICS, detection_summary, format_detection_summary
from alwild.cases.powerline import load_frames
from alwild.cases.report import labels_to_target

ROOT = Path(__file__).resolve().parents[1]


def run_seed(data: str, out: Path, seed: int, cache: str | None, budget: int | None,
             strategies: tuple[str, ...] | None, refit: str, reference_fits: int,
             batch: int | None) -> None:
    cfg = DetectionConfig(seeds=1, first_seed=seed, refit=refit,
                          reference_fits=reference_fits)
    cfg.batch = batch or cfg.batch
    cfg.budget = budget or cfg.budget
    cfg.strategies = strategies or cfg.strategies
    start, cpu = time.perf_counter(), time.process_time()
    result = run_detection_case(load_frames(data), cfg, cache, progress=lambda s, n, p, f: print(
        f"seed {s} {n:<28} at {p['labels']} frames: defect AP@0.5 {p['ap50_defect']:.3f} "
        f"(all labels {f['ap50_defect']:.3f})", flush=True))
    folder = out / f"seed_{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    result.curves.to_csv(folder / "curves.csv", index=False)
    result.full.to_csv(folder / "full.csv", index=False)
    print(f"seed {seed}: {time.perf_counter() - start:.0f} s wall, "
          f"{time.process_time() - cpu:.0f} s CPU", flush=True)


def shortfall(curves: pd.DataFrame, metric: str = "ap50_defect") -> pd.DataFrame:
    """Per strategy: the largest mean gap below random over label counts, and the CI
    half-width of the paired difference there (1.96 standard errors over seeds)."""
    wide = curves.pivot_table(index=["seed", "labels"], columns="strategy", values=metric)
    rows = []
    for name in wide.columns.drop("random"):
        diff = (wide[name] - wide["random"]).groupby(level="labels")
        mean, half = diff.mean(), 1.96 * diff.std() / np.sqrt(diff.count())
        worst = mean.idxmin()
        rows.append({"strategy": name, "worst_labels": worst, "mean_gap": mean[worst],
                     "ci_half_width": half[worst]})
    return pd.DataFrame(rows)


def frames_per_seed(curves: pd.DataFrame, full: pd.DataFrame, share: float,
                    metric: str = "ap50_defect") -> pd.DataFrame:
    """Seed x strategy: frames to ``share`` of that seed's all-labels ``metric``; a run
    that never reached it shows ``>n`` (its last frame count)."""
    target = curves["seed"].map(full.set_index("seed")[metric])
    ltt = labels_to_target(curves.assign(target=share * target), metric)
    text = [f"{v:.0f}" if ok else f">{n:.0f}" for v, ok, n in
            zip(ltt["labels_to_target"], ltt["reached"], ltt["max_labels"], strict=True)]
    return ltt.assign(frames=text).pivot(index="seed", columns="strategy", values="frames")


def merge(out: Path) -> None:
    parts = sorted(out.glob("seed_*"))
    curves = pd.concat([pd.read_csv(p / "curves.csv") for p in parts], ignore_index=True)
    full = pd.concat([pd.read_csv(p / "full.csv") for p in parts], ignore_index=True)
    result = DetectionResult(curves, full, {}, {}, 0.0)
    print(f"{len(parts)} seeds; all training frames labelled, held-out groups:")
    print(full.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    mean = full.drop(columns="seed").mean()
    print("mean: " + ", ".join(f"{c} {mean[c]:.3f}" for c in mean.index if c != "n_train"))
    for metric in METRICS:
        print(format_detection_summary(detection_summary(result, metric), mean[metric]))
    for share in (0.95, 0.99):
        print(f"frames to {share:.0%} of each seed's all-labels defect AP@0.5:")
        print(frames_per_seed(curves, full, share).to_string())
    for column in ("ap50_defect", "ap50_insulator", "boxes_defect"):
        if column in curves:
            print(f"mean {column} over seeds by labelled frames:")
            print(curves.pivot_table(index="labels", columns="strategy", values=column)
                  .to_string(float_format=lambda v: f"{v:.3f}"))
    print("largest mean shortfall of defect AP@0.5 below random (paired over seeds):")
    print(shortfall(curves).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--out", default="runs/detcampaign")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--budget", type=int, help="frames per strategy, seed frames "
                        "included (default DetectionConfig's; more than the training split: "
                        "label it all)")
    parser.add_argument("--strategies", help="comma-separated (default DetectionConfig's)")
    parser.add_argument("--batch", type=int, help="frames a round (default DetectionConfig's)")
    parser.add_argument("--refit", choices=("cold", "warm"), default="cold")
    parser.add_argument("--reference-fits", type=int, default=3)
    parser.add_argument("--merge", action="store_true")
    args = parser.parse_args()
    if args.merge:
        merge(Path(args.out))
    else:
        run_seed(args.data, Path(args.out), args.seed, args.cache, args.budget,
                 tuple(args.strategies.split(",")) if args.strategies else None,
                 args.refit, args.reference_fits, args.batch)


if __name__ == "__main__":
    main()
