"""Stopping rules replayed in a simulation: where would each rule have stopped, and what
would the model have been worth there?

A rule is a label-free criterion of :mod:`alwild.stopping`, named as
``"name"`` or ``"name:threshold"`` (``--stop stabilizing_predictions:0.98``). Each run
builds its rules on a fixed stop set (the rows that were unlabelled at the start) and asks
them after every round; the run itself goes on to the end of the budget, so one simulation
shows both the whole curve and where each rule would have cut it.

>>> parse_rules("max_uncertainty:0.2,stabilizing_predictions")
(('max_uncertainty', 0.2), ('stabilizing_predictions', 0.99))
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alwild.errors import UserValueError
from alwild.sim.report import median_labels, t_interval
from alwild.stopping import MaxUncertainty, StabilizingPredictions, StoppingCriterion

__all__ = ["STOP_RULES", "parse_rules", "check_rules", "build_rules", "rule_column",
           "stop_points", "stop_summary"]

STOP_RULES = {
    "stabilizing_predictions": (StabilizingPredictions, 0.99,
                                "mean kappa between consecutive models' predictions"),
    "max_uncertainty": (MaxUncertainty, 0.1,
                        "highest least-confident uncertainty on the stop set"),
}
_NEEDS_PROBABILITIES = ("max_uncertainty",)


def check_rules(rules: tuple[tuple[str, float], ...], estimator: Any, model: str) -> None:
    """Raise before any run if a rule needs class probabilities that ``estimator`` lacks."""
    needy = [name for name, _ in rules if name in _NEEDS_PROBABILITIES]
    if needy and not hasattr(estimator, "predict_proba"):
        raise UserValueError(
            f"--stop {needy[0]} needs class probabilities, and the model {model!r} has no "
            "predict_proba: use --stop stabilizing_predictions, or a probabilistic model"
        )


def parse_rules(spec: str) -> tuple[tuple[str, float], ...]:
    """``(name, threshold)`` pairs from ``"name[:threshold],..."``; errors list the rules."""
    rules = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, value = part.partition(":")
        if name not in STOP_RULES:
            raise UserValueError(f"unknown stopping rule {name!r}; choose one of "
                             f"{', '.join(STOP_RULES)} (optionally name:threshold)")
        try:
            threshold = float(value) if value else STOP_RULES[name][1]
        except ValueError:
            raise UserValueError(f"the threshold of {part!r} is not a number: write "
                             f"{name}:0.95, say") from None
        if not 0.0 < threshold <= 1.0:
            raise UserValueError(f"the threshold of {part!r} must lie in (0, 1]")
        rules.append((name, threshold))
    if len({name for name, _ in rules}) != len(rules):
        raise UserValueError(f"a stopping rule is listed twice in {spec!r}")
    return tuple(rules)


def rule_column(name: str) -> str:
    """The curves column that holds a rule's decision at each label count."""
    return f"stop:{name}"


def build_rules(rules: tuple[tuple[str, float], ...],
                X_stop: np.ndarray) -> dict[str, StoppingCriterion]:
    """Fresh criteria for one run, on the stop set ``X_stop``."""
    return {name: STOP_RULES[name][0](X_stop, threshold=threshold) for name, threshold in rules}


def stop_points(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per strategy, rule and seed: the first label count at which the rule said stop (NaN
    if it never did) and ``metric`` there (at the end of the budget if it never did)."""
    rows = []
    for column in (c for c in curves.columns if c.startswith("stop:")):
        for (strategy, seed), run in curves.groupby(["strategy", "seed"], sort=False):
            if run[column].isna().all():  # an arm the rule cannot judge (a regressor)
                continue
            run = run.sort_values("labels")
            fired = run[run[column].fillna(False).astype(bool)]
            at = fired.iloc[0] if len(fired) else run.iloc[-1]
            rows.append({"strategy": strategy, "rule": column[len("stop:"):], "seed": seed,
                         "labels": at["labels"] if len(fired) else np.nan,
                         "budget_labels": run["labels"].iloc[-1], metric: at[metric],
                         "final": run[metric].iloc[-1]})
    return pd.DataFrame(rows)


def stop_summary(curves: pd.DataFrame, ceilings: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per strategy and rule: labels at the stop (median seed, share of seeds that
    stopped), ``metric`` there and its share of the ceiling (mean, 95% CI), the labels it
    saves against spending the whole budget, and what that costs in ``metric``."""
    points = stop_points(curves, metric)
    if points.empty:
        return points
    ceiling = ceilings.set_index("seed")[metric]
    rows = []
    for (strategy, rule), group in points.groupby(["strategy", "rule"], sort=False):
        stopped_at = group["labels"].fillna(group["budget_labels"])
        rows.append({
            "strategy": strategy, "rule": rule,
            "labels": (median_labels(group["labels"]), float(group["labels"].notna().mean())),
            "metric": t_interval(group[metric]),
            "of_ceiling": t_interval(group[metric] / ceiling.reindex(group["seed"]).to_numpy()),
            "saved": t_interval(group["budget_labels"] - stopped_at),
            "lost": t_interval(group["final"] - group[metric]),
        })
    return pd.DataFrame(rows)
