"""BoxDetector AP with all training frames labelled, for a fixed list of candidate settings.

    PYTHONPATH=. python benchmarks/detector_ap.py --candidate v1 --cache /tmp/detap-cache
    PYTHONPATH=. python benchmarks/detector_ap.py --candidate giou --cache /tmp/detap-cache
    PYTHONPATH=. python benchmarks/detector_ap.py --candidate ema --splits 0,1,5 --head-seeds 3 \
        --no-other --cache /tmp/detap-cache

For each seed, the campaign's group-aware split (:func:`alwild.cases.powerline.group_split`
with the :class:`~alwild.cases.detection.DetectionConfig` defaults: 3 folds, one held out)
of the power-line frames; the detector is fit on every training frame and scored on the
held-out frames (COCO AP@0.5 and AP@0.5:0.95 per class, pycocotools). Then a second look
on other frames: fit on all 268 power-line frames, scored on the 30 frames of
``insulators/frames`` (same upstream as the power-line ``idd`` frames, other base images;
``broken`` and ``pollution-flashover`` boxes count as ``defect``). The candidates were
fixed before any was measured; ``v1`` is the detector before issue 14's second round,
``giou`` the default of the second and third rounds (benchmarks/RESULTS.md, "Second
round"), ``ema`` and ``swa`` that detector with its weights averaged
(:mod:`alwild.models.weight_average`) and ``ens2`` two heads of half the width trained
together (fourth round).

``--head-seeds k`` fits each split ``k`` times, with head seeds ``s``, ``s + 1000``, …
(as the campaign's reference fits), and prints per split the mean and standard deviation
of the held-out AP@0.5 over those fits: how much a fit depends on its head seed alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from alwild.cases.detection import DetectionConfig, frame_truth
from alwild.cases.powerline import group_split, load_frames
from alwild.models.box_detector import BoxDetector
from alwild.models.coco_eval import coco_ap
from alwild.vision.io import image_sizes

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["insulator", "defect"]
CANDIDATES = {
    "v1": {"fine": False, "box_loss": "l1", "zoom_views": 0, "average": "none"},
    "fine": {"fine": True, "box_loss": "l1", "zoom_views": 0, "average": "none"},
    "giou": {"fine": False, "box_loss": "giou", "zoom_views": 0, "average": "none"},
    "zoom": {"fine": False, "box_loss": "l1", "zoom_views": 1, "average": "none"},
    "v2": {"fine": True, "box_loss": "giou", "zoom_views": 1, "average": "none"},
    "ema": {"fine": False, "box_loss": "giou", "zoom_views": 0, "average": "ema"},
    "swa": {"fine": False, "box_loss": "giou", "zoom_views": 0, "average": "swa"},
    "ens2": {"fine": False, "box_loss": "giou", "zoom_views": 0, "average": "none",
             "width": 32, "members": 2},
}
HEAD_SEED_STEP = 1000


def other_frames(folder: Path) -> tuple[list[str], list]:
    """The frames of ``insulators/frames`` and their boxes, defect kinds as ``defect``."""
    table = pd.read_csv(folder / "frames_boxes.csv")
    table["class"] = np.where(table["class"] == "insulator", "insulator", "defect")
    files = sorted(table["file"].unique())
    truth = []
    for f in files:
        g = table[table["file"] == f]
        truth.append((g[["x_min", "y_min", "x_max", "y_max"]].to_numpy(float),
                      np.array([CLASSES.index(c) for c in g["class"]], dtype=int)))
    return [str(folder / f) for f in files], truth


def score(det: BoxDetector, files: list[str], truth: list) -> dict:
    ap = coco_ap(truth, det.detect(files), CLASSES, image_sizes(files).to_numpy())
    return {f"{k}_{c}": ap.loc[c, k] for k in ("ap50", "ap") for c in CLASSES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--other", default=str(ROOT.parent / "shared" / "data" / "insulators"
                                               / "frames"))
    parser.add_argument("--candidate", choices=sorted(CANDIDATES), default="giou")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--splits", default=None,
                        help="split seeds, comma-separated (default: 0 … seeds - 1)")
    parser.add_argument("--head-seeds", type=int, default=1,
                        help="fits per split, head seeds s, s + 1000, …")
    parser.add_argument("--no-other", action="store_true",
                        help="skip the second look on insulators/frames")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frames = load_frames(args.data)
    truth = frame_truth(frames, CLASSES)
    settings = CANDIDATES[args.candidate]
    cfg = DetectionConfig()

    def fit(idx, seed):
        det = BoxDetector(CLASSES, image_size=cfg.image_size, epochs=cfg.epochs,
                          random_state=seed, cache_dir=args.cache, **settings)
        return det.fit([frames.files[i] for i in idx], [truth[i][0] for i in idx],
                       [[CLASSES[c] for c in truth[i][1]] for i in idx])

    splits = ([int(s) for s in args.splits.split(",")] if args.splits
              else list(range(args.seeds)))
    rows = []
    for seed in splits:
        train, test = group_split(frames, cfg, seed)
        for k in range(args.head_seeds):
            head_seed = seed + HEAD_SEED_STEP * k
            start, cpu = time.perf_counter(), time.process_time()
            det = fit(train, head_seed)
            rows.append({"seed": seed, "head_seed": head_seed,
                         **score(det, [frames.files[i] for i in test],
                                 [truth[i] for i in test])})
            print(f"{args.candidate} seed {seed} head seed {head_seed}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in rows[-1].items() if k not in ("seed", "head_seed"))
                + f" ({time.perf_counter() - start:.0f} s wall, "
                f"{time.process_time() - cpu:.0f} s CPU)", flush=True)
    table = pd.DataFrame(rows).drop(columns="head_seed")
    mean = table.drop(columns="seed").mean()
    print(f"{args.candidate} mean of {len(table)} fits on {len(splits)} splits: "
          + ", ".join(f"{k} {v:.3f}" for k, v in mean.items()))
    if args.head_seeds > 1:
        ap50 = [f"ap50_{c}" for c in CLASSES]
        by_split = table.groupby("seed")[ap50]
        spread = pd.concat([by_split.mean().add_prefix("mean "),
                            by_split.std(ddof=0).add_prefix("sd ")], axis=1)
        print(f"{args.candidate}: held-out AP@0.5 over {args.head_seeds} head seeds per "
              "split (population sd, as the campaign's reference fits)")
        print(spread.to_string(float_format=lambda v: f"{v:.3f}"))
        print(f"{args.candidate} over splits: " + ", ".join(
            f"{col} {v:.3f}" for col, v in spread.mean().items()), flush=True)
    if args.no_other:
        return
    files, other = other_frames(Path(args.other))
    det = fit(np.arange(len(frames.files)), 0)
    print(f"{args.candidate} second look (fit on all {len(frames.files)} power-line frames, "
          f"{len(files)} insulators/frames): "
          + ", ".join(f"{k} {v:.3f}" for k, v in score(det, files, other).items()), flush=True)


if __name__ == "__main__":
    main()
