"""The whole power-line case from a data folder: embed, simulate, report, export.

Used by ``alwild demo powerline`` and ``benchmarks/powerline.py``. Writes into
``out_dir``: ``curves.csv``, ``summary.csv``, ``learning_curve.png``,
``round1_contact_sheet.png`` and the expert boxes collected by the best strategy on the
first seed as YOLO txt files and COCO json (``expert_boxes/``).
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

import pandas as pd

from alwild.cases.powerline import (
    CaseConfig,
    embed_frames,
    load_frames,
    resolve_backbone,
    run_case,
)
from alwild.cases.report import plot_learning_curves, savings_table
from alwild.export.tables import write_coco, write_yolo
from alwild.vision.contact_sheet import contact_sheet
from alwild.vision.io import image_sizes

__all__ = ["powerline_campaign", "format_summary", "export_boxes"]


def export_boxes(boxes: pd.DataFrame, files, classes, folder: Path) -> None:
    """The boxes of ``files`` as YOLO txt files and ``coco.json`` in ``folder``."""
    sizes = image_sizes(sorted(files))
    write_yolo(boxes, sizes, classes, folder)
    write_coco(boxes, sizes, classes, folder / "coco.json")


def format_summary(summary: pd.DataFrame, full_ba: float, target_share: float) -> str:
    """The comparison as a text table."""
    lines = [f"{'strategy':<16}{'labels to target':>18}{'95% CI':>16}{'reached':>9}"
             f"{'saving vs random':>18}{'95% CI':>18}{'BA at budget':>14}"]
    for r in summary.itertuples():
        saving = getattr(r, "saving", float("nan"))
        lines.append(
            f"{r.strategy:<16}{r.labels_mean:>18.1f}"
            f"{f'[{r.labels_ci_low:.1f}, {r.labels_ci_high:.1f}]':>16}{r.reached:>9}"
            f"{saving:>17.1%} {f'[{r.saving_ci_low:.1%}, {r.saving_ci_high:.1%}]':>18}"
            f"{r.final_ba:>14.3f}"
        )
    lines.append(f"target = {target_share:.0%} of the full-data balanced accuracy "
                 f"(mean full-data BA {full_ba:.3f})")
    return "\n".join(lines)


def powerline_campaign(
    data_dir: str | PathLike, out_dir: str | PathLike, cfg: CaseConfig,
    cache_dir: str | PathLike | None, echo: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Run the case on ``data_dir`` and write every artefact to ``out_dir``; the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = load_frames(data_dir)
    echo(f"{len(frames.files)} frames ({int(frames.y.sum())} {frames.positive}, "
         f"{int((frames.y == 0).sum())} normal) in {len(set(frames.groups))} groups")
    backbone = resolve_backbone(cfg.backbone)
    frames, emb = embed_frames(frames, cache_dir, backbone)
    skipped = f", {len(emb.skipped)} unreadable skipped" if emb.skipped else ""
    if backbone == "cnn":
        echo(f"pixels for the small CNN trained from scratch: {emb.seconds:.2f} s{skipped}")
    else:
        echo(f"EfficientNet-Lite0 embeddings: {emb.seconds:.2f} s ({emb.n_cached} of "
             f"{emb.ok.size} from the cache{skipped})")

    def progress(seed: int, name: str, ba: float) -> None:
        echo(f"  seed {seed:>2} {name:<16} balanced accuracy at budget {ba:.3f}")

    result = run_case(frames, emb.embeddings, cfg, progress)
    full_ba = float(result.full["full_ba"].mean())
    summary = savings_table(result.curves)
    echo(f"\n{cfg.seeds} seeds, seed set {cfg.seed_normal} normal + {cfg.seed_defect} "
         f"{frames.positive}, batches of {cfg.batch}, budget {cfg.budget} labels "
         f"({result.seconds:.0f} s)")
    echo(format_summary(summary, full_ba, cfg.target_share))
    result.curves.to_csv(out / "curves.csv", index=False)
    result.full.to_csv(out / "full_data.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    plot = plot_learning_curves(
        result.curves, full_ba, cfg.target_share, out / "learning_curve.png",
        f"{Path(data_dir).name}: {cfg.seeds} seeds, group-aware splits")
    rows = {name: [(frames.files[i], frames.positive if frames.y[i] else "normal") for i in picks]
            for name, picks in result.first_picks.items()}
    sheet = contact_sheet(rows, out / "round1_contact_sheet.png",
                          title="Frames each strategy asked about in round 1 (seed 0)")
    best = summary.loc[summary["strategy"] != "random", "strategy"].iloc[0]
    boxes = result.experts[best].collected_boxes()
    if len(boxes):
        listed = Path(data_dir) / "classes.txt"
        classes = (listed.read_text().split() if listed.is_file()
                   else sorted(frames.boxes["class"].unique()))
        answered = {frames.files[i] for i in result.experts[best].answered}
        export_boxes(boxes, answered, classes, out / "expert_boxes")
        echo(f"expert boxes from {best} (seed 0): {len(boxes)} boxes on {len(answered)} frames "
             f"-> {out / 'expert_boxes'} (YOLO txt + coco.json)")
    echo(f"wrote {plot}, {sheet}, {out / 'summary.csv'}")
    return summary
