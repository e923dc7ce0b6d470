"""What a synthetic row may look like: per-feature kind, bounds and categories.

A :class:`FeatureSpace` declares each column as continuous, integer or categorical,
with bounds (or categories), and whether it may be varied at all. Generators propose
rows freely and :meth:`FeatureSpace.project` puts them back inside the space: clip to
the bounds, round integers, snap categories to a declared value.

>>> space = FeatureSpace([Feature("age", "integer", 0, 120), Feature("sex", "categorical",
...                       categories=(0, 1))])
>>> space.project(np.array([[130.4, 0.8]])).tolist()
[[120.0, 1.0]]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from alwild.errors import UserValueError

__all__ = ["Feature", "FeatureSpace", "KINDS"]

KINDS = ("continuous", "integer", "categorical")


@dataclasses.dataclass(frozen=True)
class Feature:
    """One column: ``kind`` in :data:`KINDS`, bounds ``low``/``high`` for numbers,
    ``categories`` (numeric codes) for categorical columns, ``vary=False`` to keep it
    fixed at the seed's value."""

    name: str
    kind: str = "continuous"
    low: float = -np.inf
    high: float = np.inf
    categories: tuple = ()
    vary: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UserValueError(
                f"feature {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}"
            )
        if self.kind == "categorical":
            try:
                cats = tuple(float(c) for c in self.categories)
            except (TypeError, ValueError):
                raise UserValueError(
                    f"feature {self.name!r}: categories must be numeric codes (encode text "
                    "categories as integers first)"
                ) from None
            object.__setattr__(self, "categories", tuple(sorted(set(cats))))
        elif self.low > self.high:
            raise UserValueError(f"feature {self.name!r}: low {self.low} is above high {self.high}")
        elif self.kind == "integer" and np.ceil(self.low) > np.floor(self.high):
            raise UserValueError(f"feature {self.name!r}: no whole number lies in "
                             f"[{self.low}, {self.high}]")

    @property
    def width(self) -> float:
        """Range of values, used to scale perturbations (1 when unbounded)."""
        if self.kind == "categorical":
            return 0.0
        span = self.high - self.low
        return float(span) if np.isfinite(span) and span > 0 else 1.0


class FeatureSpace:
    """The declared space of rows; ``project`` maps any proposal into it."""

    def __init__(self, features: Sequence[Feature]) -> None:
        if not features:
            raise UserValueError("a feature space needs at least one feature")
        names = [f.name for f in features]
        if len(set(names)) != len(names):
            raise UserValueError(f"feature names must be unique, got {names}")
        self.features = list(features)

    @classmethod
    def from_data(
        cls,
        X,
        names: Sequence[str] | None = None,
        categorical: Sequence[int | str] = (),
        integer: Sequence[int | str] = (),
        frozen: Sequence[int | str] = (),
        margin: float = 0.0,
    ) -> FeatureSpace:
        """Bounds (widened by ``margin`` × range) and categories taken from the data.

        Columns in ``categorical`` take the values seen; columns in ``integer`` round;
        columns listed in ``frozen`` are never varied. Columns may be named or indexed.

        >>> FeatureSpace.from_data(np.array([[0.0, 1], [2.0, 3]]), integer=[1]).bounds
        (array([0., 1.]), array([2., 3.]))
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[0] == 0:
            raise UserValueError(f"expected a non-empty 2-D array of rows, got shape {X.shape}")
        names = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise UserValueError(f"got {len(names)} names for {X.shape[1]} columns")

        def positions(cols) -> set[int]:
            out = set()
            for c in cols:
                if isinstance(c, str):
                    if c not in names:
                        raise UserValueError(f"unknown column {c!r}; columns are {names}")
                    out.add(names.index(c))
                else:
                    out.add(int(c))
            return out

        cat, ints, fixed = positions(categorical), positions(integer), positions(frozen)
        feats = []
        for j, name in enumerate(names):
            col = X[:, j]
            if j in cat:
                feats.append(Feature(name, "categorical", categories=tuple(np.unique(col)),
                                     vary=j not in fixed))
                continue
            lo, hi = float(col.min()), float(col.max())
            pad = margin * (hi - lo)
            kind = "integer" if j in ints else "continuous"
            feats.append(Feature(name, kind, lo - pad, hi + pad, vary=j not in fixed))
        return cls(feats)

    @property
    def n_features(self) -> int:
        return len(self.features)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds per feature (categories: their min and max code)."""
        low = np.array([min(f.categories) if f.kind == "categorical" else f.low
                        for f in self.features], dtype=float)
        high = np.array([max(f.categories) if f.kind == "categorical" else f.high
                         for f in self.features], dtype=float)
        return low, high

    def index(self, kind: str) -> np.ndarray:
        return np.array([j for j, f in enumerate(self.features) if f.kind == kind], dtype=np.intp)

    def check_rows(self, X, what: str = "rows") -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise UserValueError(f"{what} must have shape (n, {self.n_features}) for this feature "
                             f"space ({self.names}), got {X.shape}")
        return X

    def varying(self, vary: Sequence[int | str] | None = None) -> np.ndarray:
        """Boolean mask of the features a generator may change.

        Asking to vary a frozen feature, or a categorical feature with fewer than two
        categories, is an error.
        """
        if vary is None:
            mask = np.array([f.vary for f in self.features])
            for j, f in enumerate(self.features):
                if f.kind == "categorical" and len(f.categories) < 2:
                    mask[j] = False
            return mask
        mask = np.zeros(self.n_features, dtype=bool)
        for v in vary:
            j = self.names.index(v) if isinstance(v, str) and v in self.names else v
            if not isinstance(j, (int, np.integer)) or not 0 <= j < self.n_features:
                raise UserValueError(f"cannot vary {v!r}: not a feature of {self.names}")
            f = self.features[j]
            if not f.vary:
                raise UserValueError(f"cannot vary feature {f.name!r}: it is declared frozen")
            if f.kind == "categorical" and len(f.categories) < 2:
                raise UserValueError(
                    f"cannot vary categorical feature {f.name!r}: its declared categories are "
                    f"{list(f.categories)}; declare at least two, or leave it out of vary"
                )
            mask[j] = True
        return mask

    def project(self, X) -> np.ndarray:
        """``X`` mapped into the space: clipped, integers rounded, categories snapped."""
        X = self.check_rows(X).copy()
        low, high = self.bounds
        X = np.clip(X, low, high)
        for j in self.index("integer"):
            f = self.features[j]
            col = np.round(X[:, j])
            # rounding may leave a fractional bound: move inside it
            col = np.clip(col, np.ceil(f.low), np.floor(f.high))
            X[:, j] = col
        for j in self.index("categorical"):
            cats = np.asarray(self.features[j].categories)
            X[:, j] = cats[np.abs(X[:, j][:, None] - cats[None]).argmin(axis=1)]
        return X

    def contains(self, X) -> np.ndarray:
        """Per row: is it inside the space (bounds, integrality, categories)?"""
        X = self.check_rows(X)
        low, high = self.bounds
        ok = np.all((X >= low) & (X <= high), axis=1)
        for j in self.index("integer"):
            ok &= X[:, j] == np.round(X[:, j])
        for j in self.index("categorical"):
            ok &= np.isin(X[:, j], self.features[j].categories)
        return ok
