"""Datasets, preprocessing and models of alwild.sim: loading, shipped Titanic, clear errors."""

from __future__ import annotations

import hashlib
import importlib
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alwild.sim.datasets import BUILTIN_NAMES, load_dataset
from alwild.sim.estimators import MODELS, make_model
from alwild.sim.preprocess import to_matrix

TITANIC_SHA256 = "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7"


def test_the_old_module_path_of_the_estimators_is_the_same_module():
    old = importlib.import_module("alwild.sim.models")
    assert old is importlib.import_module("alwild.sim.estimators")
    assert old.make_model is make_model and old.MODELS is MODELS


def test_titanic_ships_byte_for_byte_with_its_provenance():
    data = resources.files("alwild").joinpath("data")
    raw = data.joinpath("titanic.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == TITANIC_SHA256
    readme = data.joinpath("README.md").read_text()
    assert TITANIC_SHA256 in readme and "datasciencedojo/datasets" in readme


def test_titanic_loads_with_documented_columns_and_class_counts():
    ds = load_dataset("titanic")
    assert list(ds.X.columns) == ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]
    assert np.bincount(ds.y).tolist() == [549, 342]
    X = to_matrix(ds.X)
    assert X.shape == (891, 10) and np.isfinite(X).all()


@pytest.mark.parametrize("name", [n for n in BUILTIN_NAMES if n != "titanic"])
def test_builtin_sklearn_datasets_match_sklearn(name):
    from sklearn import datasets

    ds = load_dataset(name)
    _, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    assert ds.X.shape[0] == len(y)
    # the integer labels are a relabelling of sklearn's targets
    assert sorted(np.bincount(ds.y)) == sorted(np.bincount(y))
    names = getattr(datasets, f"load_{name}")().target_names
    assert np.array_equal(ds.classes[ds.y].astype(str), np.asarray(names)[y].astype(str))


def test_preprocessing_matches_an_independent_computation():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 5.0], "c": ["x", "y", None, "x"]})
    X = to_matrix(frame)
    a = np.array([1.0, 3.0, 3.0, 5.0])  # median of 1, 3, 5 imputed
    assert np.allclose(X[:, 0], (a - a.mean()) / a.std())
    # most frequent "x" imputed, then one-hot (x, y)
    assert X[:, 1:].tolist() == [[1, 0], [0, 1], [1, 0], [1, 0]]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30),
       st.lists(st.sampled_from(["p", "q", "r"]), min_size=3, max_size=30))
def test_preprocessing_is_finite_and_one_hot_rows_sum_to_one(nums, cats):
    n = min(len(nums), len(cats))
    frame = pd.DataFrame({"n": nums[:n], "c": cats[:n]})
    X = to_matrix(frame)
    assert np.isfinite(X).all()
    assert np.allclose(X[:, 1:].sum(axis=1), 1.0)


def test_csv_missing_targets_are_dropped_and_counted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,kind,y\n1,a,0\n2,b,1\n3,a,\n4,b,1\n5,a,\n")
    ds = load_dataset(path, target="y")
    assert len(ds.y) == 3
    assert any("dropped 2 of 5 rows" in note for note in ds.notes)


def test_parquet_tables_load(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]}).to_parquet(path)
    ds = load_dataset(path, target="y")
    assert ds.classes.tolist() == ["a", "b"] and ds.y.tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize("bad_line", ["3,0,7,8", '3,"0,1'])
def test_unparseable_row_names_its_line(tmp_path, bad_line):
    path = tmp_path / "bad.csv"
    path.write_text(f"x,y\n1,0\n2,1\n{bad_line}\n4,1\n")
    with pytest.raises(ValueError, match="line 4"):
        load_dataset(path, target="y")


def test_a_target_for_a_builtin_dataset_is_refused_not_ignored():
    with pytest.raises(ValueError, match="iris is a builtin dataset.*'species'"):
        load_dataset("iris", target="species")
    assert load_dataset("iris", target="target").n_classes == 3


def test_missing_target_lists_the_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,label\n1,0\n2,1\n")
    with pytest.raises(ValueError, match="no column 'y'.*x, label"):
        load_dataset(path, target="y")


def test_single_class_target_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,a\n2,a\n3,a\n")
    with pytest.raises(ValueError, match="only the class 'a'"):
        load_dataset(path, target="y")


def test_unknown_dataset_and_suffix_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither a builtin dataset"):
        load_dataset("no_such_data")
    bad = tmp_path / "t.xlsx"
    bad.write_text("x")
    with pytest.raises(ValueError, match="suffix '.xlsx'"):
        load_dataset(bad, target="y")


def test_models_by_name_and_import_path():
    for name in MODELS:
        est = make_model(name, random_state=3)
        assert hasattr(est, "fit")
        if "random_state" in est.get_params():
            assert est.get_params()["random_state"] == 3
    assert type(make_model("sklearn.tree:DecisionTreeClassifier")).__name__ == \
        "DecisionTreeClassifier"
    with pytest.raises(ValueError, match="rf, logreg, knn, svm, gb, nb"):
        make_model("xgboost_please")
    with pytest.raises(ValueError, match="cannot import"):
        make_model("sklearn.nothing.Here")
