"""Helpers for the core tests: small datasets and pools of every supported type."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

N_LABELLED = 15
COLOURS = np.array(["red", "green", "blue"])


def classification_data(n: int = 120, n_features: int = 4, n_classes: int = 3, seed: int = 0):
    """A small, well-separated multi-class problem: the first rows cover every class."""
    X, y = make_classification(
        n_samples=n, n_features=n_features, n_informative=n_features, n_redundant=0,
        n_classes=n_classes, n_clusters_per_class=1, class_sep=1.5, random_state=seed,
    )
    firsts = np.concatenate([np.flatnonzero(y == c)[:2] for c in range(n_classes)])
    rest = np.setdiff1d(np.arange(n), firsts)
    order = np.concatenate([firsts, rest])
    return X[order], y[order]


def regression_data(n: int = 80, n_features: int = 3, seed: int = 0):
    X, y = make_regression(n_samples=n, n_features=n_features, noise=1.0, random_state=seed)
    return X, y


def as_frame(X: np.ndarray) -> pd.DataFrame:
    """Numeric columns plus one categorical column derived from the first feature."""
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["colour"] = COLOURS[np.digitize(X[:, 0], [-0.5, 0.5])]
    return frame


def frame_pipeline(final, n_features: int = 4) -> Pipeline:
    """ColumnTransformer (scaled numbers + one-hot colour) followed by ``final``."""
    encode = ColumnTransformer([
        ("num", StandardScaler(), [f"f{i}" for i in range(n_features)]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"]),
    ])
    return Pipeline([("encode", encode), ("model", final)])


def to_memmap(X: np.ndarray, path) -> np.memmap:
    mm = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


POOL_KINDS = ("ndarray", "csr", "frame", "memmap")


def make_pool(kind: str, X: np.ndarray, tmp_path):
    """``X`` as a pool of the given kind (a DataFrame gains a categorical column)."""
    if kind == "ndarray":
        return X
    if kind == "csr":
        return sparse.csr_matrix(np.where(np.abs(X) < 0.3, 0.0, X))
    if kind == "frame":
        return as_frame(X)
    if kind == "memmap":
        return to_memmap(X, tmp_path / "pool.dat")
    raise ValueError(kind)


def same_pool(a, b) -> bool:
    """Whether two pools of the same kind hold identical values."""
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if sparse.issparse(a):
        return (a != b).nnz == 0 and a.shape == b.shape
    return np.array_equal(np.asarray(a), np.asarray(b))


def copy_pool(X):
    if isinstance(X, pd.DataFrame):
        return X.copy(deep=True)
    if sparse.issparse(X):
        return X.copy()
    return np.array(X, copy=True)
