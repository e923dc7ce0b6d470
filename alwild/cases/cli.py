"""``alwild demo powerline``: argument handling for the power-line case."""

from __future__ import annotations

import argparse
from importlib.resources import files
from pathlib import Path

from alwild.cases.campaign import powerline_campaign
from alwild.cases.powerline import CaseConfig
from alwild.vision.cache import default_cache_dir

__all__ = ["run_powerline", "SHIPPED"]

SHIPPED = Path(str(files("alwild") / "data" / "insulators"))


def run_powerline(args: argparse.Namespace) -> int:
    """Run the case with the demo's arguments; the exit code."""
    data = Path(args.data) if args.data else SHIPPED
    if not (data / "manifest.csv").is_file():
        raise FileNotFoundError(
            f"{data} has no manifest.csv: pass --data with a folder laid out like the "
            "power-line set (manifest.csv with file,label,group; boxes.csv; images/)"
        )
    cfg = CaseConfig(batch=args.batch, backbone=args.backbone)
    if args.strategies:
        cfg.strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    cfg.seeds = args.seeds or cfg.seeds
    cfg.budget = args.budget or cfg.budget
    if not args.data:
        print(f"no --data given: using the shipped CC BY 4.0 insulator crops ({data}); "
              "for the 268-frame power-line set see docs/tutorials/powerline.md")
        cfg.seed_normal, cfg.seed_defect = 5, 5
        cfg.budget = args.budget or 55
    powerline_campaign(data, args.out, cfg, args.cache or default_cache_dir())
    return 0
