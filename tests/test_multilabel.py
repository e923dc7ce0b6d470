"""Multi-label strategies (alwild.strategies.multilabel) and their modAL faces
(alwild.multilabel), against modAL 0.4.2's functions and hand-computed losses."""

from __future__ import annotations

import modAL.multilabel as theirs
import numpy as np
import pytest
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import SVC

from alwild import multilabel as ours
from alwild import scores as S
from alwild.learners import ActiveLearner

rng = np.random.default_rng(3)
X_LAB, POOL = rng.random((40, 5)), rng.random((30, 5))
Y_LAB = (X_LAB[:, :4] + rng.normal(0, 0.2, (40, 4)) > 0.5).astype(int)
CLF = OneVsRestClassifier(SVC(probability=True, gamma="auto", random_state=0)).fit(X_LAB, Y_LAB)

FACES = ["max_loss", "mean_max_loss", "min_confidence", "avg_confidence", "max_score",
         "avg_score"]


@pytest.mark.parametrize("name", FACES)
def test_faces_pick_and_measure_what_modal_does(name):
    idx, metric = getattr(ours, name)(CLF, POOL, n_instances=4, random_state=1)
    every_idx, every_metric = getattr(theirs, name)(CLF, POOL, n_instances=POOL.shape[0])
    theirs_metric = dict(zip(every_idx.tolist(), every_metric.tolist(), strict=True))
    np.testing.assert_allclose(metric, [theirs_metric[i] for i in idx.tolist()], atol=1e-12)
    best = np.sort(every_metric)[::-1] if name != "min_confidence" else np.sort(every_metric)
    np.testing.assert_allclose(np.sort(metric), np.sort(best[:4]), atol=1e-12)


def test_svm_binary_minimum_takes_the_row_nearest_a_boundary_as_modal_does():
    learner = ActiveLearner(CLF)
    idx, distance = ours.SVM_binary_minimum(learner, POOL)
    assert idx.tolist() == [int(theirs.SVM_binary_minimum(learner, POOL))]
    by_hand = np.abs(np.column_stack([e.decision_function(POOL) for e in CLF.estimators_]))
    assert distance[0] == pytest.approx(by_hand.min(axis=1).min())


def test_svm_loss_helper_matches_modal():
    np.testing.assert_allclose(ours._SVM_loss(CLF, POOL), theirs._SVM_loss(CLF, POOL))
    certain = rng.integers(0, 4, POOL.shape[0])
    np.testing.assert_allclose(ours._SVM_loss(CLF, POOL, certain),
                               theirs._SVM_loss(CLF, POOL, most_certain_classes=certain))


def test_losses_and_scores_by_hand():
    predictions = np.array([[1, 0, 1]])
    # signs [1, -1, 1]; only label 0 true: margins 1, 1, -1 -> hinge 0, 0, 2 (sum 2)
    assert S.max_loss(predictions, np.array([0])).tolist() == [2.0]
    # label j alone true: 1 - (2 s_j - sum s) = 1 - (2 s_j - 1) -> 0, 4, 0 -> mean 4/3
    assert S.mean_max_loss(predictions).tolist() == pytest.approx([4 / 3])
    proba = np.array([[0.9, 0.2, 0.6]])
    assert S.max_score(proba, predictions).tolist() == pytest.approx([0.45])
    assert S.avg_score(proba, predictions).tolist() == pytest.approx([(0.45 - 0.1 + 0.3) / 3])


def test_a_learner_runs_them_and_single_label_models_are_refused():
    learner = ActiveLearner(OneVsRestClassifier(SVC(probability=True, random_state=0)),
                            ours.min_confidence, X_LAB, Y_LAB)
    assert learner.query_strategy.name == "min_confidence"
    idx, _ = learner.query(POOL, n_instances=3)
    np.testing.assert_array_equal(np.sort(learner.last_scores_[idx])[::-1],
                                  np.sort(-learner.predict_proba(POOL).min(axis=1))[::-1][:3])
    single = SVC(probability=True).fit(X_LAB, Y_LAB[:, 0])
    with pytest.raises(TypeError, match="is for multi-label classifiers"):
        ours.max_score(single, POOL)
