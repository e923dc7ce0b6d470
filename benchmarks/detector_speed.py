"""BoxDetector speed on the power-line frames: fit, warm refit, detect and score.

    PYTHONPATH=. python benchmarks/detector_speed.py --data ../shared/data/powerline
    PYTHONPATH=. python benchmarks/detector_speed.py --width 32 --members 2 --average none

1. Fit on 100 labelled frames at 320 px, cold (a fresh feature cache: every frame and
   its mirror image encoded by the backbone) and again with the maps cached.
   Target: <= 60 s.
2. Warm-started refit after 15 more frames (``warm_start=True``). Target: <= 20 s.
3. Detect and score 1,000 frames with cached maps (the 268 frames repeated), with
   ``max_box_entropy`` and with ``mc_disagreement`` (8 MC draws). Target: <= 30 s.

Prints wall-clock and CPU seconds (the process's), and the load average: on a shared
machine the CPU seconds are the figure that does not depend on the neighbours.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from alwild.cases.detection import frame_truth
from alwild.cases.powerline import load_frames
from alwild.models.box_detector import BoxDetector
from alwild.models.detection_strategies import select_frames

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def timed(label: str, target: float | None = None):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    goal = f" (target <= {target:.0f} s)" if target else ""
    print(f"{label:<58} {wall:7.1f} s wall {cpu:7.1f} s CPU{goal}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "powerline"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--width", type=int, default=None, help="BoxDetector width")
    parser.add_argument("--members", type=int, default=None, help="BoxDetector members")
    parser.add_argument("--average", default=None, help="BoxDetector average")
    parser.add_argument("--image-size", type=int, default=None, help="BoxDetector image_size")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    frames = load_frames(args.data)
    classes = ["insulator", "defect"]
    truth = frame_truth(frames, classes)
    order = np.random.default_rng(0).permutation(len(frames.files))
    first, more = order[:100], order[100:115]
    settings = {k: v for k, v in (("width", args.width), ("members", args.members),
                                  ("average", args.average),
                                  ("image_size", args.image_size)) if v is not None}

    def data(idx):
        return ([frames.files[i] for i in idx], [truth[i][0] for i in idx],
                [[classes[c] for c in truth[i][1]] for i in idx])

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, "
          f"torch threads {args.threads}, settings {settings or 'the defaults'}")
    with tempfile.TemporaryDirectory() as cache:
        with timed("fit, 100 frames, cold cache (encode 200 images)", 60):
            BoxDetector(classes, cache_dir=cache, **settings).fit(*data(first))
        det = BoxDetector(classes, cache_dir=cache, warm_start=True, **settings)
        with timed("fit, 100 frames, cached maps", 60):
            det.fit(*data(first))
        with timed("warm refit, 115 frames (15 new, encoded)", 20):
            det.fit(*data(np.concatenate([first, more])))
        pool = [frames.files[i % len(frames.files)] for i in range(1000)]
        det.detect(frames.files)  # every frame's maps in the cache
        for name in ("max_box_entropy", "mc_disagreement"):
            with timed(f"detect + score 1,000 cached frames, {name}", 30):
                picks = select_frames(name, det, pool, 10, random_state=0)
        assert len(picks) == 10


if __name__ == "__main__":
    main()
