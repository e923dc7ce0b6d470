"""modAL's ``modAL.batch``: ``uncertainty_batch_sampling``, the face of the registered
``ranked_batch`` strategy (ranked batch, Cardoso et al. 2017), returning ``(indices,
uncertainties)``, and ``ranked_batch``, the face of :func:`alwild.select.ranked_batch`.

As in modAL, a direct call takes 20 rows unless told otherwise (or the whole pool if it
is smaller); a learner's ``query`` takes ``n_instances`` (default 1). Distances are
euclidean. Before anything is labelled the first pick is the most uncertain row (modAL's
is the row nearest all the others).

>>> uncertainty_batch_sampling.__name__
'uncertainty_batch_sampling'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild.errors import UserValueError
from alwild.features import features_of, labelled_features
from alwild.select import ranked_batch as ranked_selection
from alwild.strategies import ModalFace, get_strategy

__all__ = ["uncertainty_batch_sampling", "ranked_batch"]

uncertainty_batch_sampling = ModalFace(get_strategy("ranked_batch"), "uncertainty_batch_sampling",
                                       batch=20)


def ranked_batch(classifier: Any, unlabeled, uncertainty_scores: np.ndarray, n_instances: int,
                 metric: str = "euclidean", n_jobs: int | None = None) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """The ranked batch of ``n_instances`` rows of ``unlabeled`` given their uncertainty,
    and those uncertainties (``n_jobs`` is accepted and unused).

    >>> from alwild.learners import ActiveLearner
    >>> ranked_batch(ActiveLearner(None), np.array([[0.0], [5.0]]), np.array([0.1, 0.9]), 1)
    (array([1]), array([0.9]))
    """
    if metric != "euclidean":
        raise UserValueError(f"ranked batch measures euclidean distances, got metric={metric!r}")
    uncertainty_scores = np.asarray(uncertainty_scores)
    n = min(n_instances, uncertainty_scores.shape[0])
    idx = ranked_selection(uncertainty_scores, features_of(classifier, unlabeled), n,
                           labelled_features(classifier))
    return idx, uncertainty_scores[idx]
