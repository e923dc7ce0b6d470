"""Summaries of a case run: labels to reach the target, savings versus random, plots.

>>> import pandas as pd
>>> curves = pd.DataFrame({"seed": [0, 0, 0], "strategy": "a", "labels": [15, 25, 35],
...                        "ba": [0.6, 0.9, 0.95], "target": 0.9})
>>> labels_to_target(curves).labels_to_target.tolist()
[25.0]
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["labels_to_target", "savings_table", "plot_learning_curves"]


def labels_to_target(curves: pd.DataFrame, metric: str = "ba") -> pd.DataFrame:
    """Per seed and strategy: the fewest labels whose ``metric`` (default balanced
    accuracy) reached the target.

    Runs that never reach it get NaN in ``labels_to_target`` and ``reached = False``.
    """
    hit = curves[curves[metric] >= curves["target"]]
    first = hit.groupby(["seed", "strategy"])["labels"].min()
    runs = curves.groupby(["seed", "strategy"])["labels"].max().rename("max_labels")
    out = runs.to_frame().join(first.rename("labels_to_target"))
    out["labels_to_target"] = out["labels_to_target"].astype(float)
    out["reached"] = out["labels_to_target"].notna()
    return out.reset_index()


def _bootstrap_ci(values: np.ndarray, stat, n_boot: int, rng) -> tuple[float, float]:
    idx = rng.integers(0, values.shape[0], size=(n_boot, values.shape[0]))
    boots = np.array([stat(values[i]) for i in idx])
    return float(np.nanpercentile(boots, 2.5)), float(np.nanpercentile(boots, 97.5))


def savings_table(
    curves: pd.DataFrame, baseline: str = "random", n_boot: int = 2000, seed: int = 0,
    metric: str = "ba",
) -> pd.DataFrame:
    """Mean labels to target per strategy and the saving versus ``baseline``, with 95% CIs.

    A run that never reached the target counts with its final label count (a lower
    bound, so an unreached run is never flattered). The saving is
    ``1 - mean(labels_strategy) / mean(labels_baseline)`` over the same seeds, and
    ``saving_median`` the median over seeds of each seed's ``1 - labels / baseline's``;
    their CIs come from a paired bootstrap over seeds. ``final_ba`` is the mean
    ``metric`` at the end of the runs.
    """
    ltt = labels_to_target(curves, metric)
    ltt["labels"] = ltt["labels_to_target"].fillna(ltt["max_labels"])
    wide = ltt.pivot(index="seed", columns="strategy", values="labels")
    reached = ltt.pivot(index="seed", columns="strategy", values="reached")
    final = curves.loc[curves.groupby(["seed", "strategy"])["labels"].idxmax()]
    final_ba = final.groupby("strategy")[metric].mean()
    rng = np.random.default_rng(seed)
    rows = []
    for name in wide.columns:
        values = wide[name].to_numpy(dtype=float)
        lo, hi = _bootstrap_ci(values, np.mean, n_boot, rng)
        row = {"strategy": name, "labels_mean": values.mean(), "labels_ci_low": lo,
               "labels_ci_high": hi, "reached": f"{int(reached[name].sum())}/{len(values)}",
               "final_ba": final_ba[name]}
        if baseline in wide.columns:
            pair = np.column_stack([values, wide[baseline].to_numpy(dtype=float)])
            saving = lambda p: 1.0 - p[:, 0].mean() / p[:, 1].mean()  # noqa: E731
            row["saving"] = saving(pair)
            row["saving_ci_low"], row["saving_ci_high"] = _bootstrap_ci(pair, saving, n_boot, rng)
            per_seed = lambda p: np.median(1.0 - p[:, 0] / p[:, 1])  # noqa: E731
            row["saving_median"] = per_seed(pair)
            row["saving_median_ci_low"], row["saving_median_ci_high"] = _bootstrap_ci(
                pair, per_seed, n_boot, rng)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("labels_mean").reset_index(drop=True)


def plot_learning_curves(
    curves: pd.DataFrame, full_ba: float, target_share: float, path: str | PathLike,
    title: str = "", metric: str = "ba", ylabel: str = "balanced accuracy on held-out groups",
) -> Path:
    """Mean ``metric`` per label count (band: 95% CI over seeds), target marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    stats = curves.groupby(["strategy", "labels"])[metric].agg(["mean", "std", "count"])
    for name, g in stats.groupby(level=0):
        x = g.index.get_level_values("labels")
        half = 1.96 * g["std"].fillna(0) / np.sqrt(g["count"])
        style = {"color": "black", "linestyle": "--"} if name == "random" else {}
        (line,) = ax.plot(x, g["mean"], marker="o", markersize=3, label=name, **style)
        ax.fill_between(x, g["mean"] - half, g["mean"] + half, alpha=0.12,
                        color=line.get_color())
    ax.axhline(full_ba, color="grey", linewidth=1)
    ax.axhline(target_share * full_ba, color="red", linewidth=1, linestyle=":")
    ax.text(curves["labels"].min(), full_ba, " all training labels", va="bottom", fontsize=8)
    ax.text(curves["labels"].min(), target_share * full_ba,
            f" target: {target_share:.0%} of that", va="top", fontsize=8, color="red")
    ax.set_xlabel("labelled frames")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
