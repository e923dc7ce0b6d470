"""Rich tables and a progress bar for simulation results (the terminal edge).

>>> from rich.console import Console
>>> import pandas as pd
>>> t = savings_table(pd.DataFrame([{"strategy": "entropy", "saved": 12.0, "low": 8.0,
...                                   "high": 16.0, "reached": 1.0}]), 30.0, 0.5, 0.98)
>>> t.row_count
1
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import pandas as pd
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["summary_rich", "savings_table", "stops_table", "progress_bar", "fmt_ci"]


def fmt_ci(triple, scale: float = 100.0, digits: int = 1) -> str:
    """``mean ± half-width`` of a ``(mean, low, high)`` triple (a symmetric t interval).

    >>> fmt_ci((0.5, 0.4, 0.6))
    '50.0 ± 10.0'
    """
    mean, low, high = (v * scale for v in triple)
    if math.isnan(mean):
        return "–"
    return f"{mean:.{digits}f} ± {(high - low) / 2:.{digits}f}"


def _reach(cell) -> str:
    median, share = cell
    shown = ">budget" if math.isinf(median) else f"{median:g}"
    return f"{shown} ({share:.0%})"


def summary_rich(summary: pd.DataFrame, metric: str, title: str) -> Table:
    """The summary of :func:`alwild.sim.report.summary_table` as a rich table."""
    table = Table(title=title, title_justify="left",
                  caption=f"{metric} % (mean ± 95% CI) at label counts; labels to reach 95% / "
                          "98% of the ceiling (median seed, share of seeds that got there); "
                          "AULC = mean height of the curve", caption_justify="left")
    table.add_column("strategy", style="bold")
    at_cols = [c for c in summary.columns if c.startswith("@")]
    for col in at_cols:
        table.add_column(f"{col[1:]} labels", justify="right")
    table.add_column("to 95%", justify="right")
    table.add_column("to 98%", justify="right")
    table.add_column("AULC", justify="right")
    for _, row in summary.iterrows():
        table.add_row(row["strategy"], *(fmt_ci(row[c]) for c in at_cols),
                      _reach(row["to95%"]), _reach(row["to98%"]), fmt_ci(row["aulc"]))
    return table


def savings_table(saved: pd.DataFrame, seconds_per_label: float, cost_per_label: float,
                  share: float) -> Table:
    """Labels, hours and money saved versus random, each with its 95% CI."""
    table = Table(title=f"Saved versus random, to reach {share:.0%} of the full-data ceiling "
                        "(paired over seeds, 95% CI)", title_justify="left")
    for col in ("strategy", "labels saved", "hours saved", "money saved", "seeds reaching"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for _, r in saved.iterrows():
        trio = (r["saved"], r["low"], r["high"])
        hours = tuple(v * seconds_per_label / 3600 for v in trio)
        money = tuple(v * cost_per_label for v in trio)
        table.add_row(r["strategy"], fmt_ci(trio, 1, 1), fmt_ci(hours, 1, 2),
                      fmt_ci(money, 1, 2), f"{r['reached']:.0%}")
    return table


def stops_table(summary: pd.DataFrame, metric: str) -> Table:
    """Where each stopping rule would have stopped (see
    :func:`alwild.sim.stopping_rules.stop_summary`)."""
    table = Table(title="Stopping rules: where each would have stopped (95% CI over seeds)",
                  title_justify="left",
                  caption=f"labels: median seed (share of seeds that stopped within the "
                          f"budget); {metric} % at the stop and as a share of the ceiling; "
                          f"labels saved and {metric} points lost against spending the whole "
                          "budget", caption_justify="left")
    for col in ("strategy", "rule", "labels", f"{metric} %", "of ceiling %", "labels saved",
                "points lost"):
        table.add_column(col, justify="left" if col in ("strategy", "rule") else "right")
    for _, r in summary.iterrows():
        table.add_row(r["strategy"], r["rule"], _reach(r["labels"]), fmt_ci(r["metric"]),
                      fmt_ci(r["of_ceiling"]), fmt_ci(r["saved"], 1, 1), fmt_ci(r["lost"]))
    return table


@contextlib.contextmanager
def progress_bar(total: int, label: str, enabled: bool = True) -> Iterator:
    """A rich progress bar; yields a function that advances it by one run."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, disable=not enabled, transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)
