"""Learning-curve plots: the mean over seeds with a 95% confidence band per strategy.

>>> import pandas as pd, tempfile, pathlib
>>> curves = pd.DataFrame({"strategy": ["a"] * 4, "seed": [0, 0, 1, 1], "labels": [1, 2] * 2,
...                        "accuracy": [0.5, 0.9, 0.6, 0.8]})
>>> out = pathlib.Path(tempfile.mkdtemp()) / "c.png"
>>> plot_curves(curves, "accuracy", out, "toy").exists()
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from alwild.sim.report import mean_ci, t_interval  # noqa: E402

__all__ = ["plot_curves", "save_figure"]


def plot_curves(curves: pd.DataFrame, metric: str, path: Path, title: str,
                ceiling: Sequence[float] | None = None,
                marks: dict[str, list[tuple[int, float]]] | None = None) -> Path:
    """Save a PNG of mean curves with 95% CI bands (clipped to 0–100%); optionally the
    ceiling's CI as a grey band and ``marks``: per strategy, points ``(labels, value)`` drawn
    as crosses in that strategy's colour (e.g. a study's single-run numbers)."""
    fig, ax = plt.subplots(figsize=(9.5, 4.8), dpi=120)
    table = mean_ci(curves, metric)
    colours = {}
    for strategy in curves["strategy"].unique():
        mine = table[table["strategy"] == strategy]
        (line,) = ax.plot(mine["labels"], mine["mean"] * 100, label=strategy, lw=1.8)
        colours[strategy] = line.get_color()
        ax.fill_between(mine["labels"], mine["low"].clip(0, 1) * 100,
                        mine["high"].clip(0, 1) * 100, color=line.get_color(), alpha=0.18,
                        lw=0)
    if ceiling is not None and len(ceiling):
        mean, low, high = t_interval(ceiling)
        ax.axhspan(low * 100, high * 100, color="grey", alpha=0.2)
        ax.axhline(mean * 100, color="grey", ls="--", lw=1, label="all pool labels (ceiling)")
    for strategy, points in (marks or {}).items():
        xs, ys = zip(*points, strict=True)
        ax.scatter(xs, [y * 100 for y in ys], marker="X", s=70, zorder=5, edgecolors="black",
                   linewidths=0.6, color=colours.get(strategy, "black"),
                   label=f"study (one run): {strategy}")
    n_seeds = curves["seed"].nunique()
    ax.set_xlabel("labels (starting rows + queries)")
    ax.set_ylabel(f"{metric.replace('_', ' ')} (%)")
    ax.set_title(f"{title}\nmean of {n_seeds} seeds, band = 95% CI", fontsize=10)
    ax.grid(alpha=0.3)
    ax.set_ylim(top=min(ax.get_ylim()[1], 101))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return save_figure(fig, path)


def save_figure(fig, path: Path) -> Path:
    """Lay out ``fig``, save it as ``path`` (creating its folder), close it."""
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
