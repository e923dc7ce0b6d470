"""Turn a mixed table into a numeric matrix: impute, one-hot encode categoricals, scale.

The transformer is label-free and is fitted once on the feature columns of all rows, so
every strategy and seed of a simulation sees the same numeric features.

>>> import pandas as pd
>>> frame = pd.DataFrame({"age": [1.0, None, 3.0], "sex": ["f", "m", None]})
>>> to_matrix(frame).shape
(3, 3)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from alwild.errors import UserValueError

__all__ = ["make_preprocessor", "to_matrix", "split_columns"]


def split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical column names (booleans count as categorical)."""
    types = pd.api.types
    numeric = [c for c in frame.columns
               if types.is_numeric_dtype(frame[c]) and not types.is_bool_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    return numeric, categorical


def make_preprocessor(frame: pd.DataFrame) -> ColumnTransformer:
    """A ``ColumnTransformer`` for ``frame``: median-impute and scale numeric columns,
    most-frequent-impute and one-hot encode the others."""
    numeric, categorical = split_columns(frame)
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if categorical:
        parts.append(("categorical", make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical))
    return ColumnTransformer(parts, sparse_threshold=0.0)


def to_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Numeric float matrix of ``frame`` (see :func:`make_preprocessor`)."""
    _, categorical = split_columns(frame)
    frame = frame.astype({c: object for c in categorical})
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise UserValueError(
            f"columns {empty} have no values at all: leave them out (--drop) or fill them"
        )
    return np.asarray(make_preprocessor(frame).fit_transform(frame), dtype=np.float64)
