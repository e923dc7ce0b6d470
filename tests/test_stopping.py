"""Stopping criteria: each stops for its own reason, and says so."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alwild import ActiveLearner
from alwild.loop import learn_until
from alwild.stopping import (
    AnyOf,
    LabelBudget,
    MaxUncertainty,
    Plateau,
    StabilizingPredictions,
    TargetMetric,
)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    return X[:400], y[:400], X[400:], y[400:]


def learner():
    return ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()), "margin",
                         random_state=0)


def run(cancer, stop, batch=5):
    X, y, _, _ = cancer
    al = learner()
    decision = learn_until(al, X, lambda rows, idx: y[idx], stop, batch)
    return al, decision


def test_budget_stops_exactly_at_the_budget(cancer):
    al, d = run(cancer, LabelBudget(30))
    assert d.stop and d.criterion == "budget" and len(al.y_training) == 30
    assert "30 labelled" in d.reason


def test_target_metric_stops_once_reached_and_not_before(cancer):
    _, _, X_val, y_val = cancer
    crit = TargetMetric(X_val, y_val, target=0.95)
    al, d = run(cancer, crit)
    assert d.stop and d.value >= 0.95 and al.score(X_val, y_val) >= 0.95
    assert all(not h.stop and (h.value is None or h.value < 0.95) for h in crit.history[:-1])
    assert "target reached" in d.reason


def test_stabilizing_predictions_uses_kappa_between_consecutive_models(cancer):
    X, y, X_val, _ = cancer
    crit = StabilizingPredictions(X_val, threshold=0.97, window=2)
    al = learner()
    preds = []
    decision = None
    remaining = np.arange(len(y))
    while decision is None or not decision.stop:
        idx, rows = al.query(X[remaining], 5)
        al.teach(rows, y[remaining[idx]])
        remaining = np.delete(remaining, idx)
        decision = crit(al)
        if al.is_fitted:
            preds.append(al.predict(X_val))
    kappas = [cohen_kappa_score(a, b) if not np.array_equal(a, b) else 1.0
              for a, b in zip(preds[:-1], preds[1:], strict=True)]
    assert decision.value == pytest.approx(np.mean(kappas[-2:]))
    assert decision.value >= 0.97 and "stabilised" in decision.reason


def test_max_uncertainty_stops_when_the_pool_is_confident():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-4, 1, (100, 2)), rng.normal(4, 1, (100, 2))])
    y = np.r_[np.zeros(100), np.ones(100)].astype(int)
    crit = MaxUncertainty(X, threshold=0.2)
    al = ActiveLearner(LogisticRegression(), "margin", random_state=0)
    d = learn_until(al, X, lambda rows, idx: y[idx], crit, 2)
    assert d.stop and d.criterion == "max_uncertainty" and d.value < 0.2
    assert len(al.y_training) < 100
    proba = al.predict_proba(X)
    assert (1 - proba.max(axis=1)).max() / 0.5 == pytest.approx(d.value)
    assert all(h.value is None or h.value >= 0.2 for h in crit.history[:-1])


def test_plateau_stops_after_patience_rounds_without_gain():
    values = iter([0.5, 0.7, 0.71, 0.709, 0.712, 0.9])
    crit = Plateau(metric=lambda learner: next(values), patience=3, min_delta=0.02)
    decisions = [crit(None) for _ in range(5)]
    assert [d.stop for d in decisions] == [False, False, False, False, True]
    assert "plateaued" in decisions[-1].reason


def test_any_of_reports_the_criterion_that_fired(cancer):
    _, _, X_val, y_val = cancer
    al, d = run(cancer, AnyOf([TargetMetric(X_val, y_val, 0.999), LabelBudget(20)]))
    assert d.criterion == "budget" and len(al.y_training) == 20


@pytest.mark.parametrize("make", [lambda: LabelBudget(0), lambda: Plateau(),
                                  lambda: TargetMetric([[0]], [], 0.9),
                                  lambda: MaxUncertainty([[0]], uncertainty="vibes")])
def test_bad_parameters_are_clear_errors(make):
    with pytest.raises(ValueError):
        make()
