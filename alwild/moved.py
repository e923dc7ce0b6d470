"""Old module paths that moved keep importing: ``import alwild.support`` still works.

:data:`OLD_PATHS` maps each old dotted path to its new one. On first import the old
name resolves to the very module object of the new path (no copy, no second class), so
user code, modAL-style imports and pickles that name the old path keep working. A
module that was split maps to the tuple of its new homes: the old name is then a small
module whose attributes are looked up in them, in order.

>>> import importlib
>>> importlib.import_module("alwild.bayes_select") is importlib.import_module("alwild.select.bayes")
True
>>> from alwild.support import features_of, require_proba   # split in two
>>> features_of.__module__, require_proba.__module__
('alwild.features', 'alwild.strategies.capabilities')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Mapping

__all__ = ["OLD_PATHS", "keep_old_paths"]

OLD_PATHS: dict[str, str | tuple[str, ...]] = {
    "alwild.support": ("alwild.strategies.capabilities", "alwild.features", "alwild.pool"),
    "alwild.strategies_auto": "alwild.strategies.auto",
    "alwild.strategies_balanced": "alwild.strategies.balanced",
    "alwild.bayes_strategies": ("alwild.strategies.bayes", "alwild.strategies"),
    "alwild.select_balanced": "alwild.select",
    "alwild.bayes_select": "alwild.select.bayes",
    "alwild.scale.topk": "alwild.select.topk",
    "alwild.lean_forest": "alwild.models.lean_forest",
    "alwild.sim.models": "alwild.sim.estimators",
    "alwild.vision.export": "alwild.export.tables",
    "alwild.app.api": "alwild.app.web.api",
    "alwild.app.auth": "alwild.app.services.auth",
    "alwild.app.chart": "alwild.app.web.chart",
    "alwild.app.demo": "alwild.app.services.demo",
    "alwild.app.deps": "alwild.app.web.deps",
    "alwild.app.export": "alwild.app.services.export",
    "alwild.app.features": "alwild.app.services.features",
    "alwild.app.ingest": "alwild.app.services.ingest",
    "alwild.app.intake": "alwild.app.services.intake",
    "alwild.app.labels": "alwild.app.services.labels",
    "alwild.app.leases": "alwild.app.services.leases",
    "alwild.app.media": "alwild.app.services.media",
    "alwild.app.models": "alwild.app.store.orm",
    "alwild.app.pages": "alwild.app.web.pages",
    "alwild.app.projects": "alwild.app.services.projects",
    "alwild.app.registry": "alwild.app.store.model_files",
    "alwild.app.schemas": "alwild.app.web.schemas",
    "alwild.app.server": "alwild.app.web.server",
    "alwild.app.service": "alwild.app.web.launch",
    "alwild.app.training": "alwild.app.services.training",
    "alwild.app.views": "alwild.app.services.summaries",
    "alwild.app.workspace": "alwild.app.store.workspace",
}


def _split_module(name: str, targets: tuple[str, ...]) -> types.ModuleType:
    homes = [importlib.import_module(t) for t in targets]
    module = types.ModuleType(name, f"Moved: its names now live in {', '.join(targets)}.")

    def __getattr__(attr: str):
        for home in homes:
            if hasattr(home, attr):
                return getattr(home, attr)
        raise AttributeError(f"module {name!r} has no attribute {attr!r}")

    module.__getattr__ = __getattr__
    module.__all__ = [a for home in homes for a in getattr(home, "__all__", ())]
    return module


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str | tuple[str, ...]) -> None:
        self.target = target

    def create_module(self, spec):
        if isinstance(self.target, tuple):
            return _split_module(spec.name, self.target)
        return None  # a placeholder; exec_module puts the real module in its place

    def exec_module(self, module) -> None:
        """Bind the old name to the new module, leaving the new module's own spec intact
        (so ``importlib.reload`` of it still re-executes its file)."""
        if not isinstance(self.target, tuple):
            sys.modules[module.__name__] = importlib.import_module(self.target)


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = OLD_PATHS.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


_FINDER = _MovedFinder()


def keep_old_paths(moves: Mapping[str, str | tuple[str, ...]] | None = None) -> None:
    """Let each old dotted module path (:data:`OLD_PATHS`, plus ``moves``) import as its
    new one. ``alwild`` calls it on import."""
    OLD_PATHS.update(moves or {})
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
