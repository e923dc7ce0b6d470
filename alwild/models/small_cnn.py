"""A small CNN trained from scratch: the fallback when no pretrained backbone is available.

Four conv blocks on 64 x 64 RGB input, global average pooling, dropout and a linear
output layer, so it works with ``TorchClassifier`` (MC dropout, ``embed`` for the
diversity selectors) on pixels from :func:`alwild.vision.io.load_images`.

>>> import torch
>>> SmallCNN(n_classes=2)(torch.zeros(3, 3, 64, 64)).shape
torch.Size([3, 2])
"""

from __future__ import annotations

import numpy as np
from torch import nn

__all__ = ["SmallCNN", "to_chw"]


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
