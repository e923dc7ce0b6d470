"""LeanRandomForestClassifier against scikit-learn's RandomForestClassifier: same trees,
same probabilities, bit for bit, on the fast path and on every fallback."""

import importlib
import pickle
from unittest import mock

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier

from alwild.models.lean_forest import LeanRandomForestClassifier

_NODE_ARRAYS = ("children_left", "children_right", "feature", "threshold", "value",
                "n_node_samples", "weighted_n_node_samples", "impurity")

settings_space = st.fixed_dictionaries({
    "n_estimators": st.integers(1, 12),
    "criterion": st.sampled_from(["gini", "entropy", "log_loss"]),
    "max_depth": st.none() | st.integers(1, 6),
    "min_samples_split": st.integers(2, 6) | st.floats(0.05, 0.5),
    "min_samples_leaf": st.integers(1, 4) | st.floats(0.01, 0.3),
    "min_weight_fraction_leaf": st.sampled_from([0.0, 0.0, 0.1]),
    "max_features": st.sampled_from(["sqrt", "log2", None, 1, 2, 0.5]),
    "min_impurity_decrease": st.sampled_from([0.0, 0.0, 0.05]),
    "bootstrap": st.booleans(),
    "random_state": st.integers(0, 2**31 - 2),
})


def _table(seed: int, n_rows: int, n_features: int, n_classes: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).round(1)  # ties between thresholds, too
    y = np.r_[np.arange(n_classes), rng.integers(0, n_classes, n_rows - n_classes)]
    return X, y


def _fit_both(lean, ref, X, y, **fit_kwargs) -> bool:
    """Fit both forests; where scikit-learn refuses the data (NaN in a version whose forests
    predate missing values), check the lean forest refuses it alike and return False."""
    try:
        ref.fit(X, y, **fit_kwargs)
    except ValueError as err:
        with pytest.raises(ValueError, match=str(err).split("\n")[0]):
            lean.fit(X, y, **fit_kwargs)
        return False
    lean.fit(X, y, **fit_kwargs)
    return True


def assert_same_forest(lean, ref, X):
    np.testing.assert_array_equal(lean.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(lean.predict(X), ref.predict(X))
    assert set(vars(lean)) >= set(vars(ref))  # every attribute scikit-learn's forest sets
    np.testing.assert_array_equal(lean.classes_, ref.classes_)
    assert lean.n_classes_ == ref.n_classes_
    assert len(lean.estimators_) == len(ref.estimators_)
    for mine, theirs in zip(lean.estimators_, ref.estimators_, strict=True):
        assert mine.get_params() == theirs.get_params()
        assert set(vars(mine)) == set(vars(theirs))
        np.testing.assert_array_equal(mine.classes_, theirs.classes_)
        assert (mine.n_classes_, mine.max_features_) == (theirs.n_classes_, theirs.max_features_)
        for name in _NODE_ARRAYS:
            np.testing.assert_array_equal(getattr(mine.tree_, name), getattr(theirs.tree_, name))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 60), st.integers(1, 6), st.integers(1, 4),
       st.booleans(), settings_space)
def test_grows_the_trees_scikit_learn_grows(seed, n_rows, n_features, n_classes, integers,
                                             params):
    X, y = _table(seed, max(n_rows, n_classes), n_features, n_classes)
    if integers:
        X = (X * 3).astype(np.int64)
    lean = LeanRandomForestClassifier(**params)
    assert lean._lean_fit_applies(X, y, None)  # the fast path is what is compared here
    ref = RandomForestClassifier(**params).fit(X, y)
    assert_same_forest(lean.fit(X, y), ref, np.r_[X, X + 0.05])


def test_string_labels_and_the_default_forest_on_iris():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    rows = np.random.default_rng(3).choice(len(y), 25, replace=False)
    lean = LeanRandomForestClassifier(random_state=7).fit(X[rows], names[rows])
    ref = RandomForestClassifier(random_state=7).fit(X[rows], names[rows])
    assert_same_forest(lean, ref, X)
    assert lean.predict(X).dtype == ref.predict(X).dtype


@pytest.mark.parametrize("case", ["sample_weight", "class_weight", "dataframe", "nan",
                                  "max_samples", "two_targets", "warm_start"])
