"""The stream, synthesis and imbalance scenarios, as library functions and from the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from alwild.cli import main
from alwild.sim import SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.config import SimData
from alwild.sim.imbalance_scenario import labels_until_minority, make_imbalanced
from alwild.sim.scenarios import SCENARIOS, prepare_for
from alwild.sim.stream_scenario import drifting_stream, run_stream, stream_summary
from alwild.sim.synthesis_scenario import run_synthesis

DIGITS = prepare(load_dataset("digits"))


def test_make_imbalanced_cuts_the_rarest_class_to_the_share():
    data, minority = make_imbalanced(DIGITS, share=0.03)
    counts = np.bincount(data.y)
    assert counts[minority] == pytest.approx(0.03 * len(data.y), abs=1)
    others = np.delete(counts, minority)
    np.testing.assert_array_equal(others, np.delete(np.bincount(DIGITS.y), minority))
    again, _ = make_imbalanced(DIGITS, share=0.03)
    np.testing.assert_array_equal(again.X, data.X)  # the same table for every arm and seed
    with pytest.raises(ValueError, match="minority share"):
        make_imbalanced(DIGITS, share=0.7)


def test_imbalance_scenario_tracks_rare_rows_as_an_independent_count():
    data = prepare_for("imbalance", prepare(load_dataset("breast_cancer")))
    minority = int(np.argmin(np.bincount(data.y)))
    config = SimConfig(model="logreg", init=10, budget=30, batch=10, scenario="imbalance",
                       metrics=("accuracy", "balanced_accuracy"))
    result = simulate(data, parse_arms("class_quota,random"), config, seeds=[0, 1])
    curves = result.curves
    for (_, _), run in curves.groupby(["strategy", "seed"]):
        found = run.sort_values("labels")["minority_found"].to_numpy()
        assert np.all(np.diff(found) >= 0) and found[-1] <= np.sum(data.y == minority)
        assert run["minority_recall"].between(0, 1).all()
    reach = labels_until_minority(curves, 1)
    for _, row in reach.iterrows():
        run = curves[(curves["strategy"] == row["strategy"]) & (curves["seed"] == row["seed"])]
        hit = run[run["minority_found"] >= 1]["labels"]
        assert (np.isnan(row["labels"]) and hit.empty) or row["labels"] == hit.min()
    assert "imbalance" in SCENARIOS


def test_drifting_stream_changes_concept():
    X, y = drifting_stream(3000, seed=1, noise=0.0)
    first = LogisticRegression().fit(X[:1000], y[:1000])
    assert first.score(X[:1000], y[:1000]) > 0.95
    assert first.score(X[2000:], y[2000:]) < 0.8


def test_stream_scenario_never_spends_more_than_the_share():
    X, y = drifting_stream(500, seed=2)
    frame = run_stream(X, y, ("variable_uncertainty", "random", "periodic"), seeds=[0],
                       share=0.1, estimator=GaussianNB(), window=100, checkpoint=25)
    assert (frame["labels"] <= frame["allowed"] + 1e-9).all()
    assert frame["rolling_accuracy"].between(0, 1).all()
    summary = stream_summary(frame)
    assert set(summary["policy"]) == {"variable_uncertainty", "random", "periodic"}
    assert (summary["share_used"] <= 0.1 + 1e-9).all() and (summary["share_used"] > 0.05).all()


def test_synthesis_scenario_counts_synthetic_labels_only_for_synthesis():
    frame = run_synthesis("linear", seeds=[0], budget=6, batch=2, init=4, n_pool=80)
    last = frame.sort_values("labels").groupby("arm").tail(1).set_index("arm")
    assert last.loc["synthesis", "synthetic"] == 6
    assert last.loc["pool", "synthetic"] == 0 == last.loc["random", "synthetic"]
    start = frame[frame["labels"] == 4]["accuracy"]
    assert start.nunique() == 1  # every arm starts from the same rows


def test_cli_stream_and_synthesis_write_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "stream"
    assert main(["simulate", "drift", "--scenario", "stream", "--seeds", "1",
                 "--stream-length", "200", "--policies", "variable_uncertainty,random",
                 "--out", str(out)]) == 0
    assert (out / "stream.png").stat().st_size > 0
    frame = pd.read_csv(out / "stream.csv")
    assert set(frame["policy"]) == {"variable_uncertainty", "random"}
    out2 = tmp_path / "synth"
    assert main(["simulate", "linear", "--scenario", "synthesis", "--seeds", "1", "--budget",
                 "4", "--batch", "2", "--init", "4", "--out", str(out2)]) == 0
    assert (out2 / "synthesis.png").exists()
    assert "synthesis" in capsys.readouterr().out


def test_cli_imbalance_prints_the_rare_class_table(tmp_path, capsys):
    code = main(["simulate", "breast_cancer", "--scenario", "imbalance", "--strategies",
                 "class_quota,random", "--model", "logreg", "--budget", "10", "--batch", "5",
                 "--seeds", "2", "--jobs", "1", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    assert "labels until 5" in capsys.readouterr().out


def test_simulate_shows_which_arm_auto_used_when(tmp_path, capsys):
    assert main(["simulate", "iris", "--strategies", "auto,random", "--model", "logreg",
                 "--budget", "10", "--batch", "5", "--seeds", "2", "--jobs", "1", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert "auto's" in capsys.readouterr().out  # rich may wrap the title
    curves = pd.read_csv(tmp_path / "curves.csv")
    used = curves[(curves["strategy"] == "auto") & (curves["labels"] > 10)]["used"]
    assert used.str.match(r"auto:(random|margin|density_margin|class_balanced|coreset)$").all()


@pytest.mark.parametrize("argv, message", [
    (["drift", "--scenario", "stream", "--share", "0"], "--share must be in (0, 1]"),
    (["drift", "--scenario", "stream", "--policies", "psychic"], "unknown stream policies"),
    (["iris", "--scenario", "synthesis"], "needs a task with a known truth"),
])
def test_cli_bad_input_is_a_clear_error(argv, message, capsys):
    assert main(["simulate", *argv]) == 2
    assert message in capsys.readouterr().err


def test_toy_data_keeps_working_without_the_scenarios():
    data = SimData("toy", np.zeros((4, 1)), np.array([0, 1, 0, 1]), ("a", "b"))
    assert prepare_for("pool", data) is data
