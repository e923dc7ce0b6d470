"""The labelling app's models on the demo workspace: time of the first training (with the
one-off backbone pass over the images) and of the retrains after it, and the held-out
figures: balanced accuracy beside the majority-class baseline for the classification
projects, AP@0.5 per class for the detection project, and how many suggestions it wrote.

Usage::

    PYTHONPATH=. python benchmarks/app_models.py [--retrains 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alwild.app.services.demo import build_demo  # noqa: E402
from alwild.app.services.summaries import progress  # noqa: E402
from alwild.app.services.training import train_project  # noqa: E402
from alwild.app.store.orm import Project, SuggestionRow  # noqa: E402


def _figures(ws) -> list[tuple[str, dict, int, float]]:
    with ws.session() as db:
        out = []
        for project in db.scalars(select(Project).order_by(Project.id)):
            prog = progress(db, project)
            n = db.scalar(select(func.count()).select_from(SuggestionRow).where(
                SuggestionRow.project_id == project.id))
            out.append((project.slug, prog["quality"], n, prog["models"][-1]["seconds"]))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrains", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ws, _ = build_demo(Path(tmp) / "ws")
        print(f"demo built and first models trained in {time.perf_counter() - start:.1f} s")
        for slug, quality, n_sugg, seconds in _figures(ws):
            print(f"{slug}: first training {seconds:.1f} s (for images: with the one-off "
                  "backbone pass)")
            if quality and quality["balanced_accuracy"] is not None:
                print(f"  balanced accuracy {quality['balanced_accuracy']:.3f} vs majority "
                      f"{quality['majority_balanced_accuracy']:.3f} (plain accuracy of the "
                      f"majority: {quality['majority_accuracy']:.3f})")
            if quality and quality["ap50"]:
                print("  AP@0.5 " + ", ".join(f"{c} {v:.3f}" for c, v in quality["ap50"].items()))
            print(f"  suggestions written: {n_sugg}")
        with ws.session() as db:
            ids = {p.slug: p.id for p in db.scalars(select(Project))}
        for slug, pid in ids.items():
            times = []
            for _ in range(args.retrains):
                t = time.perf_counter()
                train_project(ws, pid)
                times.append(time.perf_counter() - t)
            print(f"{slug}: retrain (cached features) median {statistics.median(times):.2f} s "
                  f"over {len(times)}, max {max(times):.2f} s")
        ws.dispose()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
