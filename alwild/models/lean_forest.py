"""A random forest that refits fast on the small labelled sets of active learning.

An active-learning simulation refits a random forest after every query, on tens of rows.
There, scikit-learn's :class:`~sklearn.ensemble.RandomForestClassifier` spends almost all
of its time in per-tree Python bookkeeping (cloning, parameter checks, target checks), not
in growing trees: about 63 ms for 100 trees on 40 rows, of which growing the trees takes
about 4 ms. :class:`LeanRandomForestClassifier` grows the very same trees (the same
per-tree seeds, bootstrap draws, splitter and builder) with that bookkeeping done once per
forest, and sums the trees' probabilities without the parallel wrapper. Its fitted trees
and probabilities equal scikit-learn's bit for bit
(``tests/models/test_lean_forest.py`` checks this across random data and settings).

The fast path covers what simulations use: a dense, finite NumPy ``X``, one target column,
no ``sample_weight``, one job, no ``verbose`` output, and the forest settings left at their
defaults except ``n_estimators``, ``criterion``, ``max_depth``, ``min_samples_split``,
``min_samples_leaf``, ``min_weight_fraction_leaf``, ``max_features``,
``min_impurity_decrease``, ``bootstrap`` and ``random_state``. Anything else (and any
scikit-learn whose tree internals differ) goes to scikit-learn's own ``fit``.
``tests/models/test_lean_forest.py`` passes on scikit-learn 1.9 and 1.5 (fast path) and 1.3
(whose splitter takes other arguments, so every fit falls back).

>>> import numpy as np
>>> from sklearn.ensemble import RandomForestClassifier
>>> X = np.random.default_rng(0).normal(size=(40, 4)); y = (X[:, 0] > 0).astype(int)
>>> lean = LeanRandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
>>> ref = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
>>> bool(np.array_equal(lean.predict_proba(X), ref.predict_proba(X)))
True
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn validates through the estimator
    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

try:  # scikit-learn's tree builder; absent or different, the forest uses its own fit
    from sklearn.tree._classes import CRITERIA_CLF, DENSE_SPLITTERS
    from sklearn.tree._tree import DepthFirstTreeBuilder, Tree
except ImportError:  # pragma: no cover - depends on the installed scikit-learn
    CRITERIA_CLF = DENSE_SPLITTERS = DepthFirstTreeBuilder = Tree = None

__all__ = ["LeanRandomForestClassifier"]

_MAX_INT = np.iinfo(np.int32).max
_DEFAULTS = {"max_leaf_nodes": None, "class_weight": None, "oob_score": False,
             "warm_start": False, "max_samples": None, "monotonic_cst": None,
             "ccp_alpha": 0.0}


class LeanRandomForestClassifier(RandomForestClassifier):
    """:class:`~sklearn.ensemble.RandomForestClassifier` with a fast refit on small data.

    Same parameters, attributes and results as scikit-learn's forest; see the module
    docstring for when the fast path applies.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LeanRandomForestClassifier:
        """Grow the forest on ``(X, y)``; equal to ``RandomForestClassifier.fit``."""
        if not self._lean_fit_applies(X, y, sample_weight):
            return super().fit(X, y, sample_weight)
        self._validate_params()
        X_given, y_given = X, y
        X, y = _validate_data(self, X, y, multi_output=True, dtype=np.float32)
        y = np.reshape(y, (-1, 1))
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y[:, 0], return_inverse=True)
        self.n_classes_ = len(self.classes_)
        self._n_samples, self.n_features_in_ = X.shape
        self.n_outputs_ = 1
        self._sample_weight = None
        self._n_samples_bootstrap = self._n_samples if self.bootstrap else None
        self._validate_estimator()
        tree_y = np.ascontiguousarray(y_index.reshape(-1, 1), dtype=np.float64)
        seeds = check_random_state(self.random_state).randint(_MAX_INT, size=self.n_estimators)
        grow = _TreeGrower(self, X, tree_y)
        try:
            self.estimators_ = [grow(int(seed)) for seed in seeds]
        except TypeError:  # pragma: no cover - a scikit-learn with other tree internals
            return super().fit(X_given, y_given)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean class probabilities of the trees; equal to scikit-learn's."""
        if sparse.issparse(X) or getattr(self, "n_outputs_", 1) != 1:
            return super().predict_proba(X)
        X = self._validate_X_predict(X)
        total = np.zeros((X.shape[0], self.n_classes_), dtype=np.float64)
        for tree in self.estimators_:
            total += tree.predict_proba(X, check_input=False)
        total /= len(self.estimators_)
        return total

    def _lean_fit_applies(self, X: Any, y: Any, sample_weight: Any) -> bool:
        return (Tree is not None and sample_weight is None and self.n_jobs in (None, 1)
                and not self.verbose
                and type(X) is np.ndarray and X.ndim == 2 and X.dtype.kind in "biuf"
                and bool(np.isfinite(X).all()) and np.ndim(y) == 1
                and isinstance(self.criterion, str) and self.criterion in CRITERIA_CLF
                and type(self.estimator) is DecisionTreeClassifier
                and all(_same(getattr(self, name, value), value)
                        for name, value in _DEFAULTS.items()))


