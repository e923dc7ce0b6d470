"""Averages of a network's weights over its training steps: EMA (Polyak) and SWA.

A fit that ends on the last step's weights ends wherever the last mini-batches pushed
it; an average of the weights along the end of the trajectory is a steadier point (less
dependent on the seed that ordered the batches). Two rules, both tied to the fit's number
of steps so a 30-step warm refit and a 300-step cold fit are averaged alike:

- ``"ema"``: an exponential moving average with time constant ``EMA_SHARE`` of the
  steps, ``decay = 1 - 1 / (EMA_SHARE * steps)``; the starting weights then keep a
  weight of ``decay ** steps`` ≈ ``exp(-1 / EMA_SHARE)`` (< 0.7% with 0.2).
- ``"swa"``: the plain mean of the weights after each of the last ``SWA_SHARE`` of the
  steps (the low-learning-rate tail of a one-cycle schedule).

Every floating-point entry of the state (parameters and buffers such as BatchNorm's
running statistics) is averaged; integer buffers (``num_batches_tracked``) are copied
from the live network.

>>> import torch
>>> net = torch.nn.Linear(1, 1, bias=False)
>>> avg = WeightAverage(net, "swa", steps=4)
>>> for step, w in enumerate([1.0, 2.0, 3.0, 5.0]):
...     _ = net.weight.data.fill_(w)
...     avg.update(net, step)
>>> avg.copy_to(net)
>>> float(net.weight.detach())  # the mean of the last 25% of the 4 steps: the last one
5.0
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["WeightAverage", "AVERAGES", "EMA_SHARE", "SWA_SHARE"]

#: the averaging rules; ``"none"`` keeps the last step's weights
AVERAGES = ("none", "ema", "swa")
#: the EMA's time constant as a share of the fit's steps
EMA_SHARE = 0.2
#: the share of the last steps the SWA mean is taken over
SWA_SHARE = 0.25


class WeightAverage:
    """A running ``kind`` average (``"ema"`` or ``"swa"``) of ``module``'s state over
    ``steps`` optimiser steps; call :meth:`update` after each step, then :meth:`copy_to`."""

    def __init__(self, module: nn.Module, kind: str, steps: int) -> None:
        if kind not in ("ema", "swa"):
            raise ValueError(f"kind must be 'ema' or 'swa', got {kind!r}")
        self.kind = kind
        self.steps = max(int(steps), 1)
        self.decay = 1.0 - 1.0 / max(EMA_SHARE * self.steps, 1.0)
        self.first = self.steps - max(1, round(SWA_SHARE * self.steps))
        self.count = 0
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def update(self, module: nn.Module, step: int) -> None:
        """Fold in the weights after optimiser step ``step`` (0-based)."""
        if self.kind == "swa":
            if step < self.first:
                return
            self.count += 1
        share = 1.0 / self.count if self.kind == "swa" else 1.0 - self.decay
        with torch.no_grad():
            for key, live in module.state_dict().items():
                mean = self.state[key]
                if mean.is_floating_point():
                    mean.lerp_(live, share)
                else:
                    mean.copy_(live)

    def copy_to(self, module: nn.Module) -> None:
        """Put the averaged weights into ``module`` (an SWA that saw no step changes none)."""
        if self.kind == "swa" and self.count == 0:
            return
        module.load_state_dict(self.state)
