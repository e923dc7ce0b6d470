"""Greedy non-maximum suppression in plain torch (no torchvision).

Boxes are ``x_min, y_min, x_max, y_max``. :func:`nms` keeps the highest-scoring box,
drops every remaining box whose IoU with it exceeds ``iou_threshold``, and repeats;
:func:`batched_nms` does the same within each class only (boxes of different classes
never suppress each other).

>>> import torch
>>> b = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30.0]])
>>> nms(b, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist()
[0, 2]
"""

from __future__ import annotations

import torch

__all__ = ["pairwise_iou", "nms", "batched_nms"]


def pairwise_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of every box in ``a`` (n, 4) with every box in ``b`` (m, 4): (n, m)."""
    lo = torch.maximum(a[:, None, :2], b[None, :, :2])
    hi = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (hi - lo).clamp(min=0).prod(dim=2)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(dim=1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(dim=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(union))


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices of the boxes kept, highest score first (ties: the earlier box first)."""
    if boxes.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long)
    order = torch.sort(scores, descending=True, stable=True).indices
    iou = pairwise_iou(boxes[order], boxes[order])
    alive = torch.ones(order.shape[0], dtype=torch.bool)
    keep = []
    for i in range(order.shape[0]):
        if alive[i]:
            keep.append(i)
            alive &= iou[i] <= iou_threshold
    return order[torch.tensor(keep, dtype=torch.long)]


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, classes: torch.Tensor,
                iou_threshold: float) -> torch.Tensor:
    """:func:`nms` within each class; indices kept, highest score first.

    >>> b = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10.0]])
    >>> batched_nms(b, torch.tensor([0.9, 0.8]), torch.tensor([0, 1]), 0.5).tolist()
    [0, 1]
    """
    if boxes.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long)
    span = float((boxes.max() - boxes.min()).item()) + 1.0
    shifted = boxes + (classes.to(boxes.dtype) * span)[:, None]
    return nms(shifted, scores, iou_threshold)
