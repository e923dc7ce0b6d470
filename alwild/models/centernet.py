"""A CenterNet-style detection head on a small feature pyramid: targets, loss, decoding.

Why CenterNet-style (one stride-8 map, per-class centre heat maps and box sides) rather
than FCOS: the objects of an inspection (insulators, 15-25 px defects at 320 px) fit one
stride-8 map; training needs one Gaussian target per box and no anchor or level
assignment, and decoding is a 3 x 3 peak search with a light NMS. The pyramid is a sum
of 1 x 1 projections of the backbone's stride-8, -16 and -32 maps (so the stride-8 map
carries the deep features' semantics), then one 3 x 3 convolution, channel dropout (MC
dropout for disagreement) and two 1 x 1 outputs: ``C`` centre logits and ``4 C`` log
distances from the cell centre to the box's left, top, right and bottom (as in TTFNet,
trained on every cell of the box's Gaussian, weighted by it: more signal per label), by
GIoU of the decoded box (as TTFNet) or L1 on the log distances. A level finer than the
output grid (the stride-4 map) is folded onto it, space to depth, so its detail reaches
each cell without a 4x larger grid to train.

With ``members = K > 1`` the head is a small ensemble trained together: ``K`` heads of
``width`` channels each, as grouped convolutions (member ``k`` sees only its own
channels, from the projections on), each trained on its own loss; detection averages the
members' centre probabilities and log sides.

>>> head = CenterHead(n_classes=2)
>>> feats = [torch.zeros(1, 40, 8, 8), torch.zeros(1, 112, 4, 4), torch.zeros(1, 320, 2, 2)]
>>> heat, sides = head(feats)
>>> tuple(heat.shape), tuple(sides.shape)
((1, 2, 8, 8), (1, 8, 8, 8))
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from alwild.models.nms import batched_nms

__all__ = ["CenterHead", "encode_targets", "center_loss", "side_giou", "decode", "STRIDE"]

STRIDE = 8
_PRIOR = 0.05


class CenterHead(nn.Module):
    """Pyramid sum, a 3 x 3 convolution, dropout, centre and side outputs (of each of
    ``members`` heads of ``width`` channels, see the module's docstring)."""

    def __init__(self, n_classes: int, in_channels=(40, 112, 320), width: int = 64,
                 dropout: float = 0.1, strides=(8, 16, 32), stride: int = STRIDE,
                 members: int = 1) -> None:
        super().__init__()
        if len(in_channels) != len(strides):
            raise ValueError(f"one stride per input level: {in_channels} and {strides}")
        self.n_classes = n_classes
        self.width = width
        self.members = members
        self.channels = width * members
        self.stride = stride
        self.strides = tuple(strides)
        # a finer level is folded onto the output grid (space to depth), a coarser one is
        # projected, then upsampled
        folds = [max(stride // s, 1) for s in self.strides]
        c, k = self.channels, members
        self.lateral = nn.ModuleList(nn.Conv2d(ch * f * f, c, 1)
                                     for ch, f in zip(in_channels, folds, strict=True))
        self.trunk = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 3, padding=1, groups=k),
                                   nn.ReLU())
        self.dropout = nn.Dropout2d(dropout)
        self.heat = nn.Conv2d(c, k * n_classes, 1, groups=k)
        self.sides = nn.Conv2d(c, k * 4 * n_classes, 1, groups=k)
        nn.init.constant_(self.heat.bias, -math.log((1 - _PRIOR) / _PRIOR))
        nn.init.constant_(self.sides.bias, math.log(2.0))

    def features(self, maps: list[torch.Tensor]) -> torch.Tensor:
        """The shared trunk's output on the output grid (deterministic)."""
        size = (maps[0].shape[-2] * self.strides[0] // self.stride,
                maps[0].shape[-1] * self.strides[0] // self.stride)
        x = None
        for lateral, m, s in zip(self.lateral, maps, self.strides, strict=True):
            if s < self.stride:
                y = lateral(F.pixel_unshuffle(m, self.stride // s))
            else:
                y = lateral(m)
                if s > self.stride:
                    y = F.interpolate(y, size=size, mode="bilinear", align_corners=False)
            x = y if x is None else x + y
        return self.trunk(x)

    def member_outputs(self, trunk: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each member's centre logits ``(n K, C, h, w)`` and log sides ``(n K, 4C, h, w)``
        (image ``i``'s members are rows ``i K`` to ``i K + K - 1``; dropout here)."""
        x = self.dropout(trunk)
        n, _, h, w = x.shape
        return (self.heat(x).reshape(n * self.members, self.n_classes, h, w),
                self.sides(x).reshape(n * self.members, 4 * self.n_classes, h, w))

    def combine(self, heat: torch.Tensor, sides: torch.Tensor):
        """The ensemble's logits and log sides from the members' ``heat(x)``, ``sides(x)``:
        the logit of the mean probability, the mean log side (one member: unchanged)."""
        if self.members == 1:
            return heat, sides
        n, _, h, w = heat.shape
        prob = torch.sigmoid(heat.view(n, self.members, self.n_classes, h, w)).mean(dim=1)
        return (torch.logit(prob.clamp(1e-6, 1 - 1e-6)),
                sides.view(n, self.members, 4 * self.n_classes, h, w).mean(dim=1))

    def outputs(self, trunk: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Centre logits ``(n, C, h, w)`` and log sides ``(n, 4C, h, w)`` (dropout here)."""
        x = self.dropout(trunk)
        return self.combine(self.heat(x), self.sides(x))

    def forward(self, maps: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return self.outputs(self.features(maps))


def encode_targets(boxes: np.ndarray, labels: np.ndarray, n_classes: int, grid: int,
                   stride: int = STRIDE, alpha: float = 0.54):
    """Training targets of one image for boxes in input pixels on a ``grid`` x ``grid`` map.

    Returns the centre heat map ``(C, g, g)`` (an elliptic Gaussian per box, sigma =
    ``alpha`` x side / 6, peak 1 at the centre cell), the log sides ``(4C, g, g)`` and
    their weights ``(C, g, g)`` (the Gaussian value where that box owns the cell).

    >>> h, s, w = encode_targets(np.array([[8, 8, 24, 24.0]]), np.array([1]), 2, 4)
    >>> float(h[1].max()), float(h[0].max()), int((w[1] > 0).sum()) > 0
    (1.0, 0.0, True)
    """
    heat = np.zeros((n_classes, grid, grid), np.float32)
    sides = np.zeros((4 * n_classes, grid, grid), np.float32)
    weight = np.zeros((n_classes, grid, grid), np.float32)
    centres = (np.arange(grid, dtype=np.float32) + 0.5) * stride
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) if len(boxes) else []
    for k in np.argsort(-np.asarray(area)):  # small boxes last: they own shared cells
        x0, y0, x1, y1 = boxes[k]
        c = int(labels[k])
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        sx = max(alpha * (x1 - x0) / 6 / stride, 0.3)
        sy = max(alpha * (y1 - y0) / 6 / stride, 0.3)
        ix = min(int(cx // stride), grid - 1)
        iy = min(int(cy // stride), grid - 1)
        gx = np.exp(-((np.arange(grid) - ix) ** 2) / (2 * sx * sx))
        gy = np.exp(-((np.arange(grid) - iy) ** 2) / (2 * sy * sy))
        g = (gy[:, None] * gx[None, :]).astype(np.float32)
        inside = ((centres[None, :] > x0) & (centres[None, :] < x1)
                  & (centres[:, None] > y0) & (centres[:, None] < y1))
        inside[iy, ix] = True
        heat[c] = np.maximum(heat[c], g)
        own = inside & (g >= weight[c] * 0.999)
        weight[c] = np.where(own, g, weight[c])
        col, row = np.meshgrid(centres, centres)
        dist = np.stack([col - x0, row - y0, x1 - col, y1 - row])
        logd = np.log(np.clip(dist, 1.0, None) / stride).astype(np.float32)
        sides[4 * c:4 * c + 4] = np.where(own[None], logd, sides[4 * c:4 * c + 4])
    return heat, sides, weight


def side_giou(sides: torch.Tensor, sides_t: torch.Tensor) -> torch.Tensor:
    """GIoU of the boxes given as log distances ``(..., 4, h, w)`` from the same cell centre.

    >>> d = torch.log(torch.tensor([1.0, 1, 1, 1]))[:, None, None]
    >>> float(side_giou(d, d)), round(float(side_giou(d + math.log(2), d)), 4)
    (1.0, 0.25)
    """
    p = sides.clamp(max=8).exp()
    t = sides_t.exp()
    pl, pt, pr, pb = p.unbind(dim=-3)
    tl, tt, tr, tb = t.unbind(dim=-3)
    inter = ((torch.minimum(pl, tl) + torch.minimum(pr, tr))
             * (torch.minimum(pt, tt) + torch.minimum(pb, tb)))
    union = (pl + pr) * (pt + pb) + (tl + tr) * (tt + tb) - inter
    hull = (torch.maximum(pl, tl) + torch.maximum(pr, tr)) * (torch.maximum(pt, tt)
                                                               + torch.maximum(pb, tb))
    return inter / union - (hull - union) / hull


def center_loss(heat_logits, sides, heat_t, sides_t, weight_t,
                box_loss: str = "l1") -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss on centres plus a weighted box loss: L1 on
    the log sides (``"l1"``) or ``5 (1 - GIoU)`` of the boxes (``"giou"``, as TTFNet)."""
    p = torch.sigmoid(heat_logits).clamp(1e-4, 1 - 1e-4)
    pos = heat_t.eq(1).float()
    pos_loss = -(torch.log(p) * (1 - p) ** 2 * pos).sum()
    neg_loss = -(torch.log(1 - p) * p ** 2 * (1 - heat_t) ** 4 * (1 - pos)).sum()
    n_pos = pos.sum().clamp(min=1.0)
    n, c4, h, w = sides.shape
    if box_loss == "giou":
        giou = side_giou(sides.view(n, c4 // 4, 4, h, w), sides_t.view(n, c4 // 4, 4, h, w))
        box = 5 * ((1 - giou) * weight_t).sum() / weight_t.sum().clamp(min=1e-6)
    else:
        w4 = weight_t.repeat_interleave(4, dim=1)
        box = (torch.abs(sides - sides_t) * w4).sum() / w4.sum().clamp(min=1e-6)
    return (pos_loss + neg_loss) / n_pos + box


def decode(heat_logits: torch.Tensor, sides: torch.Tensor, max_boxes: int = 50,
           min_score: float = 0.02, iou_threshold: float = 0.5, stride: int = STRIDE):
    """Boxes of one image (input pixels), scores and per-class probabilities.

    Peaks of the class-max heat map (3 x 3 local maxima above ``min_score``), each a box
    of its strongest class from that class's sides; then per-class NMS. The class
    distribution of a box is its cell's centre probabilities, normalised: one box per
    cell, so two objects of different classes centred in one 8 x 8 cell give one box.
    """
    prob = torch.sigmoid(heat_logits)  # (C, h, w)
    n_classes, h, w = prob.shape
    best, cls = prob.max(dim=0)
    peak = best == F.max_pool2d(best[None, None], 3, 1, 1)[0, 0]
    flat = torch.where(peak & (best >= min_score), best, torch.zeros_like(best)).flatten()
    k = min(max_boxes, int((flat > 0).sum()))
    score, idx = torch.topk(flat, k)
    iy, ix = idx // w, idx % w
    c = cls.flatten()[idx]
    d = sides.view(n_classes, 4, h, w)[c, :, iy, ix].exp() * stride
    cx, cy = (ix.float() + 0.5) * stride, (iy.float() + 0.5) * stride
    boxes = torch.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], dim=1)
    proba = prob[:, iy, ix].T
    proba = proba / proba.sum(dim=1, keepdim=True).clamp(min=1e-12)
    keep = batched_nms(boxes, score, c, iou_threshold)
    return boxes[keep], score[keep], proba[keep]
