"""Does the rare-class weighting make ``max_box_entropy`` ask for the rare defects?

    PYTHONPATH=. python benchmarks/detector_class_weights.py --cache /tmp/detap-cache

For each seed, the campaign's first round (:mod:`alwild.cases.detection`: its split, its
10 random seed frames, a cold fit on them): the pool's detections are scored by
``max_box_entropy`` with the rare-class weights of the seed frames' boxes and without
weights, and each picks the campaign's batch of 15. Prints how many of the picked frames
hold a defect box (and how many defect boxes), against ``random``'s expectation (15 x the
pool's share).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from alwild.cases.detection import DetectionConfig, frame_truth
from alwild.cases.powerline import group_split, load_frames
from alwild.models.box_detector import BoxDetector
from alwild.models.detection_strategies import box_entropy, rare_class_weights
from alwild.select import top_k

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["insulator", "defect"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    frames = load_frames(args.data)
    truth = frame_truth(frames, CLASSES)
    cfg = DetectionConfig()
    defects = np.array([int((lab == 1).sum()) for _, lab in truth])
    totals = {"weighted": [0, 0], "unweighted": [0, 0], "random": [0.0, 0.0]}
    for seed in range(args.seeds):
        train, _ = group_split(frames, cfg, seed)
        init = np.random.default_rng(seed).choice(train, cfg.seed_frames, replace=False)
        pool = np.setdiff1d(train, init)
        det = BoxDetector(CLASSES, epochs=cfg.epochs, random_state=seed, cache_dir=args.cache)
        det.fit([frames.files[i] for i in init], [truth[i][0] for i in init],
                [[CLASSES[c] for c in truth[i][1]] for i in init])
        found = det.detect([frames.files[i] for i in pool])
        weights = rare_class_weights(np.bincount(np.concatenate([truth[i][1] for i in init]),
                                                 minlength=len(CLASSES)))
        line = [f"seed {seed}: weights {np.round(weights, 3).tolist()}"]
        for name, w in (("weighted", weights), ("unweighted", None)):
            picked = pool[top_k(box_entropy(found, "max", w), cfg.batch, random_state=seed)]
            hits = (defects[picked] > 0).sum(), defects[picked].sum()
            totals[name] = [a + b for a, b in zip(totals[name], hits, strict=True)]
            line.append(f"{name} {hits[0]} frames with a defect ({hits[1]} boxes)")
        expect = cfg.batch * (defects[pool] > 0).mean(), cfg.batch * defects[pool].mean()
        totals["random"] = [a + b for a, b in zip(totals["random"], expect, strict=True)]
        line.append(f"random expects {expect[0]:.1f} ({expect[1]:.1f} boxes)")
        print(", ".join(line), flush=True)
    print(f"total over {args.seeds} seeds ({args.seeds * cfg.batch} picks each): "
          + ", ".join(f"{k} {v[0]:.1f} frames with a defect, {v[1]:.1f} defect boxes"
                      for k, v in totals.items()))


if __name__ == "__main__":
    main()
