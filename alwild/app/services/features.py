"""What the model sees: fixed image features from pixels, and a column-typed pipeline for
table rows. Pure functions; no database."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from alwild.errors import UserValueError

__all__ = ["records_frame", "image_features", "decode_image", "model_columns", "make_estimator",
           "ALLOWED_IMAGE_FORMATS", "MAX_IMAGE_PIXELS"]

ALLOWED_IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"),
                         "WEBP": ("webp", "image/webp")}
MAX_IMAGE_PIXELS = 40_000_000
THUMB = 16
BINS = 8
MAX_CATEGORIES = 20


def records_frame(records: list[dict], columns=None) -> pd.DataFrame:
    """Table rows as a DataFrame with every missing value as NaN (None included), so one
    row alone and a whole table are encoded the same way.

    >>> records_frame([{"a": None, "b": "x"}], ["b", "a"]).isna().to_numpy().tolist()
    [[False, True]]
    """
    frame = pd.DataFrame.from_records(records)
    if columns is not None:
        frame = frame.reindex(columns=list(columns))
    return frame.astype(object).where(frame.notna(), np.nan).infer_objects()


def decode_image(data: bytes) -> Image.Image:
    """Decode image bytes, typed by content (not by file name); ValueError if not an image.

    >>> decode_image(b"not an image")
    Traceback (most recent call last):
    ...
    alwild.errors.UserValueError: the file is not a JPEG, PNG or WebP image (it does not decode)
    """
    try:
        img = Image.open(io.BytesIO(data))
        fmt = img.format
        if fmt not in ALLOWED_IMAGE_FORMATS:
            raise UserValueError(f"unsupported image type {fmt}: use JPEG, PNG or WebP")
        if img.width * img.height > MAX_IMAGE_PIXELS:
            raise UserValueError(f"image is {img.width}x{img.height} pixels, more than "
                             f"{MAX_IMAGE_PIXELS:,}: downscale it first")
        img.load()
    except ValueError:
        raise
    except Exception as err:  # Pillow raises many types for corrupt data
        raise UserValueError("the file is not a JPEG, PNG or WebP image (it does not decode)"
                         ) from err
    img.format_name = fmt  # type: ignore[attr-defined]
    return img


def image_features(img: Image.Image) -> np.ndarray:
    """A fixed-length float32 vector: a 16x16 grey thumbnail plus 8-bin RGB histograms.

    >>> image_features(Image.new("RGB", (40, 20), "red")).shape
    (280,)
    """
    rgb = img.convert("RGB")
    grey = np.asarray(rgb.convert("L").resize((THUMB, THUMB), Image.BILINEAR), np.float32)
    arr = np.asarray(rgb, np.uint8).reshape(-1, 3)
    hists = [np.bincount(arr[:, c] // (256 // BINS), minlength=BINS) / len(arr)
             for c in range(3)]
    return np.concatenate([grey.ravel() / 255.0, *hists]).astype(np.float32)


def model_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical columns worth learning from; ids and free text are left out.

    >>> df = pd.DataFrame({"id": [1, 2, 3], "age": [3.0, None, 5.0], "sex": ["m", "f", "m"]})
    >>> model_columns(df)
    (['age'], ['sex'])
    """
    numeric, categorical = [], []
    for col in frame.columns:
        values = frame[col]
        as_num = pd.to_numeric(values, errors="coerce")
        if as_num.notna().sum() == values.notna().sum() and values.notna().any():
            whole = as_num.dropna()
            looks_like_id = (len(frame) > 2 and values.notna().all() and whole.is_unique
                             and (whole % 1 == 0).all() and whole.is_monotonic_increasing)
            if not looks_like_id:
                numeric.append(col)
        elif 1 < values.nunique() <= MAX_CATEGORIES:
            categorical.append(col)
    return numeric, categorical


def make_estimator(frame: pd.DataFrame) -> Pipeline:
    """A warm-startable logistic regression behind the preprocessing of ``frame``'s columns.

    >>> make_estimator(pd.DataFrame({"age": [3.0, 5.0], "sex": ["m", "f"]})).steps[-1][0]
    'clf'
    """
    clf = LogisticRegression(max_iter=500, warm_start=True)
    numeric, categorical = model_columns(frame)
    if not numeric and not categorical:
        raise UserValueError("no usable column: the table needs numeric columns or columns with "
                         f"at most {MAX_CATEGORIES} distinct values")
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), categorical),
    ])
    return Pipeline([("prep", prep), ("clf", clf)])
