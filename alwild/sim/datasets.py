"""Labelled tables for simulations: builtin names or a CSV/Parquet file with a target column.

>>> data = load_dataset("iris")
>>> data.X.shape, data.classes.tolist()
((150, 4), ['setosa', 'versicolor', 'virginica'])
"""

from __future__ import annotations

import dataclasses
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets as skdatasets

from alwild.errors import UserValueError

__all__ = ["Dataset", "BUILTIN_NAMES", "TITANIC_DROPPED", "load_dataset", "read_table"]

_SKLEARN = {
    "iris": skdatasets.load_iris,
    "wine": skdatasets.load_wine,
    "breast_cancer": skdatasets.load_breast_cancer,
    "digits": skdatasets.load_digits,
}
BUILTIN_NAMES = (*_SKLEARN, "titanic")
#: Titanic columns left out of the features: an identifier, two free-text columns that are
#: nearly unique per row, and a column that is 77% missing (see ``alwild/data/README.md``).
TITANIC_DROPPED = ("PassengerId", "Name", "Ticket", "Cabin")
_TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet",
                   ".pq": "parquet"}


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Features (a DataFrame), integer labels ``y`` (indices into ``classes``) and notes.

    ``notes`` says what was done to the table that a user should know (rows dropped, columns
    left out).
    """

    name: str
    X: pd.DataFrame
    y: np.ndarray
    classes: np.ndarray
    target: str
    notes: tuple[str, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def load_dataset(spec: str | Path, target: str | None = None,
                 drop: tuple[str, ...] = ()) -> Dataset:
    """A builtin dataset by name, or a CSV/Parquet file with its ``target`` column.

    Rows with a missing target are dropped (and counted in ``notes``); ``drop`` names
    further columns to leave out of the features (identifiers, free text).
    """
    spec_str = str(spec)
    if spec_str in _SKLEARN:
        if target not in (None, "target"):
            raise UserValueError(
                f"{spec_str} is a builtin dataset with its own labels, so --target "
                f"{target!r} does not apply: leave --target out, or give the path of a "
                "CSV/Parquet table"
            )
        bunch = _SKLEARN[spec_str](as_frame=True)
        frame = bunch.frame.rename(columns={bunch.target.name: "target"})
        names = np.asarray(getattr(bunch, "target_names", np.unique(bunch.target)))
        frame["target"] = names[bunch.target.to_numpy()] if names.dtype.kind in "UO" else \
            bunch.target
        return _from_frame(spec_str, frame, "target", drop)
    if spec_str == "titanic":
        frame = _read_titanic()
        return _from_frame("titanic", frame, target or "Survived", (*TITANIC_DROPPED, *drop))
    path = Path(spec_str)
    if not path.exists():
        raise FileNotFoundError(
            f"{spec_str!r} is neither a builtin dataset ({', '.join(BUILTIN_NAMES)}) "
            "nor an existing file: give a builtin name or the path of a CSV/Parquet table"
        )
    if target is None:
        raise UserValueError(f"say which column of {path.name} holds the labels: --target COLUMN")
    return _from_frame(path.stem, read_table(path), target, drop)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file, naming the line of a row that cannot be parsed."""
    kind = _TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UserValueError(
            f"cannot read {path.name}: the suffix {path.suffix!r} is not one of "
            f"{', '.join(sorted(_TABLE_SUFFIXES))}; save the table as CSV or Parquet"
        )
    if kind == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as err:  # pyarrow raises several types for a damaged file
            raise UserValueError(f"cannot read {path} as Parquet: {err}") from err
    try:
        return pd.read_csv(path, sep="\t" if kind == "tsv" else ",")
    except pd.errors.EmptyDataError as err:
        raise UserValueError(f"{path} is empty: it needs a header row and labelled rows") from err
    except pd.errors.ParserError as err:
        raise UserValueError(
            f"cannot parse {path}: {_parser_detail(err)}; fix or remove that row "
            "(quote fields that contain the separator)"
        ) from err


def _parser_detail(err: Exception) -> str:
    """pandas' parser message, with its 0-based "row" of an open quote as a file line."""
    text = str(err).strip().split("C error: ", 1)[-1].rstrip(".")
    return re.sub(r"starting at row (\d+)", lambda m: f"starting at line {int(m[1]) + 1}",
                  text)


def _read_titanic() -> pd.DataFrame:
    with resources.files("alwild").joinpath("data", "titanic.csv").open("rb") as fh:
        return pd.read_csv(fh)


def _from_frame(name: str, frame: pd.DataFrame, target: str, drop: tuple[str, ...]) -> Dataset:
    if target not in frame.columns:
        raise UserValueError(
            f"{name} has no column {target!r}; its columns are: "
            f"{', '.join(map(str, frame.columns))}"
        )
    missing_drop = [c for c in drop if c not in frame.columns]
    if missing_drop:
        raise UserValueError(
            f"cannot drop {missing_drop}: {name} has no such column; its columns are: "
            f"{', '.join(map(str, frame.columns))}"
        )
    notes = []
    labelled = frame[target].notna()
    if not labelled.all():
        n_missing = int((~labelled).sum())
        notes.append(f"dropped {n_missing} of {len(frame)} rows with no value in {target!r}")
        frame = frame[labelled]
    if drop:
        notes.append(f"left out columns: {', '.join(drop)}")
    features = frame.drop(columns=[target, *drop]).reset_index(drop=True)
    if features.shape[1] == 0:
        raise UserValueError(f"{name} has no feature columns besides the target {target!r}")
    classes, y = np.unique(frame[target].to_numpy(), return_inverse=True)
    if len(classes) < 2:
        found = "no labelled rows"
        if len(classes):
            only = classes[0].item() if hasattr(classes[0], "item") else classes[0]
            found = f"only the class {only!r}"
        dropped = f" ({'; '.join(notes)})" if notes else ""
        raise UserValueError(
            f"the target {target!r} has {found}{dropped}: a classifier needs labelled rows "
            "of at least two classes"
        )
    return Dataset(name, features, y.astype(np.intp), classes, target, tuple(notes))