def test_settings_outside_the_fast_path_give_scikit_learns_forest(case):
    X, y = _table(1, 40, 3, 3)
    params, fit_kwargs, X_fit, y_fit = {"n_estimators": 8, "random_state": 4}, {}, X, y
    if case == "sample_weight":
        fit_kwargs["sample_weight"] = np.linspace(0.5, 2.0, len(y))
    elif case == "class_weight":
        params["class_weight"] = "balanced"
    elif case == "dataframe":
        X_fit = pd.DataFrame(X, columns=["a", "b", "c"])
    elif case == "nan":
        X_fit = X.copy()
        X_fit[::7, 1] = np.nan
    elif case == "max_samples":
        params["max_samples"] = 0.5
    elif case == "two_targets":
        y_fit = np.c_[y, y[::-1]]
    elif case == "warm_start":
        params["warm_start"] = True
    lean, ref = LeanRandomForestClassifier(**params), RandomForestClassifier(**params)
    if not _fit_both(lean, ref, X_fit, y_fit, **fit_kwargs):
        return
    X_eval = X_fit if case in ("dataframe", "nan") else X
    if case == "two_targets":
        for mine, theirs in zip(lean.predict_proba(X_eval), ref.predict_proba(X_eval),
                                strict=True):
            np.testing.assert_array_equal(mine, theirs)
    else:
        assert_same_forest(lean, ref, X_eval)


def test_refits_clones_and_pickles_like_any_estimator():
    X, y = _table(2, 30, 4, 2)
    lean = LeanRandomForestClassifier(n_estimators=5, random_state=1).fit(X, y)
    again = pickle.loads(pickle.dumps(lean))
    np.testing.assert_array_equal(again.predict_proba(X), lean.predict_proba(X))
    twin = clone(lean).fit(X[:20], y[:20])
    assert_same_forest(twin, RandomForestClassifier(n_estimators=5, random_state=1)
                       .fit(X[:20], y[:20]), X)


def test_the_old_module_path_is_the_same_module():
    old = importlib.import_module("alwild.lean_forest")
    assert old is importlib.import_module("alwild.models.lean_forest")
    assert old.LeanRandomForestClassifier is LeanRandomForestClassifier


def test_a_model_saved_under_the_old_module_path_loads_and_predicts_the_same(tmp_path):
    X, y = _table(3, 30, 4, 2)
    old_class = importlib.import_module("alwild.lean_forest").LeanRandomForestClassifier
    lean = old_class(n_estimators=5, random_state=0).fit(X, y)
    path = tmp_path / "model.joblib"
    with mock.patch.object(LeanRandomForestClassifier, "__module__", "alwild.lean_forest"):
        joblib.dump(lean, path)  # as a model saved before the move names its class
    saved = path.read_bytes()
    assert b"alwild.lean_forest" in saved and b"alwild.models.lean_forest" not in saved
    again = joblib.load(path)
    assert type(again) is LeanRandomForestClassifier
    np.testing.assert_array_equal(again.predict_proba(X), lean.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), lean.predict(X))


def test_bad_input_fails_as_scikit_learn_does():
    X, y = _table(0, 20, 2, 2)
    with pytest.raises(ValueError, match="Unknown label type"):
        LeanRandomForestClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LeanRandomForestClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="n_estimators"):
        LeanRandomForestClassifier(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        LeanRandomForestClassifier(n_estimators=3).fit(X, y).predict_proba(X[:, :1])
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        LeanRandomForestClassifier().predict_proba(X)


@pytest.mark.parametrize("case", ["nullable_int", "nullable_bool", "bytes", "masked_X",
                                  "names_then_array", "n_jobs"])
def test_inputs_are_validated_as_scikit_learn_validates_them(case):
    X, y = _table(5, 30, 3, 2)
    params, fits = {"n_estimators": 4, "random_state": 2}, [(X, y)]
    if case == "nullable_int":
        fits = [(X, pd.Series(y).astype("Int64"))]
    elif case == "nullable_bool":
        fits = [(X, pd.Series(y.astype(bool)).astype("boolean"))]
    elif case == "bytes":
        fits = [(X, np.array([b"no", b"yes"])[y])]
    elif case == "masked_X":
        fits = [(np.ma.masked_array(np.where(X > 1.5, np.nan, X), mask=X > 1.5), y)]
    elif case == "names_then_array":
        fits = [(pd.DataFrame(X, columns=["a", "b", "c"]), y), (X, y)]
    elif case == "n_jobs":
        params["n_jobs"] = 2
    lean, ref = LeanRandomForestClassifier(**params), RandomForestClassifier(**params)
    for X_fit, y_fit in fits:
        if not _fit_both(lean, ref, X_fit, y_fit):
            return
    assert hasattr(lean, "feature_names_in_") == hasattr(ref, "feature_names_in_")
    assert lean.classes_.dtype == ref.classes_.dtype
    assert_same_forest(lean, ref, X)
