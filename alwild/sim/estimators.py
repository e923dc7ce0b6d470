"""Estimators by short name (``rf``, ``logreg``, ...) or by Python import path.

``rf`` is :class:`~alwild.models.lean_forest.LeanRandomForestClassifier`: scikit-learn's random
forest, with the same trees and probabilities, refitted 14 to 18 times faster on the 20 to 60
labelled rows of a simulation.

>>> from sklearn.ensemble import RandomForestClassifier
>>> isinstance(make_model("rf", random_state=0), RandomForestClassifier)
True
>>> type(make_model("sklearn.tree.DecisionTreeClassifier")).__name__
'DecisionTreeClassifier'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from alwild.errors import UserValueError
from alwild.models.lean_forest import LeanRandomForestClassifier

__all__ = ["MODELS", "make_model", "check_model_name"]

MODELS: dict[str, Callable[[], Any]] = {
    "rf": lambda: LeanRandomForestClassifier(n_estimators=100),
    "logreg": lambda: LogisticRegression(max_iter=1000),
    "knn": lambda: KNeighborsClassifier(n_neighbors=3),
    "svm": lambda: SVC(probability=True),
    "gb": lambda: GradientBoostingClassifier(),
    "nb": lambda: GaussianNB(),
}


def check_model_name(name: str) -> None:
    """Raise a clear error now, before any work, if ``name`` cannot be made."""
    make_model(name)


def make_model(name: str, random_state: int | None = None) -> Any:
    """A fresh, unfitted estimator; ``random_state`` is set where the estimator has one.

    ``name`` is a short name (see ``MODELS``) or an import path such as
    ``sklearn.ensemble.ExtraTreesClassifier`` or ``package.module:ClassName``.
    """
    if name in MODELS:
        est = MODELS[name]()
    elif "." in name or ":" in name:
        est = _import(name)()
    else:
        raise UserValueError(
            f"unknown model {name!r}; use one of {', '.join(MODELS)} or an import path "
            "such as sklearn.ensemble.ExtraTreesClassifier"
        )
    if random_state is not None and "random_state" in est.get_params():
        est.set_params(random_state=random_state)
    return est


def _import(path: str) -> Callable[[], Any]:
    module_name, _, attr = path.replace(":", ".").rpartition(".")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise UserValueError(
            f"cannot import the model {path!r} ({err}); give module.ClassName of an "
            f"installed estimator, or one of {', '.join(MODELS)}"
        ) from err
    if not callable(factory):
        raise UserValueError(f"{path!r} is not a class or factory function")
    return factory
