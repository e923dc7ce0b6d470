"""The contract every registered strategy must honour, on every pool type it supports.

Each strategy runs on every model below whose ``check`` it accepts (a classifier, a
committee of classifiers, a committee of regressors, a Bayesian optimiser, a multi-label
classifier) and is asked
for batches from NumPy, sparse CSR, DataFrame (+ Pipeline with a categorical column) and
memmap pools. A newly registered strategy is covered automatically; if no model here
fits it, the test says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, WhiteKernel
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from alwild.learners import ActiveLearner, BayesianOptimizer, Committee, CommitteeRegressor
from alwild.pool import take_rows
from alwild.strategies import (
    Acquisition,
    RandomSampling,
    ScoreStrategy,
    Strategy,
    available_strategies,
    get_strategy,
    register,
)
from tests.pools import (
    N_LABELLED,
    POOL_KINDS,
    as_frame,
    classification_data,
    copy_pool,
    frame_pipeline,
    make_pool,
    regression_data,
    same_pool,
)

# Keep the expensive strategies small: expected error reduction refits per candidate.
PARAMS = {"expected_error_reduction": {"n_candidates": 4, "n_eval": 15}}
TOP_K_STRATEGIES = (ScoreStrategy, Acquisition, RandomSampling)  # the top-k of their scores


def _wrap(estimator, kind: str, n_features: int):
    return frame_pipeline(estimator, n_features) if kind == "frame" else estimator


def _training(kind: str, X, y, tmp_path):
    """The labelled rows, in the pool's type (a memmap pool is taught from an array)."""
    X_lab = X[:N_LABELLED] if kind == "memmap" else make_pool(kind, X[:N_LABELLED], tmp_path)
    return X_lab, y[:N_LABELLED]


def _classifier(kind, X, y, seed, tmp_path, strategy=None):
    X_lab, y_lab = _training(kind, X, y, tmp_path)
    est = _wrap(LogisticRegression(max_iter=500), kind, X.shape[1])
    return ActiveLearner(est, strategy or "entropy", X_lab, y_lab, random_state=seed)


def _committee(kind, X, y, seed, tmp_path, strategy=None):
    X_lab, y_lab = _training(kind, X, y, tmp_path)
    members = [
        ActiveLearner(_wrap(est, kind, X.shape[1]), X_training=X_lab, y_training=y_lab)
        for est in (LogisticRegression(C=0.05, max_iter=500), LogisticRegression(max_iter=500),
                    DecisionTreeClassifier(max_depth=2, random_state=0))
    ]
    return Committee(members, strategy or "vote_entropy", random_state=seed)


def _committee_regressor(kind, X, y, seed, tmp_path, strategy=None):
    X_lab, y_lab = _training(kind, X, y, tmp_path)
    members = [
        ActiveLearner(_wrap(est, kind, X.shape[1]), X_training=X_lab, y_training=y_lab)
        for est in (DecisionTreeRegressor(max_depth=2, random_state=0), Ridge(alpha=10.0))
    ]
    return CommitteeRegressor(members, strategy or "max_std", random_state=seed)


def _optimizer(kind, X, y, seed, tmp_path, strategy=None):
    X_lab, y_lab = _training(kind, X, y, tmp_path)
    gp = GaussianProcessRegressor(RBF(3.0) + WhiteKernel(1.0), optimizer=None, normalize_y=True)
    return BayesianOptimizer(_wrap(gp, kind, X.shape[1]), strategy or "max_EI",
                             X_training=X_lab, y_training=y_lab, random_state=seed)


def _multilabel(kind, X, y, seed, tmp_path, strategy=None):
    """One-vs-rest logistic models on label sets (rows of 0/1 over three labels)."""
    X_lab, y_lab = _training(kind, X, y, tmp_path)
    est = _wrap(OneVsRestClassifier(LogisticRegression(max_iter=500)), kind, X.shape[1])
    return ActiveLearner(est, strategy or "min_confidence", X_lab, y_lab, random_state=seed)


def _is_multilabel_model(model) -> bool:
    return np.ndim(getattr(model, "y_training", None)) == 2


def _label_sets(X: np.ndarray) -> np.ndarray:
    return (X[:, :3] > 0).astype(int)


