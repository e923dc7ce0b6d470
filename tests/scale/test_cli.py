"""``alwild query`` end to end: Parquet shards in, the in-memory selection out."""

import joblib
import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster
from sklearn.linear_model import LogisticRegression

from alwild.cli import build_parser, main
from alwild.learners import ActiveLearner


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture()
def pool(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2_000, 5)).astype(np.float32)
    y = rng.integers(0, 3, 2_000)
    for i in range(4):
        pd.DataFrame(X[i * 500 : (i + 1) * 500], columns=list("abcde")).to_parquet(
            tmp_path / f"part-{i}.parquet", index=False)
    clf = LogisticRegression().fit(X[:300], y[:300])
    joblib.dump(clf, tmp_path / "model.joblib")
    return tmp_path, X, clf


def test_query_writes_the_in_memory_selection_with_its_rows(pool, scheduler, capsys):
    tmp, X, clf = pool
    out = tmp / "selected.parquet"
    code = main(["query", "--pool", str(tmp / "part-*.parquet"), "--model",
                 str(tmp / "model.joblib"), "--strategy", "margin", "--n", "25",
                 "--scheduler", scheduler, "--seed", "4", "--out", str(out)])
    assert code == 0
    table = pd.read_parquet(out)
    learner = ActiveLearner(clf, "margin", random_state=np.random.default_rng(4))
    expected, rows = learner.query(X, 25)
    assert table["row"].tolist() == expected.tolist()
    assert table["rank"].tolist() == list(range(1, 26))
    np.testing.assert_array_equal(table[list("abcde")].to_numpy(), rows)
    assert table["shard"].iloc[0] == str(tmp / f"part-{expected[0] // 500}.parquet")
    assert "selected 25 of 2,000 rows" in capsys.readouterr().out


def test_query_on_an_embedded_local_cluster_with_subsample(pool):
    tmp, X, clf = pool
    out = tmp / "sel.csv"
    code = main(["query", "--pool", *[str(tmp / f"part-{i}.parquet") for i in range(4)],
                 "--model", str(tmp / "model.joblib"), "--n", "10", "--workers", "1",
                 "--subsample", "0.5", "--no-rows", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["row", "rank", "score", "shard"]
    assert table["row"].nunique() == 10


def test_bad_requests_fail_before_any_cluster_starts(pool, capsys):
    tmp, _, _ = pool
    base = ["query", "--pool", str(tmp / "part-*.parquet"), "--n", "5", "--out",
            str(tmp / "o.parquet")]
    assert main([*base, "--model", str(tmp / "missing.joblib")]) == 2
    assert "model file not found" in capsys.readouterr().err
    assert main([*base, "--model", str(tmp / "part-0.parquet")]) == 2
    assert "cannot load a model" in capsys.readouterr().err
    assert main([*base, "--model", str(tmp / "model.joblib"), "--strategy", "vote_entropy"]) == 2
    assert "committee" in capsys.readouterr().err


def test_help_warns_that_the_model_is_unpickled():
    sub = build_parser()._subparsers._group_actions[0].choices["query"]
    assert "only load models you trust" in sub.format_help().replace("\n", " ").replace("  ", " ")


def test_a_nan_shard_stops_the_query_with_its_name(pool, scheduler, capsys):
    tmp, X, _ = pool
    bad = pd.DataFrame(X[:500], columns=list("abcde"))
    bad.iloc[3, 1] = np.nan
    bad.to_parquet(tmp / "part-2.parquet", index=False)
    code = main(["query", "--pool", str(tmp / "part-*.parquet"), "--model",
                 str(tmp / "model.joblib"), "--n", "5", "--scheduler", scheduler,
                 "--out", str(tmp / "o.parquet")])
    assert code == 2
    err = capsys.readouterr().err
    assert "part-2.parquet" in err and "pool rows [1003]" in err
    assert not (tmp / "o.parquet").exists()
