"""Write a simulation's run folder: curves (CSV + Parquet), ceilings, summary, plots.

>>> import tempfile, pathlib
>>> from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
>>> res = simulate(prepare(load_dataset("iris")), parse_arms("random"), SimConfig(budget=1),
...                seeds=[0])
>>> out = write_outputs(res, pathlib.Path(tempfile.mkdtemp()), "iris", [10])
>>> sorted(p.name for p in out)[:3]
['ceilings.csv', 'curves.csv', 'curves.parquet']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alwild.sim.plots import plot_curves
from alwild.sim.report import summary_table
from alwild.sim.runner import SimResult
from alwild.sim.stopping_rules import stop_summary

__all__ = ["write_outputs", "flat_summary"]


def flat_summary(summary: pd.DataFrame, keys: tuple[str, ...] = ("strategy",)) -> pd.DataFrame:
    """The summary with tuple cells split into plain columns (for CSV)."""
    out = {key: summary[key] for key in keys}
    for col in summary.columns[len(keys):]:
        parts = ("mean", "low", "high") if len(summary[col].iloc[0]) == 3 else ("median", "share")
        for i, part in enumerate(parts):
            out[f"{col}_{part}"] = summary[col].map(lambda cell, i=i: cell[i])
    return pd.DataFrame(out)


def write_outputs(result: SimResult, folder: Path, title: str, at: list[int]) -> list[Path]:
    """Write every output of ``result`` under ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "curves.csv", folder / "curves.parquet", folder / "ceilings.csv"]
    result.curves.to_csv(written[0], index=False)
    result.curves.to_parquet(written[1], index=False)
    result.ceilings.to_csv(written[2], index=False)
    for metric in result.config.metrics:
        summary = summary_table(result.curves, result.ceilings, metric, at)
        path = folder / f"summary_{metric}.csv"
        flat_summary(summary).to_csv(path, index=False)
        written.append(path)
        stops = stop_summary(result.curves, result.ceilings, metric)
        if not stops.empty:
            written.append(folder / f"stops_{metric}.csv")
            flat_summary(stops, keys=("strategy", "rule")).to_csv(written[-1], index=False)
        written.append(plot_curves(result.curves, metric, folder / f"curves_{metric}.png",
                                   f"{title}: {metric.replace('_', ' ')}",
                                   ceiling=result.ceilings[metric].to_numpy()))
    return written
