"""The same pool loop in the peer libraries (modAL, scikit-activeml), for the benchmarks.

Each function gets the split, the starting rows and the seed that ``alwild.sim`` uses for
that seed (``split_rows`` / ``initial_positions``), refits after every label, and returns the
test accuracy after 0..budget queries. Estimators are seeded exactly as ``alwild.sim.arms``
seeds them: the single model with ``seed``, committee members with 1000·seed+1+i.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone


def _committee_accuracy(members, X, y) -> float:
    proba = np.mean([m.predict_proba(X) for m in members], axis=0)
    return float(np.mean(members[0].classes_[proba.argmax(axis=1)] == y))


def skactiveml_curve(X, y, pool, test, start, estimator, seed: int, budget: int,
                     committee_size: int = 0) -> list[float]:
    """scikit-activeml: UncertaintySampling(least_confident) or QueryByCommittee(vote_entropy)."""
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import QueryByCommittee, UncertaintySampling

    classes = np.unique(y).astype(float)
    Xp, yp = X[pool], y[pool].astype(float)
    y_known = np.full(len(pool), np.nan)
    y_known[start] = yp[start]

    def wrap(s):
        return SklearnClassifier(clone(estimator).set_params(random_state=s), classes=classes,
                                 missing_label=np.nan, random_state=s)

    if committee_size:
        members = [wrap(1000 * seed + 1 + i) for i in range(committee_size)]
        qs = QueryByCommittee(method="vote_entropy", missing_label=np.nan, random_state=seed)
    else:
        members = [wrap(seed)]
        qs = UncertaintySampling(method="least_confident", missing_label=np.nan,
                                 random_state=seed)
    for m in members:
        m.fit(Xp, y_known)
    accs = [_committee_accuracy(members, X[test], y[test])]
    for _ in range(budget):
        if committee_size:
            idx = qs.query(Xp, y_known, ensemble=members, fit_ensemble=False)
        else:
            idx = qs.query(Xp, y_known, clf=members[0], fit_clf=False)
        y_known[idx] = yp[idx]
        for m in members:
            m.fit(Xp, y_known)
        accs.append(_committee_accuracy(members, X[test], y[test]))
    return accs


def modal_teach_works() -> tuple[bool, str]:
    """Whether modAL's ``ActiveLearner.teach`` runs on this scikit-learn (and why not).

    modAL 0.4.2.1 passes ``force_all_finite`` to scikit-learn's ``check_X_y``, which
    scikit-learn 1.8 removed, so ``teach`` raises ``TypeError`` there.
    """
    from modAL.models import ActiveLearner
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 0, 1])
    try:
        ActiveLearner(LogisticRegression(), X_training=X[:2], y_training=y[:2]).teach(X[2:],
                                                                                       y[2:])
    except TypeError as err:
        return False, f"{type(err).__name__}: {err}"
    return True, ""


def modal_curve(X, y, pool, test, start, estimator, seed: int, budget: int,
                use_learner: bool) -> list[float]:
    """modAL uncertainty sampling: through ``ActiveLearner`` (query/teach) when
    ``use_learner``, else modAL's own query function
    ``modAL.uncertainty.uncertainty_sampling`` driven by a plain refit loop (fit on the
    labelled rows, query the remaining rows, delete the queried row), which is what
    ``ActiveLearner`` does minus its input checks."""
    from modAL.models import ActiveLearner
    from modAL.uncertainty import uncertainty_sampling

    est = clone(estimator).set_params(random_state=seed)
    labelled = list(pool[start])
    remaining = np.delete(pool, start)
    if use_learner:
        learner = ActiveLearner(est, uncertainty_sampling, X_training=X[labelled],
                                y_training=y[labelled])
        accs = [learner.score(X[test], y[test])]
        for _ in range(budget):
            i, _ = learner.query(X[remaining])
            learner.teach(X[remaining[i]], y[remaining[i]])
            remaining = np.delete(remaining, i)
            accs.append(learner.score(X[test], y[test]))
        return accs
    labelled = list(pool[start])
    remaining = np.delete(pool, start)
    est.fit(X[labelled], y[labelled])
    accs = [float(est.score(X[test], y[test]))]
    for _ in range(budget):
        i, _ = uncertainty_sampling(est, X[remaining], n_instances=1)
        labelled.extend(remaining[i].tolist())
        remaining = np.delete(remaining, i)
        est.fit(X[labelled], y[labelled])
        accs.append(float(est.score(X[test], y[test])))
    return accs
