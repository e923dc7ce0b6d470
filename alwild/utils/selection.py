"""modAL's ``modAL.utils.selection``: the indices (and values) of the best entries of a
utility, by :func:`alwild.select.top_k`.

``multi_argmax`` breaks ties by the keys of ``random_state`` (0: the same keys as the
modAL faces' default, so ``multi_argmax(classifier_uncertainty(clf, X))`` picks what
``uncertainty_sampling(clf, X)`` picks) and lists the picks best first;
``shuffled_argmax`` breaks them with fresh keys and lists the picks from the n-th best up
to the best, as modAL's does.

>>> import numpy as np
>>> shuffled_argmax(np.array([0.2, 0.9, 0.5]), n_instances=2)
(array([2, 1]), array([0.5, 0.9]))
"""

from __future__ import annotations

import numpy as np

from alwild.errors import UserValueError
from alwild.select import as_rng, check_k, top_k

__all__ = ["multi_argmax", "multi_argmin", "shuffled_argmax", "shuffled_argmin",
           "weighted_random"]


def multi_argmax(
    values: np.ndarray, n_instances: int = 1, random_state: int | np.random.Generator | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n_instances`` largest values, best first."""
    values = np.asarray(values)
    idx = top_k(values, n_instances, random_state)
    return idx, values[idx]


def multi_argmin(
    values: np.ndarray, n_instances: int = 1, random_state: int | np.random.Generator | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n_instances`` smallest values, smallest first.

    >>> multi_argmin(np.array([3.0, 1.0, 2.0]))
    (array([1]), array([1.]))
    """
    idx, negated = multi_argmax(-np.asarray(values), n_instances, random_state)
    return idx, -negated


def shuffled_argmax(
    values: np.ndarray, n_instances: int = 1, random_state: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n_instances`` largest values, ties broken at random,
    in increasing order of value."""
    values = np.asarray(values)
    idx = top_k(values, n_instances, random_state)[::-1]
    return idx, values[idx]


def shuffled_argmin(
    values: np.ndarray, n_instances: int = 1, random_state: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``n_instances`` smallest values, ties broken at random.

    >>> shuffled_argmin(np.array([3.0, 1.0, 2.0]))
    (array([1]), array([1.]))
    """
    idx, negated = shuffled_argmax(-np.asarray(values), n_instances, random_state)
    return idx, -negated


def weighted_random(
    weights: np.ndarray, n_instances: int = 1, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """``n_instances`` distinct indices drawn with probability proportional to ``weights``.

    >>> weighted_random(np.array([0.0, 1.0, 0.0]), random_state=0).tolist()
    [1]
    """
    weights = np.asarray(weights, dtype=float)
    check_k(n_instances, weights.shape[0])
    total = weights.sum()
    if not total > 0:
        raise UserValueError("the weights must sum to more than zero: give some rows weight")
    return as_rng(random_state).choice(weights.shape[0], n_instances, replace=False,
                                       p=weights / total)
