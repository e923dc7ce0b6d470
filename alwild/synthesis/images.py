"""Label-preserving image transforms (NumPy and Pillow only) and a generator of
transformed variants of the frames the model is least sure about.

Small changes of scale, crop, brightness and rotation leave the label as it was, so a
variant of an uncertain frame is a cheap new question near what the model finds hard.

>>> img = np.arange(64, dtype=np.uint8).reshape(8, 8)
>>> out = transform_image(img, np.random.default_rng(0), kinds=("rotate",))
>>> out.shape, out.dtype
((8, 8), dtype('uint8'))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from alwild.errors import UserValueError
from alwild.synthesis.generators import uncertain_seeds

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["transform_image", "ImageTransforms", "TRANSFORMS"]

TRANSFORMS = ("scale", "crop", "brightness", "rotate")


# Strongest change of each transform at strength 1: ±15% scale, crop to 80% of the
# side, ±25% brightness, ±15 degrees rotation.
_MAX = {"scale": 0.15, "crop": 0.2, "brightness": 0.25, "rotate": 15.0}


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("image transforms need Pillow: pip install 'alwild[deep]' "
                          "(or pip install pillow)") from None
    return Image


def _channels(img: np.ndarray) -> list[Image.Image]:
    Image = _pil()
    planes = img[..., None] if img.ndim == 2 else img
    return [Image.fromarray(np.ascontiguousarray(planes[..., c], dtype=np.float32), mode="F")
            for c in range(planes.shape[-1])]


def _stack(planes: list[Image.Image], like: np.ndarray) -> np.ndarray:
    out = np.stack([np.asarray(p, dtype=np.float64) for p in planes], axis=-1)
    return out[..., 0] if like.ndim == 2 else out


def _resize_fit(plane: Image.Image, factor: float, fill: float) -> Image.Image:
    Image = _pil()
    w, h = plane.size
    nw, nh = max(1, round(w * factor)), max(1, round(h * factor))
    resized = plane.resize((nw, nh), Image.BILINEAR)
    canvas = Image.new("F", (w, h), fill)
    canvas.paste(resized, ((w - nw) // 2, (h - nh) // 2))  # negative offsets crop the centre
    return canvas


def transform_image(
    img: np.ndarray,
    rng: np.random.Generator,
    kinds: Sequence[str] = TRANSFORMS,
    value_range: tuple[float, float] | None = None,
    strength: float = 1.0,
) -> np.ndarray:
    """One random label-preserving variant of ``img`` (H×W or H×W×C), same shape and dtype.

    Each transform in ``kinds`` is applied once with a random amount up to
    ``strength`` × its maximum (lower it for tiny images, where a pixel is a lot).
    Values are clipped to ``value_range`` (default: 0–255 for uint8, else the image's
    own range).
    """
    if not 0.0 <= strength <= 1.0:
        raise UserValueError(f"strength must be in [0, 1], got {strength}")
    amount = {k: v * strength for k, v in _MAX.items()}
    img = np.asarray(img)
    if img.ndim not in (2, 3) or min(img.shape[:2]) < 2:
        raise UserValueError(f"an image must be H×W or H×W×C with H, W >= 2, got shape {img.shape}")
    unknown = set(kinds) - set(TRANSFORMS)
    if unknown:
        raise UserValueError(
            f"unknown image transform(s) {sorted(unknown)}; choose from {TRANSFORMS}")
    if value_range is None:
        is_byte = img.dtype == np.uint8
        value_range = (0.0, 255.0) if is_byte else (float(img.min()), float(img.max()))
    lo, hi = value_range
    Image = _pil()
    fill = float(np.median(np.concatenate([img[0].ravel(), img[-1].ravel()])))
    planes = _channels(img)
    w, h = planes[0].size
    if "scale" in kinds:
        factor = 1.0 + rng.uniform(-amount["scale"], amount["scale"])
        planes = [_resize_fit(p, factor, fill) for p in planes]
    if "crop" in kinds:
        frac = 1.0 - rng.uniform(0.0, amount["crop"])
        cw, ch = max(2, round(w * frac)), max(2, round(h * frac))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        planes = [p.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.BILINEAR)
                  for p in planes]
    if "rotate" in kinds:
        angle = rng.uniform(-amount["rotate"], amount["rotate"])
        planes = [p.rotate(angle, resample=Image.BILINEAR, fillcolor=fill) for p in planes]
    out = _stack(planes, img)
    if "brightness" in kinds:
        out = out * (1.0 + rng.uniform(-amount["brightness"], amount["brightness"]))
    out = np.clip(out, lo, hi)
    if np.issubdtype(img.dtype, np.integer):
        out = np.round(out)
    return out.astype(img.dtype)


@dataclasses.dataclass
class ImageTransforms:
    """Generator: ``per_image`` transformed variants of the ``n_seeds`` most uncertain
    pool images. Pools of flattened images need ``shape`` (e.g. ``(8, 8)``)."""

    per_image: int = 8
    n_seeds: int = 20
    kinds: Sequence[str] = TRANSFORMS
    shape: tuple[int, ...] | None = None
    value_range: tuple[float, float] | None = None
    strength: float = 1.0

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(TRANSFORMS)
        if unknown:
            raise UserValueError(f"unknown image transform(s) {sorted(unknown)}; "
                             f"choose from {TRANSFORMS}")

    def __call__(self, learner, X_pool, rng: np.random.Generator) -> np.ndarray:
        seeds = np.asarray(uncertain_seeds(learner, X_pool, self.n_seeds, rng))
        flat = seeds.ndim == 2 and self.shape is not None
        if seeds.ndim == 2 and self.shape is None:
            raise UserValueError(
                "the pool holds flattened rows: give ImageTransforms(shape=(H, W))")
        images = seeds.reshape((-1, *self.shape)) if flat else seeds
        vr = self.value_range
        if vr is None:
            vr = (0.0, 255.0) if images.dtype == np.uint8 else (float(images.min()),
                                                                float(images.max()))
        out = np.stack([transform_image(im, rng, self.kinds, vr, self.strength)
                        for im in images for _ in range(self.per_image)])
        return out.reshape(out.shape[0], -1) if flat else out