# (name, factory, data, pool kinds it supports)
MODELS = [
    ("classifier", _classifier, "clf", POOL_KINDS),
    ("committee", _committee, "clf", POOL_KINDS),
    ("committee_regressor", _committee_regressor, "reg", POOL_KINDS),
    ("optimizer", _optimizer, "reg", ("ndarray", "frame", "memmap")),
    ("multilabel", _multilabel, "multilabel", POOL_KINDS),
]
DATA = {"clf": classification_data(n=N_LABELLED + 90), "reg": regression_data(n=N_LABELLED + 60,
                                                                            n_features=4)}
DATA["multilabel"] = (DATA["clf"][0], _label_sets(DATA["clf"][0]))


def _accepts(strategy: Strategy, model) -> bool:
    """Whether ``model`` passes the strategy's check (the multi-label model is kept for the
    multi-label strategies: a single-label one runs on label sets but means nothing)."""
    multilabel = str(getattr(strategy, "needs", "")).startswith("multilabel")
    if _is_multilabel_model(model) != multilabel:
        return False
    try:
        strategy.check(model)
    except (TypeError, ValueError):
        return False
    return True


def _strategy_models() -> list[tuple[str, str]]:
    """(strategy, model) pairs where the model passes the strategy's check."""
    fitted = {name: factory("ndarray", *DATA[data], 0, None) for name, factory, data, _ in MODELS}
    pairs = []
    for name in available_strategies():
        strategy = get_strategy(name, **PARAMS.get(name, {}))
        fits = [model for model in fitted if _accepts(strategy, fitted[model])]
        pairs += [(name, model) for model in fits] or [(name, None)]
    return pairs


def _model_for(strategy: Strategy, kind: str, seed: int, tmp_path, model_name=None):
    for name, factory, data, kinds in MODELS:
        X, y = DATA[data]
        if model_name is not None and name != model_name:
            continue
        if model_name is None and not _accepts(strategy, factory("ndarray", X, y, seed, None)):
            continue
        if kind not in kinds:
            pytest.skip(f"{strategy.name} on a {name}: it does not take {kind} pools")
        pool = make_pool(kind, X[N_LABELLED:], tmp_path)
        return factory(kind, X, y, seed, tmp_path, strategy), pool
    pytest.fail(
        f"strategy {strategy.name!r} is registered but none of the test models "
        f"({[m[0] for m in MODELS]}) passes its check: add one to MODELS"
    )


def _snapshot(model):
    X, y = model.X_training, model.y_training
    return copy_pool(X), np.array(y, copy=True)


def _assert_valid_batch(idx, n_pool, k):
    assert isinstance(idx, np.ndarray) and np.issubdtype(idx.dtype, np.integer)
    assert idx.shape == (k,)
    assert np.unique(idx).size == k, f"duplicate indices {idx}"
    assert idx.min() >= 0 and idx.max() < n_pool


@pytest.mark.parametrize("kind", POOL_KINDS)
@pytest.mark.parametrize("name, model_name", _strategy_models())
def test_strategy_contract(name, model_name, kind, tmp_path):
    strategy = get_strategy(name, **PARAMS.get(name, {}))
    model, pool = _model_for(strategy, kind, 3, tmp_path, model_name)
    (tmp_path / "twin").mkdir()
    twin, _ = _model_for(strategy, kind, 3, tmp_path / "twin", model_name)
    n_pool = pool.shape[0]
    pool_before = copy_pool(pool)
    X_before, y_before = _snapshot(model)
    pred_before = model.predict(pool)

    for k in (1, 7):
        idx, rows = model.query(pool, n_instances=k)
        _assert_valid_batch(idx, n_pool, k)
        assert same_pool(rows, copy_pool(take_rows(pool, idx)))
        twin_idx, _ = twin.query(pool, n_instances=k)
        np.testing.assert_array_equal(idx, twin_idx, err_msg="same random_state, same batch")
        scores = model.last_scores_
        # a strategy may record which of its branches ran ("auto:random")
        assert model.last_strategy_.split(":")[0] == strategy.name
        if scores is not None:
            assert scores.shape == (n_pool,)
            assert not np.isnan(scores).any()
            if isinstance(strategy, TOP_K_STRATEGIES):
                rest = np.setdiff1d(np.arange(n_pool), idx)
                assert scores[idx].min() >= scores[rest].max(), "picks are the top-k scores"

    assert same_pool(pool, pool_before), "the caller's pool was modified"
    X_after, y_after = _snapshot(model)
    assert same_pool(X_after, X_before) and np.array_equal(y_after, y_before)
    np.testing.assert_array_equal(model.predict(pool), pred_before)


