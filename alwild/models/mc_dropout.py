"""Monte-Carlo dropout for any ``torch.nn.Module``: dropout kept stochastic at inference.

:func:`mc_proba_samples` runs ``T`` stochastic forward passes over an array of inputs,
mini-batch by mini-batch, so memory holds one mini-batch of activations and the
``(T, n, C)`` output, never ``T`` copies of the inputs. The module is patched only for the
duration of the call (every layer in eval mode; dropout layers stochastic) and restored
afterwards.

With ``consistent=True`` (default) pass ``t`` uses the same dropout mask for every row
and every mini-batch (one mask per layer and pass, seeded), so each pass is one draw of
the network's weights: the samples of different rows are comparable, which BatchBALD
needs, and the result does not depend on how the pool was chunked. With
``consistent=False`` each row gets its own mask, as in training.

>>> import torch, numpy as np
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 2))
>>> mc_proba_samples(net, np.ones((4, 3), dtype=np.float32), n_samples=5).shape
(5, 4, 2)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from alwild.errors import UserValueError

__all__ = ["DROPOUT_TYPES", "dropout_layers", "require_dropout", "mc_dropout", "mc_proba_samples"]

DROPOUT_TYPES = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)
_CHANNEL_DROPOUT = (nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
_PATCH_LOCK = threading.RLock()


def dropout_layers(module: nn.Module) -> list[nn.Module]:
    """The dropout layers of ``module``, in registration order."""
    return [m for m in module.modules() if isinstance(m, DROPOUT_TYPES)]


def require_dropout(module: nn.Module) -> list[nn.Module]:
    """The dropout layers of ``module``; a clear error when there are none (or all have p=0)."""
    layers = [m for m in dropout_layers(module) if m.p > 0]
    if not layers:
        raise UserValueError(
            f"MC dropout needs a dropout layer with p > 0, but the {type(module).__name__} "
            "has none: add one before the last layer (e.g. nn.Sequential(..., nn.Dropout(0.3), "
            "nn.Linear(hidden, n_classes))), or use a DeepEnsemble for Bayesian strategies, "
            "or a non-Bayesian strategy such as 'entropy'"
        )
    return layers


class _ConsistentMasks:
    """One seeded dropout mask per (layer, pass), reused for every row and mini-batch."""

    def __init__(self, layers: list[nn.Module], seed: int) -> None:
        self.index = {id(layer): j for j, layer in enumerate(layers)}
        self.seed = seed
        self.current_pass = 0
        self._cache: dict[tuple[int, int, tuple[int, ...]], torch.Tensor] = {}

    def _mask(self, layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        j = self.index[id(layer)]
        if isinstance(layer, _CHANNEL_DROPOUT):
            shape = (x.shape[1],) + (1,) * (x.dim() - 2)
        else:
            shape = tuple(x.shape[1:])
        key = (j, self.current_pass, shape)
        if key not in self._cache:
            gen = torch.Generator().manual_seed(
                (self.seed * 1_000_003 + self.current_pass * 1_009 + j) % (2**63)
            )
            keep = 1.0 - layer.p
            self._cache[key] = torch.bernoulli(torch.full(shape, keep), generator=gen) / keep
        return self._cache[key].to(dtype=x.dtype, device=x.device)

    def hook(self, layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor):
        return inputs[0] * self._mask(layer, inputs[0])


@contextlib.contextmanager
def mc_dropout(
    module: nn.Module, seed: int = 0, consistent: bool = True
) -> Iterator[_ConsistentMasks | None]:
    """Patch ``module`` for MC inference; yields the mask source (``None`` if inconsistent).

    Every layer is put in eval mode (batch norm uses its running statistics); dropout
    layers are made stochastic. The original training flags are restored on exit.
    Calls are serialised by a process-wide lock because the patch is module state.
    """
    layers = require_dropout(module)
    with _PATCH_LOCK:
        modes = {m: m.training for m in module.modules()}
        handles = []
        masks = None
        try:
            module.eval()
            if consistent:
                unsupported = [type(m).__name__ for m in layers
                               if isinstance(m, (nn.AlphaDropout, nn.FeatureAlphaDropout))]
                if unsupported:
                    raise UserValueError(
                        f"consistent MC dropout supports Dropout and Dropout1d/2d/3d, not "
                        f"{unsupported[0]}: pass consistent=False"
                    )
                masks = _ConsistentMasks(layers, seed)
                handles = [layer.register_forward_hook(masks.hook) for layer in layers]
                yield masks
            else:
                for layer in layers:
                    layer.train()
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    yield None
        finally:
            for h in handles:
                h.remove()
            for m, mode in modes.items():
                m.train(mode)


def _split_sequential(module: nn.Module) -> tuple[nn.Module, nn.Module]:
    """(deterministic prefix, stochastic rest) of an ``nn.Sequential``; identity prefix else."""
    if isinstance(module, nn.Sequential):
        layers = list(module)
        for i, layer in enumerate(layers):
            if dropout_layers(layer):
                return nn.Sequential(*layers[:i]), nn.Sequential(*layers[i:])
    return nn.Identity(), module


def mc_proba_samples(
    module: nn.Module,
    X: np.ndarray,
    n_samples: int = 20,
    batch_size: int = 2048,
    seed: int = 0,
    consistent: bool = True,
) -> np.ndarray:
    """Class probabilities from ``n_samples`` stochastic passes, shape ``(T, n, C)``.

    ``module`` maps a float tensor to logits. For an ``nn.Sequential`` the layers before
    the first dropout are deterministic, so they run once per mini-batch, not ``T`` times.
    """
    if n_samples < 1:
        raise UserValueError(f"n_samples must be at least 1, got {n_samples}")
    X = np.asarray(X)
    n = X.shape[0]
    prefix, rest = _split_sequential(module)
    out: np.ndarray | None = None
    with mc_dropout(module, seed, consistent) as masks, torch.no_grad():
        for start in range(0, n, batch_size):
            xb = torch.as_tensor(np.ascontiguousarray(X[start : start + batch_size]),
                                 dtype=torch.float32)
            hidden = prefix(xb)
            for t in range(n_samples):
                if masks is not None:
                    masks.current_pass = t
                proba = rest(hidden).double().softmax(dim=1).numpy()
                if out is None:
                    out = np.empty((n_samples, n, proba.shape[1]))
                out[t, start : start + batch_size] = proba
    if out is None:
        raise UserValueError("cannot draw MC samples for an empty input: pass at least one row")
    return out
