"""The strategies package keeps its promises: one registry, one module per family, and a
docstring that tells the truth about which strategies run on Dask."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import alwild
import alwild.strategies as strategies
from alwild.strategies import FAMILIES, TopKStrategy, available_strategies, get_strategy

PACKAGE_DIR = Path(alwild.__file__).parent


def test_every_strategy_is_registered_by_exactly_one_family_module():
    family_names = {m.__name__ for m in FAMILIES}
    for name in available_strategies():
        homes = [m.__name__ for m in FAMILIES
                 if re.search(rf'register\(\s*"{name}"', Path(m.__file__).read_text())]
        assert len(homes) == 1 and homes[0] in family_names, (name, homes)


def test_no_strategy_is_registered_outside_the_family_modules():
    family_files = {Path(m.__file__) for m in FAMILIES}
    for path in PACKAGE_DIR.rglob("*.py"):
        if path in family_files:
            continue
        assert not re.search(r"^register\(", path.read_text(), re.M), path


def test_the_docstring_lists_exactly_the_strategies_that_run_on_dask():
    doc = strategies.__doc__
    paragraph = doc[doc.index("**On a Dask cluster**"):doc.index("Their ``row_scores``")]
    listed = {n for n in available_strategies() if re.search(rf"\b{n}\b", paragraph)}
    per_row = {n for n in available_strategies() if isinstance(get_strategy(n), TopKStrategy)}
    assert listed == per_row


def test_no_module_imports_a_private_name_from_another_module():
    offences = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("alwild"):
                offences += [f"{path.relative_to(PACKAGE_DIR)}: {node.module}.{a.name}"
                             for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert not offences, offences


def test_every_registered_strategy_pickles(tmp_path):
    # a learner saved with joblib (alwild query --model, the app's model files) holds one
    import pickle

    for name in available_strategies():
        strategy = get_strategy(name)
        restored = pickle.loads(pickle.dumps(strategy))
        assert type(restored) is type(strategy) and restored.name == strategy.name
        if isinstance(strategy, strategies.ScoreStrategy):
            assert restored == strategy
