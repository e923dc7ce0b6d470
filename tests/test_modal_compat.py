"""modAL users feel at home, and our scores agree with modAL's and scikit-activeml's.

modAL's learners cannot ``teach`` on scikit-learn 1.9 (they pass a removed keyword to
``check_X_y``), but they can be built (which fits them) and its scoring functions run,
so the cross-checks compare on estimators fitted once, identically, on both sides.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from alwild import scores as S
from tests.pools import N_LABELLED, classification_data

X, y = classification_data(n=200, n_features=5, n_classes=4, seed=7)
X_LAB, Y_LAB, POOL = X[:40], y[:40], X[40:]


def test_the_snippet_from_the_study_runs_with_alwild_imports():
    X_init, y_init = X[:N_LABELLED], y[:N_LABELLED]
    X_pool, y_pool = X[N_LABELLED:], y[N_LABELLED:]
    # --- the study's snippet, with modAL replaced by alwild --------------------------
    from alwild.models import ActiveLearner
    from alwild.uncertainty import uncertainty_sampling

    learner = ActiveLearner(estimator=RandomForestClassifier(), query_strategy=uncertainty_sampling, X_training=X_init, y_training=y_init)  # noqa: E501
    query_idx, query_instance = learner.query(X_pool)
    y_new = y_pool[query_idx]
    learner.teach(X_pool[query_idx], y_new)
    # ---------------------------------------------------------------------------------
    assert query_idx.shape == (1,)
    np.testing.assert_array_equal(query_instance, X_pool[query_idx])
    assert learner.X_training.shape == (N_LABELLED + 1, X.shape[1])
    assert learner.y_training[-1] == y_new[0]
    uncertainty = 1 - learner.last_scores_
    assert learner.last_scores_[query_idx[0]] == pytest.approx(1 - uncertainty.min())


MODAL_NAMES = {
    "alwild.models": ["ActiveLearner", "Committee", "CommitteeRegressor", "BayesianOptimizer"],
    "alwild.uncertainty": ["uncertainty_sampling", "margin_sampling", "entropy_sampling",
                           "classifier_uncertainty", "classifier_margin", "classifier_entropy"],
    "alwild.disagreement": ["vote_entropy_sampling", "consensus_entropy_sampling",
                            "max_disagreement_sampling", "max_std_sampling", "vote_entropy",
                            "consensus_entropy", "KL_max_disagreement"],
    "alwild.batch": ["uncertainty_batch_sampling"],
    "alwild.acquisition": ["max_PI", "max_EI", "max_UCB", "optimizer_PI", "optimizer_EI",
                           "optimizer_UCB"],
}


@pytest.mark.parametrize("module", sorted(MODAL_NAMES))
def test_modal_names_exist_at_modal_paths(module):
    import importlib

    import alwild

    mod = importlib.import_module(module)
    for name in MODAL_NAMES[module]:
        assert hasattr(mod, name), f"{module}.{name}"
        if name in alwild.__all__:
            assert getattr(alwild, name) is getattr(mod, name)


# ----------------------------------------------------- single-model scores vs modAL


@pytest.fixture(scope="module")
def forest():
    return RandomForestClassifier(n_estimators=20, random_state=0).fit(X_LAB, Y_LAB)


def test_uncertainty_measures_match_modal(forest):
    import modAL.uncertainty as theirs

    import alwild.uncertainty as ours

    for name in ("classifier_uncertainty", "classifier_margin", "classifier_entropy"):
        np.testing.assert_allclose(getattr(ours, name)(forest, POOL),
                                   getattr(theirs, name)(forest, POOL), atol=1e-12,
                                   err_msg=name)


def test_uncertainty_measures_match_scikit_activeml(forest):
    from skactiveml.pool import uncertainty_scores

    proba = forest.predict_proba(POOL)
    for ours, method in ((S.least_confident, "least_confident"), (S.margin, "margin_sampling"),
                         (S.entropy, "entropy")):
        np.testing.assert_allclose(ours(proba), uncertainty_scores(proba, method=method),
                                   atol=1e-12, err_msg=method)


@pytest.mark.parametrize("name", ["uncertainty_sampling", "margin_sampling", "entropy_sampling"])
def test_sampling_functions_pick_what_modal_picks(name):
    import modAL.uncertainty as theirs

    import alwild.uncertainty as ours

    clf = LogisticRegression(max_iter=1000).fit(X_LAB, Y_LAB)  # continuous: no ties
    theirs_idx = getattr(theirs, name)(clf, POOL, n_instances=7)
    theirs_idx = theirs_idx[0] if isinstance(theirs_idx, tuple) else theirs_idx
    ours_idx, ours_metrics = getattr(ours, name)(clf, POOL, n_instances=7)
    assert sorted(ours_idx.tolist()) == sorted(np.asarray(theirs_idx).tolist())
    theirs_all = getattr(theirs, name)(clf, POOL, n_instances=POOL.shape[0])
    theirs_metric = dict(zip(theirs_all[0].tolist(), theirs_all[1].tolist(), strict=True))
    np.testing.assert_allclose(ours_metrics, [theirs_metric[i] for i in ours_idx.tolist()],
                               atol=1e-12, err_msg="the metrics are modAL's")


def test_uncertainty_batch_sampling_matches_modal():
    from modAL.batch import uncertainty_batch_sampling as theirs
    from modAL.models import ActiveLearner as ModalLearner

    from alwild.batch import uncertainty_batch_sampling as ours
    from alwild.models import ActiveLearner

    est = LogisticRegression(max_iter=1000)
    modal = ModalLearner(clone(est), X_training=X_LAB, y_training=Y_LAB)
    learner = ActiveLearner(clone(est), ours, X_LAB, Y_LAB)
    theirs_idx = theirs(modal, POOL, n_instances=10)
    theirs_idx = theirs_idx[0] if isinstance(theirs_idx, tuple) else theirs_idx
    idx, _ = learner.query(POOL, n_instances=10)
    np.testing.assert_array_equal(idx, theirs_idx)


# --------------------------------------------------------- committee scores vs modAL


def _member_estimators():
    return [LogisticRegression(C=0.05, max_iter=1000), LogisticRegression(max_iter=1000),
            DecisionTreeClassifier(max_depth=3, random_state=0), KNeighborsClassifier(7)]


@pytest.fixture(scope="module")
def committees():
    from modAL.models import ActiveLearner as ModalLearner
    from modAL.models import Committee as ModalCommittee

    from alwild.models import ActiveLearner, Committee

    # members see different rows (and so, for some, different classes)
    slices = [slice(0, 40), slice(10, 60), slice(0, 25), slice(20, 70)]
    ours = Committee([ActiveLearner(est, X_training=X[s], y_training=y[s])
                      for est, s in zip(_member_estimators(), slices, strict=True)])
    theirs = ModalCommittee([ModalLearner(est, X_training=X[s], y_training=y[s])
                             for est, s in zip(_member_estimators(), slices, strict=True)])
    return ours, theirs


@pytest.mark.parametrize("name", ["vote_entropy", "consensus_entropy", "KL_max_disagreement"])
def test_disagreement_measures_match_modal(committees, name):
    import modAL.disagreement as theirs_mod

    import alwild.disagreement as ours_mod

    ours, theirs = committees
    expected = getattr(theirs_mod, name)(theirs, POOL)
    assert expected.max() > 0, "the committee must disagree somewhere for this to test much"
    np.testing.assert_allclose(getattr(ours_mod, name)(ours, POOL), expected, atol=1e-9)
    # modAL's functions also run on our committee (duck-typed), with the same result
    np.testing.assert_allclose(getattr(theirs_mod, name)(ours, POOL), expected, atol=1e-9)


@pytest.mark.parametrize("strategy, measure", [
    ("vote_entropy", "vote_entropy"), ("consensus_entropy", "consensus_entropy"),
    ("max_disagreement", "KL_max_disagreement"),
])
def test_committee_query_scores_match_modal(committees, strategy, measure):
    import modAL.disagreement as theirs_mod

    ours, theirs = committees
    ours.query_strategy = __import__("alwild").get_strategy(strategy)
    ours.query(POOL, n_instances=3)
    np.testing.assert_allclose(ours.last_scores_, getattr(theirs_mod, measure)(theirs, POOL),
                               atol=1e-9)


def test_committee_scores_match_scikit_activeml(committees):
    from skactiveml.pool import average_kl_divergence, vote_entropy

    ours, _ = committees
    votes = ours.vote(POOL)
    np.testing.assert_allclose(
        S.vote_entropy(ours.vote_indices(POOL), ours.n_classes_),
        vote_entropy(votes, ours.classes_), atol=1e-12,
    )
    member_proba = ours.member_proba(POOL)
    # the members' mean KL from the consensus is the BALD mutual information
    np.testing.assert_allclose(S.bald(member_proba),
                               average_kl_divergence(member_proba.copy(), eps=1e-12), atol=1e-6)


# ------------------------------------------------------------- acquisition vs modAL


def test_acquisition_utilities_match_modal():
    import modAL.acquisition as theirs
    from modAL.models import BayesianOptimizer as ModalOptimizer

    import alwild.acquisition as ours
    from alwild.models import BayesianOptimizer

    grid = np.linspace(0, 1, 50).reshape(-1, 1)
    start = np.array([3, 20, 40])
    target = np.sin(6 * grid).ravel()
    gp = GaussianProcessRegressor(RBF(0.2), optimizer=None)
    ours_opt = BayesianOptimizer(clone(gp), X_training=grid[start], y_training=target[start])
    theirs_opt = ModalOptimizer(clone(gp), X_training=grid[start], y_training=target[start])
    assert ours_opt.y_max == pytest.approx(theirs_opt.y_max)
    for name, kw in (("optimizer_PI", {"tradeoff": 0.05}), ("optimizer_EI", {"tradeoff": 0.05}),
                     ("optimizer_UCB", {"beta": 1.5})):
        np.testing.assert_allclose(getattr(ours, name)(ours_opt, grid, **kw),
                                   getattr(theirs, name)(theirs_opt, grid, **kw),
                                   rtol=1e-9, atol=1e-12, err_msg=name)
    for name in ("max_PI", "max_EI", "max_UCB"):
        theirs_idx = getattr(theirs, name)(theirs_opt, grid, n_instances=1)
        theirs_idx = theirs_idx[0] if isinstance(theirs_idx, tuple) else theirs_idx
        ours_idx, ours_metric = getattr(ours, name)(ours_opt, grid, n_instances=1)
        np.testing.assert_array_equal(ours_idx, np.asarray(theirs_idx).ravel(), err_msg=name)
        theirs_metric = np.ravel(getattr(theirs, name)(theirs_opt, grid)[1])
        np.testing.assert_allclose(ours_metric, theirs_metric, rtol=1e-9, err_msg=name)


@pytest.mark.parametrize("name", __import__("alwild").available_strategies())
def test_strategies_called_on_a_bare_fitted_estimator(name):
    """modAL lets a strategy be called on the estimator itself: ``strategy(clf, X, n)``."""
    from alwild import get_strategy

    clf = LogisticRegression(max_iter=1000).fit(X_LAB, Y_LAB)
    strategy = get_strategy(name)
    try:
        strategy.check(clf)
    except TypeError as err:  # committee, std and MC strategies say what they need instead
        assert "use" in str(err)
        return
    except ValueError as err:
        assert name == "expected_error_reduction" and "use it through ActiveLearner" in str(err)
        return
    idx = strategy(clf, POOL, n_instances=3, random_state=0)
    assert idx.shape == (3,) and np.unique(idx).size == 3
    assert idx.min() >= 0 and idx.max() < POOL.shape[0]


# ------------------------------------------------------ modAL 0.4.2's module paths


class _Unfitted:
    """An estimator that raises NotFittedError until fitted (as modAL's tests mock one)."""

    def fit(self, X, y):
        return self

    def predict(self, X, return_std=False):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError("not fitted")


@pytest.mark.parametrize("shape", [(30,), (30, 1)])
def test_acquisition_functions_match_modal_in_shape_and_value(shape):
    import modAL.acquisition as theirs

    import alwild.acquisition as ours

    rng = np.random.default_rng(0)
    mean, std = rng.random(shape), rng.random(shape) + 0.1
    for name, args in (("PI", (0.3, 0.05)), ("EI", (0.3, 0.05)), ("UCB", (1.5,))):
        got, want = getattr(ours, name)(mean, std, *args), getattr(theirs, name)(mean, std, *args)
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)


