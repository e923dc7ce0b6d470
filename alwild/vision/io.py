"""Reading image data sets: image folders, manifests, box tables and the pixels themselves.

Every reader checks what it reads and says what was wrong: a folder without images, a
manifest naming missing files, boxes outside their image. An unreadable image is never a
crash: it is named in a warning, counted, and left out.

>>> from importlib.resources import files
>>> frames = read_manifest(files("alwild") / "data" / "insulators" / "manifest.csv")
>>> sorted(frames.label.unique())
['defect', 'normal']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from alwild.errors import UserValueError

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageBatch",
    "list_image_folder",
    "read_manifest",
    "read_boxes",
    "image_sizes",
    "load_images",
    "open_rgb",
]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def list_image_folder(root: str | PathLike) -> pd.DataFrame:
    """Images laid out as ``root/<label>/<image>``: a frame with ``file`` (absolute) and ``label``.

    Images directly under ``root`` (no class folder) get the label ``None``.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} does not exist: pass a folder of images")
    files = sorted(p for p in root.rglob("*") if _is_image(p))
    if not files:
        raise UserValueError(
            f"no images in {root} (looked for {', '.join(IMAGE_SUFFIXES)} files, also in "
            "sub-folders): point to the folder that holds the images, e.g. ROOT/<label>/*.jpg"
        )
    labels = [p.parent.name if p.parent != root else None for p in files]
    return pd.DataFrame({"file": [str(p) for p in files], "label": labels})


def read_manifest(path: str | PathLike, root: str | PathLike | None = None) -> pd.DataFrame:
    """A CSV with a ``file`` column (relative to ``root``, default: the CSV's folder).

    Returns the table with ``file`` made absolute. Raises when files are missing, listing
    the first few, so a wrong ``root`` is caught before any work is done.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest {path} does not exist")
    table = pd.read_csv(path)
    if "file" not in table.columns:
        raise UserValueError(
            f"manifest {path} has no 'file' column (columns: {list(table.columns)}): add one "
            "with each image's path relative to the manifest's folder"
        )
    if table.empty:
        raise UserValueError(f"manifest {path} lists no images")
    base = Path(root) if root is not None else path.parent
    absolute = [str(base / f) for f in table["file"]]
    missing = [f for f, a in zip(table["file"], absolute, strict=True) if not Path(a).is_file()]
    if missing:
        raise FileNotFoundError(
            f"manifest {path} lists {len(missing)} file(s) that do not exist under {base}, "
            f"e.g. {missing[:3]}: fix the paths or pass the right image root"
        )
    return table.assign(file=absolute)


def image_sizes(files: Sequence[str]) -> pd.DataFrame:
    """Width and height of each image (read from the header only), indexed by file."""
    sizes = []
    for f in files:
        with Image.open(f) as im:
            sizes.append(im.size)
    return pd.DataFrame(sizes, columns=["width", "height"], index=pd.Index(files, name="file"))


def read_boxes(
    path: str | PathLike, manifest: pd.DataFrame, root: str | PathLike | None = None
) -> pd.DataFrame:
    """Boxes ``file,class,x_min,y_min,x_max,y_max`` in pixels, checked against each image.

    ``file`` is resolved like the manifest's (relative to ``root``, default the CSV's
    folder) and must be one of the manifest's files. A box outside its image or with
    ``x_min >= x_max`` is an error naming the rows at fault.
    """
    path = Path(path)
    boxes = pd.read_csv(path)
    need = ["file", "class", "x_min", "y_min", "x_max", "y_max"]
    absent = [c for c in need if c not in boxes.columns]
    if absent:
        raise UserValueError(f"box table {path} lacks columns {absent}; expected {need}")
    base = Path(root) if root is not None else path.parent
    boxes = boxes.assign(file=[str(base / f) for f in boxes["file"]])
    unknown = sorted(set(boxes["file"]) - set(manifest["file"]))
    if unknown:
        raise UserValueError(
            f"box table {path} has boxes for {len(unknown)} image(s) not in the manifest, "
            f"e.g. {unknown[:3]}"
        )
    sizes = image_sizes(sorted(set(boxes["file"])))
    w = sizes.loc[boxes["file"], "width"].to_numpy()
    h = sizes.loc[boxes["file"], "height"].to_numpy()
    x0, y0, x1, y1 = (boxes[c].to_numpy(dtype=float) for c in need[2:])
    bad = ~((x0 >= 0) & (y0 >= 0) & (x1 <= w) & (y1 <= h) & (x0 < x1) & (y0 < y1))
    if bad.any():
        rows = np.flatnonzero(bad)
        first = boxes.iloc[rows[0]]
        raise UserValueError(
            f"{bad.sum()} box(es) in {path} lie outside their image or have min >= max "
            f"(rows {rows[:5].tolist()}; e.g. {Path(first['file']).name} is "
            f"{w[rows[0]]}x{h[rows[0]]} but the box is ({first.x_min}, {first.y_min}, "
            f"{first.x_max}, {first.y_max})): boxes must be in that image's pixel coordinates"
        )
    return boxes


def open_rgb(path: str | PathLike) -> Image.Image:
    """The image as RGB, fully decoded (so truncated files fail here, not later)."""
    with Image.open(path) as im:
        im.load()
        return im.convert("RGB")


@dataclass
class ImageBatch:
    """Pixels of the readable images, and which files were skipped and why."""

    pixels: np.ndarray
    ok: np.ndarray
    skipped: list[tuple[str, str]] = field(default_factory=list)


def load_images(files: Sequence[str], size: int | tuple[int, int]) -> ImageBatch:
    """Images resized to ``size`` (side or (width, height)), as uint8 ``(n_ok, H, W, 3)``.

    An unreadable file is skipped: ``ok[i]`` is False, it is listed in ``skipped`` with
    the reason, and one warning names them with their count.
    """
    width, height = (size, size) if isinstance(size, int) else size
    pixels, ok, skipped = [], np.zeros(len(files), dtype=bool), []
    for i, f in enumerate(files):
        try:
            im = open_rgb(f).resize((width, height), Image.Resampling.BILINEAR)
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as err:
            skipped.append((str(f), str(err) or type(err).__name__))
            continue
        pixels.append(np.asarray(im, dtype=np.uint8))
        ok[i] = True
    if skipped:
        named = "; ".join(f"{Path(f).name} ({why})" for f, why in skipped[:5])
        warnings.warn(
            f"skipped {len(skipped)} unreadable image(s) of {len(files)}: {named}",
            stacklevel=2,
        )
    stack = np.stack(pixels) if pixels else np.zeros((0, height, width, 3), dtype=np.uint8)
    return ImageBatch(stack, ok, skipped)
