"""Numeric features of a pool for distance-based selection (k-center, clusters, density).

For a scikit-learn ``Pipeline`` the features are the output of every step but the last,
so a DataFrame with categorical columns becomes the model's own encoded features.

>>> import numpy as np
>>> features_of(None, [[1, 2], [3, 4]]).dtype
dtype('float64')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from alwild.errors import UserTypeError
from alwild.pool import raise_if_nonfinite

__all__ = ["features_of", "labelled_features"]

_FINITE_BLOCK = 4096


def _transformer(model: Any):
    est = getattr(model, "estimator", model)
    if getattr(model, "on_transformed", False) or hasattr(est, "steps"):
        if hasattr(est, "steps") and len(est.steps) > 1:
            return est[:-1]
    return None


def features_of(model: Any, X) -> np.ndarray | sparse.spmatrix:
    """Numeric features of ``X`` for distance-based selection.

    For a scikit-learn ``Pipeline`` these are the output of every step but the last, so
    a DataFrame with categorical columns becomes the model's own encoded features.
    Rows whose features hold NaN or infinity are named in a ValueError.
    """
    transformer = _transformer(model)
    if transformer is not None:
        X = transformer.transform(X)
    if isinstance(X, (pd.DataFrame, pd.Series)):
        X = X.to_numpy()
    if sparse.issparse(X):
        X = X.tocsr().astype(float, copy=False)
    else:
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.number):
            raise UserTypeError(
                "distance-based selection needs numeric features: use a Pipeline whose first "
                "steps encode the data (e.g. a ColumnTransformer), or a score-based strategy"
            )
        X = X.reshape(X.shape[0], -1).astype(float, copy=False)
    for start in range(0, X.shape[0], _FINITE_BLOCK):  # bounded temporaries
        raise_if_nonfinite(X[start : start + _FINITE_BLOCK], start)
    return X


def labelled_features(model: Any):
    """Features of the labelled set, or None when nothing is labelled yet."""
    X = getattr(model, "X_training", None)
    if X is None or (hasattr(X, "shape") and X.shape[0] == 0):
        return None
    return features_of(model, X)