def test_an_unfitted_optimizer_scores_with_the_prior_as_modal_does():
    import modAL.acquisition as theirs
    from modAL.models import BayesianOptimizer as ModalOptimizer

    import alwild.acquisition as ours
    from alwild.models import BayesianOptimizer

    grid = np.linspace(0, 1, 9).reshape(-1, 1)
    mine, modal = BayesianOptimizer(_Unfitted()), ModalOptimizer(_Unfitted())
    mine._set_max([[0.0]], [0.4])
    modal._set_max([[0.0]], [0.4])
    for name, kw in (("optimizer_PI", {"tradeoff": 0.1}), ("optimizer_EI", {"tradeoff": 0.1}),
                     ("optimizer_UCB", {"beta": 2.0})):
        got, want = getattr(ours, name)(mine, grid, **kw), getattr(theirs, name)(modal, grid, **kw)
        assert got.shape == want.shape == (9, 1), name
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)


def test_disagreement_measures_take_any_committee_and_are_zero_before_fitting(committees):
    import modAL.disagreement as theirs_mod

    import alwild.disagreement as ours_mod
    from alwild.models import ActiveLearner, Committee

    ours, theirs = committees

    class Duck:  # modAL's committee protocol only
        classes_ = ours.classes_
        vote, vote_proba, predict_proba = theirs.vote, theirs.vote_proba, theirs.predict_proba

    for name in ("vote_entropy", "consensus_entropy", "KL_max_disagreement"):
        np.testing.assert_allclose(getattr(ours_mod, name)(Duck(), POOL),
                                   getattr(theirs_mod, name)(theirs, POOL), atol=1e-9)
        unfitted = Committee([ActiveLearner(LogisticRegression()) for _ in range(2)])
        assert getattr(ours_mod, name)(unfitted, POOL).tolist() == [0.0] * POOL.shape[0]
    idx, entropy = ours_mod.vote_entropy_sampling(Duck(), POOL, n_instances=3)
    np.testing.assert_allclose(entropy, theirs_mod.vote_entropy(theirs, POOL)[idx], atol=1e-9)


