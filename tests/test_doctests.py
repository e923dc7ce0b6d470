"""The examples in the core modules' docstrings run and give what they show.

Scoped to the core on purpose: ``pytest --doctest-modules alwild`` would import every
module, including the optional heavy ones (torch, the web app, Dask) that have their
own tests and extras.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

CORE_MODULES = [
    "alwild.scores",
    "alwild.select",
    "alwild.pool",
    "alwild.strategies",
    "alwild.support",
    "alwild.learners.active",
    "alwild.learners.committee",
    "alwild.learners.optimizer",
    "alwild.uncertainty",
    "alwild.disagreement",
    "alwild.acquisition",
    "alwild.batch",
    "alwild.loop",
    "alwild.quickcurve",
    "alwild.models.lean_forest",
    "alwild.sim.estimators",
    "alwild.sim.stopping_rules",
    "alwild.sim.pool_run",
]


@pytest.mark.parametrize("name", CORE_MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_functions_of_the_pure_core_show_an_example():
    missing = []
    for name in ("alwild.scores", "alwild.select"):
        module = importlib.import_module(name)
        for fn_name in module.__all__:
            fn = getattr(module, fn_name)
            if callable(fn) and ">>>" not in (fn.__doc__ or ""):
                missing.append(f"{name}.{fn_name}")
    assert not missing, f"public functions without a runnable example: {missing}"