@pytest.mark.parametrize("name", available_strategies())
def test_modal_style_call_matches_the_learner_query(name, tmp_path):
    strategy = get_strategy(name, **PARAMS.get(name, {}))
    model, pool = _model_for(strategy, "ndarray", seed=5, tmp_path=tmp_path)
    direct = strategy(model, pool, n_instances=4, random_state=5)
    again = strategy(model, pool, n_instances=4, random_state=5)
    np.testing.assert_array_equal(direct, again)
    _assert_valid_batch(direct, pool.shape[0], 4)
    idx, _ = model.query(pool, n_instances=4)  # the learner's generator is seeded with 5 too
    np.testing.assert_array_equal(idx, direct)


@pytest.mark.parametrize("name", available_strategies())
def test_a_batch_can_take_the_whole_pool(name, tmp_path):
    strategy = get_strategy(name, **PARAMS.get(name, {}))
    model, pool = _model_for(strategy, "ndarray", seed=0, tmp_path=tmp_path)
    small = pool[:9]
    idx, _ = model.query(small, n_instances=9)
    assert sorted(idx.tolist()) == list(range(9))


def test_the_seed_matters_only_where_there_is_chance():
    X, y = DATA["clf"]
    batches = {
        tuple(_classifier("ndarray", X, y, s, None).query(X[N_LABELLED:], 5)[0])
        for s in range(5)
    }
    assert len(batches) == 1, "entropy has no ties here: the seed must not matter"
    learners = [ActiveLearner(LogisticRegression(), "random", X[:N_LABELLED], y[:N_LABELLED],
                              random_state=s) for s in range(5)]
    assert len({tuple(lr.query(X[N_LABELLED:], 5)[0]) for lr in learners}) == 5


# ---------------------------------------------------------------------------- registry


def test_names_aliases_objects_and_functions_resolve():
    assert get_strategy("uncertainty").name == "least_confident"
    assert get_strategy("uncertainty_sampling").name == "least_confident"
    assert get_strategy("k_center").name == "coreset"
    assert get_strategy("eer").name == "expected_error_reduction"
    ranked = get_strategy("ranked_batch")
    assert get_strategy(ranked) is ranked
    quota = get_strategy(get_strategy("class_quota"), rare_share=0.5)
    assert quota.rare_share == 0.5 and get_strategy("class_quota").rare_share == 0.3

    def mine(learner, X, n_instances=1):
        return np.arange(n_instances)

    assert get_strategy(mine) is mine


def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="unknown strategy 'entropi'.*entropy"):
        get_strategy("entropi")
    with pytest.raises(TypeError, match="a name, a Strategy or a function"):
        get_strategy(42)


def test_every_strategy_has_a_matching_name():
    for name in available_strategies():
        assert get_strategy(name).name == name


def test_registering_a_strategy_makes_it_available_by_name():
    from alwild import scores as S
    from alwild.strategies import unregister

    def factory(**p):
        return ScoreStrategy(label="neg_entropy",
                             utility=lambda m, rows: -S.entropy(m.predict_proba(rows)), **p)

    register("neg_entropy", factory, aliases=("most_confident",))
    try:
        X, y = DATA["clf"]
        learner = ActiveLearner(LogisticRegression(), "most_confident", X[:N_LABELLED],
                                y[:N_LABELLED])
        idx, _ = learner.query(X[N_LABELLED:], 3)
        entropy = S.entropy(learner.predict_proba(X[N_LABELLED:]))
        assert set(idx.tolist()) == set(np.argsort(entropy)[:3].tolist())
    finally:
        unregister("neg_entropy")


def test_frame_pools_use_the_pipelines_encoded_features(tmp_path):
    # coreset on a DataFrame measures distances in the ColumnTransformer's output
    X, y = DATA["clf"]
    frame = as_frame(X)
    model = frame_pipeline(LogisticRegression(max_iter=500), X.shape[1])
    learner = ActiveLearner(model, "coreset", frame.iloc[:N_LABELLED], y[:N_LABELLED])
    idx, _ = learner.query(frame.iloc[N_LABELLED:], 4)
    from alwild.select import k_center_greedy

    encode = model[:-1]
    feats = encode.transform(frame.iloc[N_LABELLED:])
    lab = encode.transform(frame.iloc[:N_LABELLED])
    feats = feats.toarray() if hasattr(feats, "toarray") else feats
    lab = lab.toarray() if hasattr(lab, "toarray") else lab
    np.testing.assert_array_equal(idx, k_center_greedy(feats, 4, lab))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_expected_gradient_length_uses_the_final_models_inputs(fit_intercept):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from alwild import scores as S

    X, y = DATA["clf"]
    model = make_pipeline(StandardScaler(), LogisticRegression(fit_intercept=fit_intercept,
                                                               max_iter=500))
    learner = ActiveLearner(model, "egl", X[:N_LABELLED], y[:N_LABELLED])
    pool = X[N_LABELLED:] * 10.0  # raw and scaled features give different lengths
    learner.query(pool, n_instances=2)
    scaled = model[0].transform(pool)
    expected = S.expected_gradient_length(model.predict_proba(pool), scaled, fit_intercept)
    np.testing.assert_allclose(learner.last_scores_, expected, rtol=1e-12)