def _same(value: Any, default: Any) -> bool:
    return value is default if default is None or isinstance(default, bool) else \
        value == default


class _TreeGrower:
    """Grows one of a forest's trees from its seed, the way scikit-learn's forest does."""

    def __init__(self, forest: LeanRandomForestClassifier, X: np.ndarray,
                 y: np.ndarray) -> None:
        n_samples, n_features = X.shape
        self.X, self.y, self.forest = X, y, forest
        self.params = {name: getattr(forest, name) for name in forest.estimator_params}
        self.n_classes = np.array([forest.n_classes_], dtype=np.intp)
        self.min_samples_leaf = _count(forest.min_samples_leaf, n_samples)
        self.min_samples_split = max(2, _count(forest.min_samples_split, n_samples),
                                     2 * self.min_samples_leaf)
        self.max_features = _max_features(forest.max_features, n_features)
        self.max_depth = _MAX_INT if forest.max_depth is None else forest.max_depth
        self.rng = np.random.RandomState()  # reseeded per tree: seeding is cheaper than making

    def __call__(self, seed: int) -> DecisionTreeClassifier:
        forest, n_samples, rng = self.forest, self.X.shape[0], self.rng
        weight = None
        if forest.bootstrap:
            rng.seed(seed)
            drawn = rng.randint(0, n_samples, n_samples)
            weight = np.bincount(drawn, minlength=n_samples).astype(np.float64)
        rng.seed(seed)
        total_weight = n_samples if weight is None else weight.sum()
        min_weight_leaf = forest.min_weight_fraction_leaf * total_weight
        criterion = CRITERIA_CLF[forest.criterion](1, self.n_classes)
        splitter = DENSE_SPLITTERS["best"](criterion, self.max_features, self.min_samples_leaf,
                                           min_weight_leaf, rng, None)
        structure = Tree(self.X.shape[1], self.n_classes, 1)
        DepthFirstTreeBuilder(splitter, self.min_samples_split, self.min_samples_leaf,
                              min_weight_leaf, self.max_depth,
                              forest.min_impurity_decrease).build(structure, self.X, self.y,
                                                                  weight, None)
        tree = DecisionTreeClassifier(**{**self.params, "random_state": seed})
        tree.n_features_in_, tree.n_outputs_ = self.X.shape[1], 1
        tree.classes_ = np.arange(forest.n_classes_, dtype=np.float64)
        tree.n_classes_ = self.n_classes[0]
        tree.max_features_ = self.max_features
        tree.tree_ = structure
        return tree


def _count(value: numbers.Real, n_samples: int) -> int:
    """A ``min_samples_*`` setting as a row count (a float is a fraction of the rows)."""
    return value if isinstance(value, numbers.Integral) else math.ceil(value * n_samples)


def _max_features(value: Any, n_features: int) -> int:
    """Features tried per split, as scikit-learn's trees read ``max_features``."""
    if value == "sqrt":
        return max(1, int(np.sqrt(n_features)))
    if value == "log2":
        return max(1, int(np.log2(n_features)))
    if value is None:
        return n_features
    if isinstance(value, numbers.Integral):
        return value
    return max(1, int(value * n_features)) if value > 0.0 else 0
