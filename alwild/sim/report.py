"""Summaries of learning curves: means with 95% CIs, labels to reach a share of the
full-data ceiling, area under the learning curve, and savings versus random.

All CIs are Student-t intervals over seeds (paired over seeds for savings, since every arm
of a seed starts from the same labelled rows and split).

>>> import pandas as pd
>>> curves = pd.DataFrame({"strategy": ["a"] * 4, "seed": [0, 0, 1, 1], "labels": [1, 2] * 2,
...                        "accuracy": [0.5, 0.9, 0.6, 0.8]})
>>> mean_ci(curves, "accuracy").round(3).to_dict("records")[1]["mean"]
0.85
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["t_interval", "mean_ci", "labels_to_reach", "median_labels", "aulc", "savings",
           "filled_labels", "summary_table"]


def t_interval(values) -> tuple[float, float, float]:
    """``(mean, low, high)`` of a 95% Student-t interval (NaNs ignored).

    >>> [round(v, 3) for v in t_interval([1.0, 2.0, 3.0])]
    [2.0, -0.484, 4.484]
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(v.mean())
    if v.size == 1:
        return (mean, mean, mean)
    half = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return (mean, mean - half, mean + half)


def mean_ci(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean curve with 95% CI bounds: columns strategy, labels, mean, low, high, n."""
    out = []
    for (strategy, labels), group in curves.groupby(["strategy", "labels"], sort=False):
        mean, low, high = t_interval(group[metric])
        out.append({"strategy": strategy, "labels": labels, "mean": mean, "low": low,
                    "high": high, "n": len(group)})
    return pd.DataFrame(out)


def labels_to_reach(curves: pd.DataFrame, ceilings: pd.DataFrame, metric: str,
                    share: float) -> pd.DataFrame:
    """Per strategy and seed, the first label count where ``metric`` ≥ share × that seed's
    ceiling (NaN where the budget never got there)."""
    target = ceilings.set_index("seed")[metric] * share
    hit = curves[metric].to_numpy() >= target.reindex(curves["seed"]).to_numpy() - 1e-12
    reached = curves[hit].groupby(["strategy", "seed"], sort=False)["labels"].min()
    every = curves.groupby(["strategy", "seed"], sort=False)["labels"].max()
    return reached.reindex(every.index).rename("labels").reset_index()


def median_labels(values) -> float:
    """Median labels-to-target over seeds, counting a seed that never got there (NaN) as
    needing more than any budget; ``inf`` when the median seed never got there.

    >>> median_labels([10.0, 20.0, float("nan")]), median_labels([10.0, float("nan")])
    (20.0, inf)
    """
    v = np.asarray(values, dtype=float)
    return float(np.median(np.where(np.isnan(v), np.inf, v)))


def aulc(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per strategy and seed, the normalised area under the learning curve (mean height)."""
    def area(group: pd.DataFrame) -> float:
        x, h = group["labels"].to_numpy(float), group[metric].to_numpy(float)
        return float(h[0]) if x.size == 1 else float(np.trapezoid(h, x) / (x[-1] - x[0]))

    rows = [{"strategy": s, "seed": seed, "aulc": area(g.sort_values("labels"))}
            for (s, seed), g in curves.groupby(["strategy", "seed"], sort=False)]
    return pd.DataFrame(rows)


def filled_labels(reach: pd.DataFrame, curves: pd.DataFrame) -> pd.Series:
    """Labels to the target per (strategy, seed), a seed that never got there counted as
    needing one label more than its last label count (so what is computed from it is a
    bound).

    >>> curves = pd.DataFrame({"strategy": ["a", "a", "b", "b"], "seed": 0,
    ...                        "labels": [10, 20, 10, 20]})
    >>> reach = pd.DataFrame({"strategy": ["a", "b"], "seed": 0, "labels": [20.0, None]})
    >>> filled_labels(reach, curves).tolist()
    [20.0, 21.0]
    """
    last = curves.groupby(["strategy", "seed"], sort=False)["labels"].max() + 1
    filled = reach.set_index(["strategy", "seed"])["labels"]
    return filled.fillna(last.reindex(filled.index))


def savings(reach: pd.DataFrame, curves: pd.DataFrame, baseline: str = "random") -> pd.DataFrame:
    """Labels saved per strategy versus ``baseline``, paired over seeds, with a 95% CI.

    A seed that never reaches the target within the budget is counted as needing one label
    more than its last label count, so savings involving it are a bound; ``reached`` gives
    the share of seeds that really got there.
    """
    filled = filled_labels(reach, curves)
    if baseline not in filled.index.get_level_values(0):
        return pd.DataFrame(columns=["strategy", "saved", "low", "high", "reached"])
    base = filled.xs(baseline)
    rows = []
    for strategy in filled.index.get_level_values(0).unique():
        if strategy == baseline:
            continue
        mine = filled.xs(strategy)
        diff = (base - mine.reindex(base.index)).dropna()
        mean, low, high = t_interval(diff)
        reached = reach[reach["strategy"] == strategy]["labels"].notna().mean()
        rows.append({"strategy": strategy, "saved": mean, "low": low, "high": high,
                     "reached": float(reached)})
    return pd.DataFrame(rows)


def summary_table(curves: pd.DataFrame, ceilings: pd.DataFrame, metric: str,
                  at: list[int]) -> pd.DataFrame:
    """One row per strategy: mean [95% CI] of ``metric`` at the label counts ``at``, the
    labels to reach 95% and 98% of the ceiling (median over seeds, share reached), and AULC."""
    curve = mean_ci(curves, metric)
    area = aulc(curves, metric)
    reach = {share: labels_to_reach(curves, ceilings, metric, share) for share in (0.95, 0.98)}
    rows = []
    for strategy in curves["strategy"].unique():
        row = {"strategy": strategy}
        mine = curve[curve["strategy"] == strategy].set_index("labels")
        for n in at:
            row[f"@{n}"] = tuple(mine.loc[n, ["mean", "low", "high"]]) if n in mine.index \
                else (np.nan,) * 3
        for share, table in reach.items():
            vals = table[table["strategy"] == strategy]["labels"]
            row[f"to{round(share * 100)}%"] = (median_labels(vals), float(vals.notna().mean()))
        row["aulc"] = t_interval(area[area["strategy"] == strategy]["aulc"])
        rows.append(row)
    return pd.DataFrame(rows)