def test_unknown_strategy_parameters_name_the_ones_it_takes():
    with pytest.raises(TypeError, match="strategy 'class_quota' has no parameter 'rare_shar'; "
                                        "it takes rare_share"):
        get_strategy("class_quota", rare_shar=0.5)
    with pytest.raises(TypeError, match="'entropy' has no parameter 'beta'; it takes "
                                        "random_tie_break$"):
        get_strategy("entropy", beta=2.0)
    with pytest.raises(TypeError, match="'random' has no parameter 'beta'; it takes no "
                                        "parameters"):
        get_strategy("random", beta=2.0)
    with pytest.raises(TypeError, match="'max_UCB' has no parameter 'kind'; it takes beta, "
                                        "random_tie_break, tradeoff"):
        get_strategy("max_UCB", kind="pi")
    X, y = DATA["clf"]
    learner = ActiveLearner(LogisticRegression(), "class_quota", X[:N_LABELLED], y[:N_LABELLED])
    with pytest.raises(TypeError, match="has no parameter 'share'"):
        learner.query(X[N_LABELLED:], 2, share=0.5)
    learner.query(X[N_LABELLED:], 2, rare_share=0.9)
    assert learner.query_strategy.rare_share == 0.3, "query parameters apply to that query only"


@pytest.mark.parametrize("loss", ["log", "01"])
def test_expected_error_reduction_against_a_direct_computation(loss):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression as LR

    X, y = DATA["clf"]
    X_lab, y_lab, pool = X[:N_LABELLED], y[:N_LABELLED], X[N_LABELLED:N_LABELLED + 30]
    strategy = get_strategy("expected_error_reduction", loss=loss, n_candidates=5, n_eval=1000)
    learner = ActiveLearner(LR(max_iter=500), strategy, X_lab, y_lab, random_state=0)
    idx, _ = learner.query(pool, n_instances=2)
    scores = learner.last_scores_
    candidates = np.flatnonzero(np.isfinite(scores))
    assert candidates.size == 5 and np.isneginf(np.delete(scores, candidates)).all()
    proba = learner.predict_proba(pool)
    for c in candidates:
        expected_loss = 0.0
        for j, label in enumerate(learner.classes_):
            est = clone(LR(max_iter=500)).fit(np.vstack([X_lab, pool[c]]), np.r_[y_lab, label])
            future = est.predict_proba(pool)  # evaluated on the whole pool (n_eval >= 30)
            per_row = (-(future * np.log(future)).sum(axis=1) if loss == "log"
                       else 1.0 - future.max(axis=1))
            expected_loss += proba[c, j] * per_row.mean()
        assert scores[c] == pytest.approx(-expected_loss, rel=1e-9)
    assert set(idx.tolist()) == set(candidates[np.argsort(-scores[candidates])[:2]].tolist())


def test_batch_strategies_are_wired_to_their_selectors():
    from alwild import scores as S
    from alwild import select

    X, y = DATA["clf"]
    X_lab, y_lab, pool = X[:N_LABELLED], y[:N_LABELLED], X[N_LABELLED:]

    def learner(name, **params):
        return ActiveLearner(LogisticRegression(max_iter=500), get_strategy(name, **params),
                             X_lab, y_lab, random_state=0)

    proba = learner("entropy").predict_proba(pool)
    ranked = learner("ranked_batch").query(pool, 6)[0]
    np.testing.assert_array_equal(
        ranked, select.ranked_batch(S.least_confident(proba), pool, 6, X_lab))
    coreset = learner("coreset").query(pool, 6)[0]
    np.testing.assert_array_equal(coreset, select.k_center_greedy(pool, 6, X_lab))
    margin = S.margin(proba)
    clustered = learner("cluster_margin", n_candidates=20).query(pool, 4)[0]
    assert set(clustered.tolist()) <= set(np.argsort(-margin)[:20].tolist())
    assert np.unique(clustered).size == 4
