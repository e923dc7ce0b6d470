"""Old module paths that moved keep importing: ``import alwild.support`` still works.

A package that moved some of its modules calls :func:`keep_old_paths` from its
``__init__`` with ``{old dotted path: new dotted path}``. The old name then resolves, on
first import, to the very module object of the new path (no copy, no second class), so
user code, modAL-style imports and pickles that name the old path keep working.

>>> import alwild, importlib
>>> keep_old_paths({"alwild._doc_example_old": "alwild.pool"})
>>> importlib.import_module("alwild._doc_example_old") is importlib.import_module("alwild.pool")
True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Mapping

__all__ = ["keep_old_paths", "old_paths"]

_MOVED: dict[str, str] = {}


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:
        """The target module is already executed by its own import."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = _MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


_FINDER = _MovedFinder()


def keep_old_paths(moves: Mapping[str, str]) -> None:
    """Let each old dotted module path import as its new one."""
    _MOVED.update(moves)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def old_paths() -> dict[str, str]:
    """Every registered ``{old path: new path}`` (the packages' ``__init__`` register them)."""
    return dict(_MOVED)
