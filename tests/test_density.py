"""alwild.density against modAL 0.4.2's information density, and the strategy it weights."""

from __future__ import annotations

import modAL.density as theirs
import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cityblock, cosine

from alwild import density as ours
from alwild import scores as S
from alwild.learners import ActiveLearner
from alwild.select import similarity_density
from tests.pools import classification_data

X, y = classification_data(n=60, n_features=3)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan", cityblock])
def test_information_density_matches_modal(metric):
    # rtol: scikit-learn's fast euclidean leaves a row's distance to itself ~1e-8 off zero
    # unless both arguments are one object, as they are in modAL's call and not per chunk
    np.testing.assert_allclose(ours.information_density(X, metric),
                               theirs.information_density(X, metric), rtol=1e-7)


def test_similarities_of_a_distance_match_modal():
    a, b = X[0], X[1]
    assert ours.similarize_distance(cosine)(a, b) == pytest.approx(
        theirs.similarize_distance(cosine)(a, b))
    assert ours.euclidean_similarity(a, b) == pytest.approx(theirs.euclidean_similarity(a, b))


def test_density_by_hand_and_in_chunks_on_sparse_rows():
    pts = np.array([[0.0], [1.0], [3.0]])
    # |0-1| = 1, |0-3| = 3, |1-3| = 2: mean of 1/(1+d) over each row's three distances
    hand = [(1 + 1 / 2 + 1 / 4) / 3, (1 / 2 + 1 + 1 / 3) / 3, (1 / 4 + 1 / 3 + 1) / 3]
    np.testing.assert_allclose(similarity_density(pts, pts, chunk_size=2), hand)
    np.testing.assert_allclose(ours.information_density(sparse.csr_matrix(pts)), hand)


def test_density_weighted_with_a_metric_weights_entropy_by_modals_density():
    from sklearn.linear_model import LogisticRegression

    learner = ActiveLearner(LogisticRegression(), "density_weighted", X[:10], y[:10],
                            random_state=0)
    pool = X[10:]
    learner.query(pool, n_instances=3, metric="euclidean")
    expected = S.entropy(learner.predict_proba(pool)) * theirs.information_density(pool)
    np.testing.assert_allclose(learner.last_scores_, expected, rtol=1e-7)
