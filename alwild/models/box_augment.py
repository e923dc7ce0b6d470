"""Fixed zoomed views of labelled frames, so a frozen backbone's maps can be cached.

Scale augmentation usually draws a new crop each step, which would mean re-encoding every
frame every step. :func:`zoom_view` instead makes view ``k`` of a frame a pure function of
its pixels and boxes (the crop's place is drawn from a generator seeded by the pixels'
digest and ``k``), so the view's pixels, and therefore its cached maps, are the same on
every fit. The crop is a square of ``scale`` times the side, centred near one of the
frame's boxes (drawn at random), resized back to the frame's side: objects come out
``1 / scale`` times larger. Boxes are mapped into the view and clipped; a box with less
than ``min_visible`` of its area inside the crop is dropped.

>>> px = np.zeros((64, 64, 3), np.uint8)
>>> view, boxes, keep = zoom_view(px, np.array([[16, 16, 32, 32.0]]), scale=0.5, view=0)
>>> view.shape, keep.tolist(), (boxes[0, 2] - boxes[0, 0]).item()
((64, 64, 3), [True], 32.0)
"""

from __future__ import annotations

import numpy as np

from alwild.vision.cache import array_digest

__all__ = ["zoom_view"]


def zoom_view(pixels: np.ndarray, boxes: np.ndarray, scale: float = 0.6, view: int = 0,
              min_visible: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """View ``view`` of a square ``(S, S, 3)`` frame: its pixels, the kept boxes mapped
    into it, and the mask of the input boxes kept."""
    from PIL import Image

    side = pixels.shape[0]
    crop = max(int(round(side * scale)), 1)
    rng = np.random.default_rng([int(array_digest(pixels)[:15], 16), view])
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes):
        b = boxes[rng.integers(len(boxes))]
        centre = (b[:2] + b[2:]) / 2 + rng.uniform(-crop / 4, crop / 4, 2)
    else:
        centre = rng.uniform(0, side, 2)
    x0, y0 = np.clip(np.round(centre - crop / 2), 0, side - crop).astype(int)
    patch = Image.fromarray(pixels[y0:y0 + crop, x0:x0 + crop])
    zoomed = np.asarray(patch.resize((side, side), Image.Resampling.BILINEAR), np.uint8)
    factor = side / crop
    moved = (boxes - [x0, y0, x0, y0]) * factor
    clipped = moved.clip(0, side)
    area = np.prod(moved[:, 2:] - moved[:, :2], axis=1)
    inside = np.prod((clipped[:, 2:] - clipped[:, :2]).clip(min=0), axis=1)
    keep = (inside >= min_visible * area) & (clipped[:, 2] - clipped[:, 0] >= 1) & (
        clipped[:, 3] - clipped[:, 1] >= 1)
    return zoomed, clipped[keep].astype(np.float32), keep
