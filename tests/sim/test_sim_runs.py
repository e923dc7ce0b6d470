"""Simulation runs, statistics and the CLI of alwild.sim, on small seeds and budgets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alwild.cli import main
from alwild.errors import UserValueError
from alwild.sim import SCENARIOS, SimConfig, load_dataset, parse_arms, prepare, simulate
from alwild.sim.arms import Arm, FirstTieBreak
from alwild.sim.pool_run import initial_positions, run_pool
from alwild.sim.report import labels_to_reach, savings, t_interval
from alwild.sim.reproduce import Claim, Experiment, results_from_folder, run_experiments
from alwild.sim.reproduce_report import discussion, verdict, write_report

IRIS = prepare(load_dataset("iris"))


def _config(**kw):
    base = dict(model="logreg", init=6, budget=4, metrics=("accuracy",))
    return SimConfig(**{**base, **kw})


def test_runs_are_reproducible_and_arms_share_their_start():
    arms = parse_arms("entropy,random")
    a = simulate(IRIS, arms, _config(), seeds=[0, 1])
    b = simulate(IRIS, arms, _config(), seeds=[0, 1])
    pd.testing.assert_frame_equal(a.curves, b.curves)
    start = a.curves[a.curves["labels"] == 6].pivot(index="seed", columns="strategy",
                                                   values="accuracy")
    assert (start["entropy"] == start["random"]).all()
    assert sorted(a.curves["labels"].unique()) == [6, 7, 8, 9, 10]


def test_holdout_never_scores_pool_rows_and_paper_scores_everything():
    from alwild.sim.pool_run import split_rows

    pool, test = split_rows(IRIS.y, _config(), seed=0)
    assert np.intersect1d(pool, test).size == 0 and len(test) == 45
    pool, test = split_rows(IRIS.y, _config(protocol="paper"), seed=0)
    assert len(pool) == len(test) == 150


def test_queried_rows_leave_the_pool_unless_asked_not_to():
    cfg = _config(model="nb", budget=8, protocol="paper")
    shrunk = run_pool(IRIS, Arm("e", "entropy"), 0, cfg)
    assert [r["distinct_labels"] for r in shrunk] == [r["labels"] for r in shrunk]
    kept = run_pool(IRIS, Arm("e", "entropy", shrink_pool=False, tie_break="first"), 0, cfg)
    assert kept[-1]["distinct_labels"] <= kept[-1]["labels"]


def test_first_tie_break_is_modals_argpartition_on_the_registered_scores():
    from sklearn.naive_bayes import GaussianNB

    from alwild.strategies import get_strategy

    model = GaussianNB().fit(IRIS.X[::10], IRIS.y[::10])
    picks = FirstTieBreak("entropy")(model, IRIS.X, 3)
    scores = get_strategy("entropy").select(model, IRIS.X, 3, np.random.default_rng(0))[1]
    assert set(picks) == set(np.argsort(-scores, kind="stable")[:3]) or \
        np.allclose(np.sort(scores[picks]), np.sort(scores)[-3:])
    assert np.array_equal(picks, FirstTieBreak("entropy")(model, IRIS.X, 3))


def test_committee_strategies_get_committees_and_modal_reading_predicts_classes():
    arm = parse_arms("vote_entropy", committee_size=3)[0]
    assert arm.committee_size == 3
    rows = run_pool(IRIS, Arm("acq", "max_EI", kind="class_index_regressor"), 0,
                    _config(budget=3))
    assert all(0 <= r["accuracy"] <= 1 and "r2" in r for r in rows)


def test_stratified_start_has_every_class():
    y = np.repeat([0, 1, 2], [50, 5, 2])
    for seed in range(20):
        pos = initial_positions(y, _config(init=3, init_mode="stratified"),
                                np.random.default_rng(seed))
        assert set(y[pos]) == {0, 1, 2} and len(set(pos)) == 3


def test_t_interval_matches_scipy():
    v = np.array([0.8, 0.85, 0.9, 0.7, 0.95])
    mean, low, high = t_interval(v)
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    assert np.isclose(low, lo) and np.isclose(high, hi) and np.isclose(mean, v.mean())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=12), st.floats(0.5, 1.0))
def test_labels_to_reach_is_the_first_crossing(values, share):
    curves = pd.DataFrame({"strategy": "s", "seed": 0, "labels": np.arange(len(values)) + 5,
                           "accuracy": values})
    ceilings = pd.DataFrame({"seed": [0], "accuracy": [0.9]})
    got = labels_to_reach(curves, ceilings, "accuracy", share)["labels"].iloc[0]
    hits = [i + 5 for i, v in enumerate(values) if v >= 0.9 * share - 1e-12]
    assert (np.isnan(got) and not hits) or got == hits[0]


def test_savings_are_paired_differences_with_censoring():
    reach = pd.DataFrame({"strategy": ["random"] * 3 + ["s"] * 3, "seed": [0, 1, 2] * 2,
                          "labels": [30.0, 40.0, np.nan, 20.0, 25.0, 30.0]})
    curves = pd.DataFrame({"strategy": ["random", "s"] * 3, "seed": [0, 0, 1, 1, 2, 2],
                           "labels": [50] * 6})
    out = savings(reach, curves).iloc[0]
    assert np.isclose(out["saved"], np.mean([10, 15, 51 - 30]))
    assert out["reached"] == 1.0


def test_scenario_table_has_pool():
    assert SCENARIOS["pool"] is run_pool


def _cli(capsys, *argv):
    code = main(["simulate", *argv])
    return code, capsys.readouterr()


def test_simulate_cli_on_a_mixed_csv_writes_every_output(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(["a", "b", None], n),
                          "y": rng.choice(["yes", "no"], n)})
    frame.loc[frame.index[:3], "y"] = None
    frame.loc[frame.index[5:9], "num"] = np.nan
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "run"
    code, io = _cli(capsys, str(path), "--target", "y", "--model", "nb", "--strategies",
                    "entropy,random", "--seeds", "2", "--budget", "4", "--jobs", "1",
                    "--out", str(out), "--quiet")
    assert code == 0, io.err
    assert "dropped 3 of 80 rows" in io.out and "Saved versus random" in io.out
    for name in ("curves.csv", "curves.parquet", "ceilings.csv", "curves_accuracy.png",
                 "summary_accuracy.csv", "manifest.json"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [0, 1] and "scikit-learn" in manifest["versions"]
    assert manifest["settings"]["estimator"]["class"] == "sklearn.naive_bayes.GaussianNB"
    assert len(pd.read_parquet(out / "curves.parquet")) == 2 * 2 * 5


@pytest.mark.parametrize("extra,arms", [([], ["margin", "random"]),
                                        (["--no-random"], ["margin"])])
def test_simulate_cli_adds_the_random_baseline_unless_told_not_to(tmp_path, capsys, extra,
                                                                    arms):
    code, io = _cli(capsys, "iris", "--model", "nb", "--strategies", "margin", "--seeds", "2",
                    "--budget", "3", "--jobs", "1", "--quiet", "--out", str(tmp_path), *extra)
    assert code == 0, io.err
    assert pd.read_csv(tmp_path / "curves.csv")["strategy"].unique().tolist() == arms
    assert ("Saved versus random" in io.out) == ("random" in arms)


@pytest.mark.parametrize("argv,message", [
    (["--model", "nb", "--budget", "500"], "larger than the pool"),
    (["--model", "nb", "--target", "species"], "iris is a builtin dataset"),
    (["--model", "nb", "--strategies", "psychic"], "unknown strategy 'psychic'; choose one of"),
    (["--model", "magic"], "unknown model 'magic'; use one of rf, logreg"),
    (["--model", "nb", "--init", "2", "--init-mode", "stratified"],
     "smaller than the number of classes"),
])
def test_simulate_cli_bad_input(capsys, argv, message, tmp_path):
    code, io = _cli(capsys, "iris", *argv, "--seeds", "1", "--jobs", "1", "--quiet",
                    "--out", str(tmp_path))
    assert code == 2
    assert message in io.err


def test_simulate_cli_missing_target_column(capsys, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,0\n2,1\n")
    code, io = _cli(capsys, str(path), "--target", "label", "--quiet")
    assert code == 2 and "its columns are: a, b" in io.err


def test_reproduce_report_on_a_tiny_experiment(tmp_path):
    tiny = (
        Experiment("iris", 3, (Arm("uncertainty", "least_confident", model="nb"),
                               Arm("committee_2rf", "vote_entropy", model="nb",
                                   committee_size=2),
                               Arm("committee_2rf_pool_not_shrunk", "vote_entropy",
                                   model="nb", committee_size=2, shrink_pool=False,
                                   tie_break="first"),
                               Arm("acq_modal_gpr_max_EI", "max_EI",
                                   kind="class_index_regressor")),
                   (Claim("uncertainty, start", "uncertainty", 0, 0.586),), model="nb"),
        Experiment("titanic", 3, (Arm("uncertainty", "least_confident", model="nb"),
                                  Arm("committee_2rf", "vote_entropy", model="nb",
                                      committee_size=2)),
                   (Claim("committee, 3 queries", "committee_2rf", 3, 0.846),), model="nb"),
    )
    results = run_experiments([0, 1], n_jobs=1, experiments=tiny)
    report = write_report(results, tiny, tmp_path, ["# tiny"], discussion(results))
    text = report.read_text()
    assert "| iris: uncertainty, start | 58.6 |" in text
    assert (tmp_path / "iris_paper.png").exists() and (tmp_path / "titanic_holdout.png").exists()
    assert verdict([0.7, 0.8], 0.9) == "above every seed"
    again = results_from_folder(tmp_path, tiny)
    pd.testing.assert_frame_equal(again["iris", "paper"].curves.reset_index(drop=True),
                                  pd.read_csv(tmp_path / "iris_paper_curves.csv"))
    with pytest.raises(FileNotFoundError, match="no complete `alwild reproduce` run"):
        results_from_folder(tmp_path / "nothing", tiny)


def test_a_class_with_one_row_cannot_be_split(capsys, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{i},{'a' if i % 2 else 'b'}\n" for i in range(30))
                    + "99,c\n")
    code, io = _cli(capsys, str(path), "--target", "y", "--model", "nb", "--budget", "3",
                    "--quiet", "--out", str(tmp_path / "o"))
    assert code == 2 and "single labelled row" in io.err and "--protocol paper" in io.err


def test_a_strategy_object_arm_gives_each_seed_its_own_bandit():
    """An arm holding a stateful strategy object (auto): in one process, each learner
    gets its own copy, so a seed's run is the same alone or after another seed's."""
    from alwild.strategies import get_strategy

    arm = Arm("auto_obj", get_strategy("auto"))
    config = _config(budget=8, batch=2)
    both = simulate(IRIS, [arm], config, seeds=[0, 1], n_jobs=1).curves
    alone = simulate(IRIS, [arm], config, seeds=[1], n_jobs=1).curves
    pd.testing.assert_frame_equal(both[both["seed"] == 1].reset_index(drop=True),
                                  alone.reset_index(drop=True))
    assert arm.strategy.history == []  # the arm's own object was never used


@pytest.mark.parametrize("spec", ["auto,albl", "margin,margin_sampling", "coreset,k_center"])
def test_a_strategy_given_by_name_and_alias_is_listed_twice(spec):
    """``albl`` is ``auto``: ``--strategies auto,albl`` would run the same arm twice and
    pool both into "auto's arm per batch"."""
    with pytest.raises(UserValueError, match="listed twice"):
        parse_arms(spec)