def test_measures_of_an_unfitted_classifier_are_modals():
    import modAL.uncertainty as theirs

    import alwild.uncertainty as ours

    unfitted = LogisticRegression()
    for name in ("classifier_uncertainty", "classifier_margin", "classifier_entropy"):
        np.testing.assert_array_equal(getattr(ours, name)(unfitted, POOL),
                                      getattr(theirs, name)(unfitted, POOL), err_msg=name)
    proba = np.random.default_rng(1).dirichlet(np.ones(4), size=20)
    for name in ("_proba_uncertainty", "_proba_margin", "_proba_entropy"):
        np.testing.assert_allclose(getattr(ours, name)(proba), getattr(theirs, name)(proba),
                                   atol=1e-12, err_msg=name)


# modAL.expected_error itself no longer imports on NumPy 2 (np.float): its one function is
# checked in tests/test_expected_error.py
MODAL_PATHS = ["alwild.models.learners", "alwild.models.base", "alwild.utils",
               "alwild.utils.selection", "alwild.utils.data", "alwild.utils.combination",
               "alwild.utils.validation", "alwild.density", "alwild.multilabel",
               "alwild.dropout", "alwild.uncertainty", "alwild.disagreement", "alwild.batch",
               "alwild.acquisition"]


# modAL's steps of its ranked-batch loop; alwild's loop keeps its distances cached instead
NOT_OFFERED = {"alwild.batch": {"select_instance", "select_cold_start_instance"}}


