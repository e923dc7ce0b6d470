"""modAL's ``modAL.density``: information density, the mean similarity ``1 / (1 + d)`` of
each row to the whole data set, by :func:`alwild.select.similarity_density` (the weight of
the ``density_weighted`` strategy with a ``metric``).

>>> import numpy as np
>>> information_density(np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 0.0]]), "cosine").round(3)
array([0.833, 0.833, 0.667])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial.distance import cosine, euclidean

from alwild.features import features_of
from alwild.select import similarity_density

__all__ = ["similarize_distance", "cosine_similarity", "euclidean_similarity",
           "information_density"]


def similarize_distance(distance_measure: Callable) -> Callable:
    """The similarity ``1 / (1 + distance_measure(...))`` of a distance.

    >>> similarize_distance(euclidean)(np.array([0.0]), np.array([3.0]))
    0.25
    """

    def similarity(*args, **kwargs):
        return 1.0 / (1.0 + distance_measure(*args, **kwargs))

    return similarity


cosine_similarity = similarize_distance(cosine)
euclidean_similarity = similarize_distance(euclidean)


def information_density(X, metric: str | Callable = "euclidean") -> np.ndarray:
    """Mean similarity of each row of ``X`` to every row, ``1 / (1 + distance)`` under
    ``metric`` (a name scikit-learn knows, or a function of two rows)."""
    feats = features_of(None, X)
    return similarity_density(feats, feats, metric)
