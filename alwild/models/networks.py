"""Small networks for ``TorchClassifier``: an MLP head on embeddings, and a CNN on pixels.

:class:`MLPHead` classifies frozen-backbone embeddings (dropout before the output layer,
so MC dropout applies). :class:`SmallCNN` is trained from scratch: the fallback when no
pretrained backbone is available: four conv blocks on 64 x 64 RGB input, global average
pooling, dropout and a linear output layer, on pixels from
:func:`alwild.vision.io.load_images` (see :func:`to_chw`).

>>> import torch
>>> MLPHead(1280)(torch.zeros(3, 1280)).shape
torch.Size([3, 2])
>>> SmallCNN(n_classes=2)(torch.zeros(3, 3, 64, 64)).shape
torch.Size([3, 2])
"""

from __future__ import annotations

import numpy as np
from torch import nn

__all__ = ["MLPHead", "SmallCNN", "to_chw"]


class MLPHead(nn.Sequential):
    """linear(dim, hidden) - ReLU - dropout - linear(hidden, n_classes)."""

    def __init__(self, dim: int, n_classes: int = 2, hidden: int = 128,
                 dropout: float = 0.5) -> None:
        super().__init__(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, n_classes))


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out),
                         nn.ReLU(), nn.MaxPool2d(2))


class SmallCNN(nn.Sequential):
    """conv(16) - conv(32) - conv(64) - conv(64) - avg pool - dropout - linear."""

    def __init__(self, n_classes: int = 2, width: int = 16, dropout: float = 0.3) -> None:
        super().__init__(
            _block(3, width), _block(width, 2 * width), _block(2 * width, 4 * width),
            _block(4 * width, 4 * width), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(4 * width, n_classes),
        )


def to_chw(pixels: np.ndarray) -> np.ndarray:
    """uint8 ``(n, H, W, 3)`` images as float32 ``(n, 3, H, W)`` scaled to [-1, 1]."""
    return (np.transpose(pixels, (0, 3, 1, 2)).astype(np.float32) - 127.5) / 127.5
