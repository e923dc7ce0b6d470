"""Multi-scale feature maps of the frozen EfficientNet-Lite0, cached by image content.

A detector head needs more than the global embedding: the maps at strides 8, 16 and 32
(40, 112 and 320 channels) of the pretrained backbone, and with ``fine=True`` the
stride-4 map (24 channels) too, for square inputs of
``image_size`` pixels. Each image's maps are stored as float16 in a
:class:`~alwild.vision.cache.FeatureMapCache` under the digest of its resized pixels, so
a frame seen again (the same round, the next round, another run) is never re-encoded.
With ``flip=True`` the maps of the mirrored frame come too (training-time augmentation).

>>> fm = PyramidFeatures(image_size=64)
>>> maps = fm.encode(np.zeros((1, 64, 64, 3), np.uint8))
>>> [tuple(m.shape) for m in maps]
[(1, 40, 8, 8), (1, 112, 4, 4), (1, 320, 2, 2)]
>>> fine = PyramidFeatures(image_size=64, fine=True)
>>> [tuple(m.shape) for m in fine.encode(np.zeros((1, 64, 64, 3), np.uint8))]
[(1, 24, 16, 16), (1, 40, 8, 8), (1, 112, 4, 4), (1, 320, 2, 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np
import torch
from torch import nn

from alwild.errors import UserValueError
from alwild.models.backbone import load_efficientnet_lite0
from alwild.vision.cache import FeatureMapCache, array_digest
from alwild.vision.io import load_images

__all__ = ["PyramidFeatures", "LEVELS", "to_square_pixels"]

#: (name, stride, channels, index of the last block of that stage in EfficientNet-Lite0)
LEVELS = (("s4", 4, 24, 2), ("s8", 8, 40, 4), ("s16", 16, 112, 10), ("s32", 32, 320, 15))


def to_square_pixels(images: Sequence, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Images (paths or ``(H, W, 3)`` uint8 arrays) resized to ``size`` x ``size``.

    Returns the pixels ``(n, size, size, 3)`` and each original ``(width, height)``, so
    boxes can be mapped between the two. An unreadable file is an error naming it.

    >>> px, wh = to_square_pixels([np.zeros((30, 60, 3), np.uint8)], 32)
    >>> px.shape, wh.tolist()
    ((1, 32, 32, 3), [[60, 30]])
    """
    from PIL import Image

    pixels, sizes = [], []
    for i, im in enumerate(images):
        if isinstance(im, np.ndarray):
            if im.ndim != 3 or im.shape[2] != 3 or im.dtype != np.uint8:
                raise UserValueError(
                    f"image {i} is an array of shape {im.shape} and dtype {im.dtype}: pass "
                    "RGB uint8 arrays (H, W, 3) or image paths")
            sizes.append((im.shape[1], im.shape[0]))
            pil = Image.fromarray(im).resize((size, size), Image.Resampling.BILINEAR)
            pixels.append(np.asarray(pil, dtype=np.uint8))
        else:
            batch = load_images([str(im)], size)
            if not batch.ok[0]:
                raise UserValueError(f"cannot read image {im}: {batch.skipped[0][1]}")
            with Image.open(str(im)) as header:
                sizes.append(header.size)
            pixels.append(batch.pixels[0])
    if not pixels:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros((0, 2), int)
    return np.stack(pixels), np.array(sizes, dtype=int)


class PyramidFeatures:
    """Frozen EfficientNet-Lite0 maps at strides (4/)8/16/32 for ``image_size`` px inputs."""

    def __init__(self, image_size: int = 320, cache_dir: str | PathLike | None = None,
                 batch_size: int = 16, fine: bool = False) -> None:
        if image_size % 32:
            raise UserValueError(f"image_size must be a multiple of 32, got {image_size}")
        self.image_size = image_size
        self.batch_size = batch_size
        self.levels = LEVELS if fine else LEVELS[1:]
        self.model_key = ("efficientnet-lite0-pyramid-s4-v1" if fine
                          else "efficientnet-lite0-pyramid-v1")
        self.cache = (FeatureMapCache(cache_dir, f"{self.model_key}-{image_size}")
                      if cache_dir is not None else None)
        self._model: nn.Module | None = None
        self.n_cached = 0

    @property
    def model(self) -> nn.Module:
        if self._model is None:
            self._model = load_efficientnet_lite0()
        return self._model

    def encode(self, pixels: np.ndarray) -> list[torch.Tensor]:
        """The maps of uint8 images ``(n, S, S, 3)`` (no cache), float32, finest first."""
        m = self.model
        outs: list[list[torch.Tensor]] = [[] for _ in self.levels]
        keep = {last: k for k, (_, _, _, last) in enumerate(self.levels)}
        with torch.no_grad():
            for start in range(0, pixels.shape[0], self.batch_size):
                x = torch.as_tensor(pixels[start:start + self.batch_size])
                x = (x.permute(0, 3, 1, 2).float() - 127.0) / 128.0
                x = m._swish(m._bn0(m._conv_stem(x)))
                for idx, block in enumerate(m._blocks[:LEVELS[-1][3] + 1]):
                    x = block(x, drop_connect_rate=None)
                    if idx in keep:
                        outs[keep[idx]].append(x)
        return [torch.cat(o) if o else torch.zeros(0, c, self.image_size // s,
                                                    self.image_size // s)
                for o, (_, s, c, _) in zip(outs, self.levels, strict=True)]

    def maps(self, pixels: np.ndarray) -> list[torch.Tensor]:
        """The maps of square uint8 images, each image read from the cache if there."""
        if self.cache is None:
            return self.encode(pixels)
        digests = [array_digest(p) for p in pixels]
        found = [self.cache.get_maps(d) for d in digests]
        todo = [i for i, f in enumerate(found) if f is None]
        self.n_cached += len(digests) - len(todo)
        if todo:
            fresh = self.encode(pixels[todo])
            for j, i in enumerate(todo):
                found[i] = {name: fresh[k][j].numpy().astype(np.float16)
                            for k, (name, _, _, _) in enumerate(self.levels)}
                self.cache.put_maps(digests[i], found[i])
        return [torch.as_tensor(np.stack([f[name] for f in found])).float()
                if found else torch.zeros(0, c, self.image_size // s, self.image_size // s)
                for name, s, c, _ in self.levels]
