"""Are small labelled sets under-trained? BoxDetector AP@0.5 by labelled frames and step rule.

    PYTHONPATH=. python benchmarks/detector_steps.py --splits 0,1,2 --cache /tmp/detap-cache

For each split (the campaign's group-aware split of the power-line frames), nested random
subsets of the training frames (25, 50, 100 and all of them) are fit cold with each rule
for the number of optimiser steps: ``epochs x images / batch`` with at least ``min_steps``
(``30`` was the rule before issue 14's third round: a 25-frame fit got 47 steps, an
all-frames fit 327). Prints, per fit, the steps, the held-out AP@0.5 per class and the
seconds; then the mean over splits per rule and subset size.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--splits", default="0,1,2")
    parser.add_argument("--rules", default="30,300", help="min_steps values, comma-separated")
    parser.add_argument("--sizes", default="25,50,100,1000",
                        help="labelled frames, comma-separated (more than the split: all)")
    parser.add_argument("--cache", default=None)
    parser.add_argument("--out", default=None, help="CSV of every fit")
    args = parser.parse_args()
    torch.set_num_threads(1)
    frames = load_frames(args.data)
    truth = frame_truth(frames, CLASSES)
    cfg = DetectionConfig()
    rows = []
    for split in (int(s) for s in args.splits.split(",")):
        train, test = group_split(frames, cfg, split)
        order = np.random.default_rng(split).permutation(train)
        files = [frames.files[i] for i in test]
        sizes = image_sizes(files).to_numpy()
        for n in (int(v) for v in args.sizes.split(",")):
            idx = order[:n]
            done = set()
            for rule in (int(r) for r in args.rules.split(",")):
                steps = max(rule, int(np.ceil(cfg.epochs * 2 * idx.size / 16)))
                if steps in done:  # the same fit as a rule before
                    continue
                done.add(steps)
                start = time.perf_counter()
                det = BoxDetector(CLASSES, epochs=cfg.epochs, min_steps=rule,
                                  random_state=split, cache_dir=args.cache)
                det.fit([frames.files[i] for i in idx], [truth[i][0] for i in idx],
                        [[CLASSES[c] for c in truth[i][1]] for i in idx])
                ap = coco_ap([truth[i] for i in test], det.detect(files), CLASSES, sizes)
                rows.append({"split": split, "frames": idx.size, "min_steps": rule,
                             "steps": steps, **{f"ap50_{c}": ap.loc[c, "ap50"]
                                                for c in CLASSES},
                             "seconds": time.perf_counter() - start})
                print(", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                for k, v in rows[-1].items()), flush=True)
    table = pd.DataFrame(rows)
    if args.out:
        table.to_csv(args.out, index=False)
    print(table.groupby(["min_steps", "frames"])[["steps", "ap50_insulator", "ap50_defect"]]
          .mean().to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
