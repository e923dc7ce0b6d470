"""Stopping rules replayed in simulations: parsing, where they stop, the CLI table."""

import math

import numpy as np
import pandas as pd
import pytest

from alwild.cli import main
from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.arms import Arm
from alwild.sim.stopping_rules import parse_rules, stop_points, stop_summary


@pytest.mark.parametrize("spec,message", [
    ("psychic", "unknown stopping rule 'psychic'; choose one of stabilizing_predictions"),
    ("max_uncertainty:high", "is not a number"),
    ("max_uncertainty:1.5", "must lie in"),
    ("max_uncertainty,max_uncertainty:0.2", "listed twice"),
])
def test_bad_rules_are_explained(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_rules(spec)


def test_stop_points_and_summary_on_a_hand_made_curve():
    curves = pd.DataFrame({
        "strategy": ["a"] * 6, "seed": [0, 0, 0, 1, 1, 1], "labels": [10, 11, 12] * 2,
        "accuracy": [0.5, 0.7, 0.9, 0.6, 0.6, 0.8],
        "stop:max_uncertainty": [False, True, True, False, False, False],
    })
    points = stop_points(curves, "accuracy")
    assert points["labels"].tolist()[0] == 11 and math.isnan(points["labels"].tolist()[1])
    assert points["accuracy"].tolist() == [0.7, 0.8]  # a seed that never stops spends it all
    row = stop_summary(curves, pd.DataFrame({"seed": [0, 1], "accuracy": [1.0, 0.8]}),
                       "accuracy").iloc[0]
    assert row["labels"] == (math.inf, 0.5)  # median seed never stopped
    assert row["saved"][0] == pytest.approx(0.5)  # (12 - 11 + 0) / 2
    assert row["lost"][0] == pytest.approx(0.1)  # (0.9 - 0.7 + 0) / 2
    assert row["of_ceiling"][0] == pytest.approx((0.7 + 1.0) / 2)


def test_rules_ride_along_without_cutting_the_curve():
    data = prepare(load_dataset("breast_cancer"))
    arms = [*parse_arms("margin"), Arm("gp_index", "max_EI", kind="class_index_regressor")]
    config = SimConfig(model="logreg", budget=12, batch=2, metrics=("accuracy",),
                       stops=parse_rules("max_uncertainty:1.0,stabilizing_predictions:0.5"))
    result = simulate(data, arms, config, seeds=[0, 1])
    assert result.curves.groupby(["strategy", "seed"]).size().eq(7).all()
    points = stop_points(result.curves, "accuracy")
    assert set(points["strategy"]) == {"margin"}  # a class-index regressor is not judged
    by_rule = points.set_index("rule")["labels"]
    assert (by_rule["max_uncertainty"] == 10).all()  # no model is uncertain everywhere
    assert (by_rule["stabilizing_predictions"] >= 10 + 3 * 2).all()  # needs 3 comparisons


def test_simulate_cli_prints_and_writes_the_stopping_table(tmp_path, capsys):
    code = main(["simulate", "wine", "--model", "nb", "--strategies", "margin", "--seeds", "2",
                 "--budget", "6", "--jobs", "1", "--quiet", "--out", str(tmp_path),
                 "--stop", "stabilizing_predictions:0.9"])
    io = capsys.readouterr()
    assert code == 0, io.err
    assert "Stopping rules: where each would have stopped" in io.out
    table = pd.read_csv(tmp_path / "stops_accuracy.csv")
    assert table["rule"].unique().tolist() == ["stabilizing_predictions"]
    assert set(table["strategy"]) == {"margin", "random"}
    assert np.isfinite(table["metric_mean"]).all()
    code = main(["simulate", "wine", "--stop", "nope", "--quiet"])
    assert code == 2 and "unknown stopping rule 'nope'" in capsys.readouterr().err
    code = main(["simulate", "wine", "--model", "sklearn.linear_model.RidgeClassifier",
                 "--stop", "max_uncertainty", "--quiet"])
    assert code == 2 and "has no predict_proba" in capsys.readouterr().err
    code = main(["simulate", "drift", "--scenario", "stream", "--stop", "max_uncertainty"])
    assert code == 2 and "pool-based runs" in capsys.readouterr().err