@pytest.mark.parametrize("path", MODAL_PATHS)
def test_modals_public_names_exist_at_its_paths(path):
    import importlib

    theirs = importlib.import_module("modAL" + path[len("alwild"):])
    ours = importlib.import_module(path)
    public = [n for n, v in vars(theirs).items() if not n.startswith("_") and callable(v)
              and getattr(v, "__module__", None) == theirs.__name__]
    missing = [n for n in public if not hasattr(ours, n) and n not in NOT_OFFERED.get(path, ())]
    assert not missing, f"{path} lacks modAL's {missing}"


def test_ranked_batch_faces_match_modal_and_take_modals_default_batch():
    from modAL.batch import ranked_batch as theirs_ranked
    from modAL.models import ActiveLearner as ModalLearner

    from alwild.batch import ranked_batch, uncertainty_batch_sampling
    from alwild.models import ActiveLearner

    est = LogisticRegression(max_iter=1000)
    modal = ModalLearner(clone(est), X_training=X_LAB, y_training=Y_LAB)
    learner = ActiveLearner(clone(est), X_training=X_LAB, y_training=Y_LAB)
    uncertainty = 1 - learner.predict_proba(POOL).max(axis=1)
    idx, picked = ranked_batch(learner, POOL, uncertainty, 6)
    want_idx, want_picked = theirs_ranked(modal, POOL, uncertainty, 6, "euclidean", None)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(picked, want_picked)
    assert uncertainty_batch_sampling(learner, POOL)[0].shape == (20,)
    assert uncertainty_batch_sampling(learner, POOL[:5])[0].shape == (5,)
    with pytest.raises(ValueError, match="euclidean distances"):
        ranked_batch(learner, POOL, uncertainty, 2, metric="cosine")
