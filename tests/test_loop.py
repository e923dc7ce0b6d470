"""The one loop (alwild.loop.run_loop): what it asks, when it stops, what its callback sees."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from alwild import ActiveLearner, SynthesisLearner
from alwild.loop import LoopRound, learn_until, run_loop
from alwild.stopping import LabelBudget
from alwild.synthesis import FeatureSpace, Perturbation

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 2))
Y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
START = np.r_[np.flatnonzero(Y == 0)[:2], np.flatnonzero(Y == 1)[:2]]
OTHERS = np.setdiff1d(np.arange(len(Y)), START)


def labels_of(rows, idx):
    return Y[idx]


def make_learner(strategy="margin", seed=0):
    return ActiveLearner(GaussianNB(), strategy, X[START], Y[START], random_state=seed)


def reference_picks(learner, pool, batch, budget, keep):
    """The hand-written loop the simulations ran before there was one loop."""
    remaining, picks, asked = np.asarray(pool), [], 0
    while (budget is None or asked < budget) and remaining.size:
        k = min(batch, remaining.size, budget - asked if budget is not None else batch)
        idx, _ = learner.query(X[remaining], n_instances=k)
        chosen = remaining[idx]
        learner.teach(X[chosen], Y[chosen])
        picks.append(chosen)
        asked += k
        if not keep:
            remaining = np.delete(remaining, idx)
    return picks


@settings(max_examples=60, deadline=None)
@given(pool_size=st.integers(1, len(OTHERS)), batch=st.integers(1, 6),
       budget=st.one_of(st.none(), st.integers(0, 45)), keep=st.booleans(),
       strategy=st.sampled_from(["margin", "random"]), seed=st.integers(0, 2**16))
def test_the_loop_asks_what_a_hand_written_loop_asks(pool_size, batch, budget, keep,
                                                      strategy, seed):
    if keep and budget is None:
        budget = pool_size + 3
    pool = np.random.default_rng(seed).choice(OTHERS, pool_size, replace=False)
    seen: list[LoopRound] = []
    learner = make_learner(strategy, seed)
    result = run_loop(learner, X, labels_of, pool=pool, batch_size=batch, budget=budget,
                      keep_queried=keep, callback=seen.append)

    expected = pool_size if budget is None else budget if keep else min(budget, pool_size)
    asked = np.concatenate([np.empty(0, int), *result.picked])
    assert result.n_queried == asked.size == expected
    assert len(learner.y_training) == START.size + expected
    assert set(asked) <= set(pool)
    if not keep:
        assert len(set(asked)) == asked.size
        assert sorted(result.pool) == sorted(set(pool) - set(asked))
    assert all(1 <= len(p) <= batch for p in result.picked)
    assert [s.round for s in seen] == list(range(result.n_rounds + 1))
    assert [s.n_queried for s in seen] == np.cumsum([0, *map(len, result.picked)]).tolist()
    assert all(np.array_equal(s.picked, p) for s, p in zip(seen[1:], result.picked, strict=True))
    assert all(np.array_equal(s.labels, Y[s.picked]) for s in seen)
    assert seen[-1].pool.size == result.pool.size
    assert result.decision.criterion == (
        "budget" if budget is not None and expected == budget else "pool_exhausted")

    reference = reference_picks(make_learner(strategy, seed), pool, batch, budget, keep)
    assert len(reference) == result.n_rounds
    assert all(np.array_equal(a, b) for a, b in zip(result.picked, reference, strict=True))


def test_a_callback_that_returns_true_ends_the_loop_after_its_round():
    learner = make_learner()
    result = run_loop(learner, X, labels_of, pool=OTHERS, batch_size=3,
                      callback=lambda state: state.n_queried >= 7)
    assert result.n_queried == 9 and result.n_rounds == 3
    assert result.decision.criterion == "callback"


def test_a_callback_that_stops_at_once_asks_nothing():
    learner = make_learner()
    result = run_loop(learner, X, labels_of, pool=OTHERS, callback=lambda state: True)
    assert result.n_rounds == 0 and len(learner.y_training) == START.size


def test_the_stop_criterion_is_asked_after_each_teach_and_not_before():
    learner = make_learner()
    crit = LabelBudget(2)  # already met by the starting rows
    result = run_loop(learner, X, labels_of, pool=OTHERS, batch_size=2, stop=crit)
    assert result.n_rounds == 1 and len(crit.history) == 1
    assert result.decision.criterion == "budget" and result.decision.value == START.size + 2


def test_a_criterion_that_says_stop_wins_over_the_budget():
    learner = make_learner()
    result = run_loop(learner, X, labels_of, pool=OTHERS, batch_size=2, budget=2,
                      stop=LabelBudget(START.size + 2))
    assert result.decision.reason.startswith("label budget reached")


def test_a_zero_budget_asks_nothing_but_still_reports_the_start():
    seen = []
    result = run_loop(make_learner(), X, labels_of, pool=OTHERS, budget=0,
                      callback=seen.append)
    assert result.n_rounds == 0 and [s.round for s in seen] == [0]
    assert seen[0].picked.size == 0 and seen[0].pool.size == OTHERS.size


def test_the_pool_is_every_row_by_default_and_may_be_a_frame():
    frame = pd.DataFrame(X, columns=["a", "b"])
    learner = ActiveLearner(LogisticRegression(), "margin", random_state=0)
    result = run_loop(learner, frame, labels_of, batch_size=7)
    assert result.decision.criterion == "pool_exhausted"
    assert sorted(np.concatenate(result.picked)) == list(range(len(Y)))
    assert isinstance(learner.X_training, pd.DataFrame)


def test_made_up_rows_leave_the_pool_alone_and_reach_the_oracle_without_indices():
    space = FeatureSpace.from_data(X)
    learner = SynthesisLearner(GaussianNB(), Perturbation(space, 0.05), "margin",
                               X[START], Y[START], known_classes=[0, 1], random_state=0)
    asked_idx = []

    def oracle(rows, idx):
        asked_idx.append(idx)
        return (rows[:, 0] + 0.3 * rows[:, 1] > 0).astype(int)

    result = run_loop(learner, X, oracle, pool=OTHERS, batch_size=2, budget=6)
    assert asked_idx == [None, None, None] and result.picked == [None, None, None]
    assert np.array_equal(result.pool, OTHERS) and len(learner.y_training) == START.size + 6


def test_learn_until_is_the_loop_with_a_criterion():
    a, b = make_learner(), make_learner()
    decision = learn_until(a, X[OTHERS], lambda rows, idx: Y[OTHERS][idx], LabelBudget(13), 3)
    result = run_loop(b, X, labels_of, pool=OTHERS, batch_size=3, stop=LabelBudget(13))
    assert decision == result.decision
    assert np.array_equal(a.X_training, b.X_training)


def test_pool_exhaustion_is_a_reason_too():
    learner = make_learner()
    d = learn_until(learner, X[:12], lambda rows, idx: Y[idx], LabelBudget(1000), 5)
    assert d.criterion == "pool_exhausted" and len(learner.y_training) == START.size + 12


def test_an_oracle_returning_an_unknown_class_is_a_clear_error():
    learner = ActiveLearner(LogisticRegression(), known_classes=[0, 1])
    with pytest.raises(ValueError, match=r"class\(es\) \[5\]"):
        learn_until(learner, X, lambda rows, idx: np.full(len(idx), 5), LabelBudget(10), 2)
    assert learner.y_training is None  # nothing wrong was taught


def test_an_oracle_answering_too_few_labels_is_a_clear_error():
    with pytest.raises(ValueError, match="3 rows"):
        run_loop(make_learner(), X, lambda rows, idx: [0], pool=OTHERS, batch_size=3)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 1.5}, "batch_size"),
    ({"budget": -1}, "budget"),
    ({"keep_queried": True}, "never end"),
])
def test_settings_that_cannot_work_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_loop(make_learner(), X, labels_of, **kwargs)
