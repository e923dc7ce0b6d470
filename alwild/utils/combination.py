"""modAL's ``modAL.utils.combination``: utility functions combined into one, and a query
strategy made of a utility and a selector.

>>> import numpy as np
>>> double = make_linear_combination(np.ones_like, np.ones_like)
>>> double(np.zeros(2)).tolist()
[2.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from alwild.errors import UserValueError

__all__ = ["make_linear_combination", "make_product", "make_query_strategy"]


def _coefficients(functions: tuple, given: Sequence | None, what: str) -> np.ndarray:
    if given is None:
        return np.ones(len(functions))
    if len(given) != len(functions):
        raise UserValueError(
            f"got {len(functions)} functions but {len(given)} {what}: give one per function"
        )
    return np.asarray(given, dtype=float)


def make_linear_combination(*functions: Callable, weights: Sequence | None = None) -> Callable:
    """A function returning ``sum_i weights[i] * functions[i](...)`` (weights default 1)."""
    coef = _coefficients(functions, weights, "weights")

    def linear_combination(*args, **kwargs):
        return sum(w * f(*args, **kwargs) for w, f in zip(coef, functions, strict=True))

    return linear_combination


def make_product(*functions: Callable, exponents: Sequence | None = None) -> Callable:
    """A function returning ``prod_i functions[i](...) ** exponents[i]`` (exponents default 1).

    >>> make_product(np.sqrt, np.sqrt, exponents=[1, 2])(np.array([4.0])).tolist()
    [8.0]
    """
    powers = _coefficients(functions, exponents, "exponents")

    def product(*args, **kwargs):
        return np.prod([f(*args, **kwargs) ** p for p, f in zip(powers, functions, strict=True)],
                       axis=0)

    return product


def make_query_strategy(utility_measure: Callable, selector: Callable) -> Callable:
    """A query strategy ``(classifier, X) -> selector(utility_measure(classifier, X))``.

    >>> from alwild.utils.selection import multi_argmax
    >>> strategy = make_query_strategy(lambda clf, X: np.asarray(X).sum(axis=1), multi_argmax)
    >>> strategy(None, [[1.0], [3.0]])
    (array([1]), array([3.]))
    """

    def query_strategy(classifier, X):
        return selector(utility_measure(classifier, X))

    return query_strategy
