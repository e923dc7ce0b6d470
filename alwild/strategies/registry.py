"""Strategies by name: the one registry that learners, the CLI, the app and Dask read.

A strategy module registers each of its strategies once, with :func:`register`, and the
package ``alwild.strategies`` imports every strategy module once.

>>> get_strategy("uncertainty").name
'least_confident'
"""

from __future__ import annotations

from collections.abc import Callable

from alwild.errors import UserTypeError, UserValueError
from alwild.strategies.base import ModalFace, Strategy

__all__ = ["register", "unregister", "get_strategy", "available_strategies", "aliases_of",
           "canonical_name"]

_REGISTRY: dict[str, Callable[..., Strategy]] = {}
_ALIASES: dict[str, str] = {}


def register(name: str, factory: Callable[..., Strategy], aliases: tuple[str, ...] = ()) -> None:
    """Make a strategy available by name to learners, the CLI and the app.

    ``factory(**params)`` returns a new strategy object: a :class:`Strategy` subclass, or
    a :func:`functools.partial` of one (e.g. :func:`~alwild.strategies.score_strategy`).
    """
    _REGISTRY[name] = factory
    for alias in aliases:
        _ALIASES[alias] = name


def unregister(name: str) -> None:
    """Remove a registered strategy and its aliases (e.g. a plug-in's, after a test)."""
    _REGISTRY.pop(name)
    for alias in [a for a, target in _ALIASES.items() if target == name]:
        del _ALIASES[alias]


def available_strategies() -> list[str]:
    """Registered strategy names (aliases not included).

    >>> "entropy" in available_strategies()
    True
    """
    return sorted(_REGISTRY)


def canonical_name(name: str) -> str:
    """The registered name that ``name`` (a name or an alias) stands for; any other string
    as it is.

    >>> canonical_name("passive"), canonical_name("random"), canonical_name("nope")
    ('random', 'random', 'nope')
    """
    return _ALIASES.get(name, name)


def aliases_of(name: str) -> list[str]:
    """The other names a registered strategy answers to.

    >>> aliases_of("random")
    ['passive']
    """
    return sorted(a for a, target in _ALIASES.items() if target == name)


def get_strategy(spec: str | Strategy | Callable, **params) -> Strategy | Callable:
    """Resolve a strategy given by name (or alias), object, modAL face (its strategy) or
    modAL-style function.

    >>> get_strategy("cluster_margin", n_candidates=50).n_candidates
    50
    """
    if isinstance(spec, ModalFace):
        spec = spec.strategy
    if isinstance(spec, Strategy):
        return spec.with_params(**params)
    if isinstance(spec, str):
        key = canonical_name(spec)
        if key not in _REGISTRY:
            names = ", ".join(available_strategies())
            raise UserValueError(f"unknown strategy {spec!r}; choose one of: {names}")
        return _REGISTRY[key]().with_params(**params)
    if callable(spec):
        return spec
    raise UserTypeError(
        f"a strategy must be a name, a Strategy or a function (learner, X, n_instances); "
        f"got {type(spec).__name__}"
    )

