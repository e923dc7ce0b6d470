"""``alwild demo powerline``: argument handling for the power-line case.

With a box table holding the anomaly class (the 268-frame power-line set), the demo runs
the detection campaign (:mod:`alwild.cases.detection_campaign`) and then the frame
classifier's case for the frame-level question, judged at the stricter 99% target, into
``OUT/frame_classifier``. Without boxes (the shipped insulator crops) it runs the frame
classifier's case alone.
"""

from __future__ import annotations

import argparse
import time
from importlib.resources import files
from pathlib import Path

from alwild.cases.campaign import powerline_campaign
from alwild.cases.detection import DetectionConfig
from alwild.cases.detection_campaign import detection_campaign
from alwild.cases.powerline import CaseConfig, load_frames
from alwild.vision.cache import default_cache_dir

__all__ = ["run_powerline", "SHIPPED"]

SHIPPED = Path(str(files("alwild") / "data" / "insulators"))


def _names(text: str | None) -> tuple[str, ...] | None:
    return tuple(s.strip() for s in text.split(",") if s.strip()) if text else None


def run_powerline(args: argparse.Namespace) -> int:
    """Run the case with the demo's arguments; the exit code. Ends with the run's total
    wall-clock and CPU time."""
    start, cpu = time.perf_counter(), time.process_time()
    data = Path(args.data) if args.data else SHIPPED
    if not (data / "manifest.csv").is_file():
        raise FileNotFoundError(
            f"{data} has no manifest.csv: pass --data with a folder laid out like the "
            "power-line set (manifest.csv with file,label,group; boxes.csv; images/)"
        )
    cache = args.cache or default_cache_dir()
    cfg = CaseConfig(batch=args.batch or 10, backbone=args.backbone)
    cfg.strategies = _names(args.strategies) or cfg.strategies
    cfg.seeds = args.seeds or cfg.seeds
    cfg.budget = args.budget or cfg.budget
    if not args.data:
        print(f"no --data given: using the shipped CC BY 4.0 insulator crops ({data}); "
              "for the 268-frame power-line set see docs/tutorials/powerline.md")
        cfg.seed_normal, cfg.seed_defect = 5, 5
        cfg.budget = args.budget or 55
    frames = load_frames(data)
    out = Path(args.out)
    if "defect" in set(frames.boxes["class"]):
        det = DetectionConfig(image_size=args.image_size)
        det.strategies = _names(args.detection_strategies) or det.strategies
        det.seeds = args.seeds or det.seeds
        det.batch = args.batch or det.batch
        det.budget = args.budget or det.budget
        print(f"{len(frames.files)} frames ({int(frames.y.sum())} {frames.positive}, "
              f"{int((frames.y == 0).sum())} normal) in {len(set(frames.groups))} groups")
        detection_campaign(frames, data, out, det, cache)
        print("\nframe classifier (the frame-level question), judged at 99% of its "
              "all-labels balanced accuracy:")
        cfg.target_share = 0.99
        cfg.seeds = args.seeds or det.seeds
        out = out / "frame_classifier"
    powerline_campaign(data, out, cfg, cache)
    wall = time.perf_counter() - start
    print(f"\ntotal: {wall:.0f} s wall ({wall / 60:.1f} min), "
          f"{time.process_time() - cpu:.0f} s CPU")
    return 0
