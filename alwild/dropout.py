"""modAL's ``modAL.dropout``: Monte-Carlo dropout on a skorch network (Gal & Ghahramani
2016). ``get_predictions`` draws class probabilities with dropout on; ``mc_dropout_bald``,
``mc_dropout_mean_st``, ``mc_dropout_max_entropy`` and ``mc_dropout_max_variationRatios``
score those draws with the registered strategies ``bald``, ``mean_std``, ``max_entropy``
and ``variation_ratios`` and return ``(indices, scores)``.

Their scores are the usual ones over the draws, shape (T, n, classes): BALD's mutual
information, the mean over classes of the std across draws, the entropy of the mean
prediction and one minus the share of draws voting for the modal class. (modAL 0.4.2
sums entropies over the draws instead of the classes, so its values differ; and its
draws take the softmax over a whole forward pass, where alwild's take it row by row.)

>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
>>> set_dropout_mode(net, [], train_mode=False); net[1].training
False
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from scipy.special import entr
from torch.nn.modules.dropout import _DropoutNd

from alwild.errors import UserArgumentError, UserTypeError
from alwild.strategies import get_strategy

__all__ = ["default_logits_adaptor", "entropy_sum", "set_dropout_mode", "get_predictions",
           "mc_dropout_bald", "mc_dropout_mean_st", "mc_dropout_max_entropy",
           "mc_dropout_max_variationRatios"]


def default_logits_adaptor(input_tensor: torch.Tensor, samples) -> torch.Tensor:
    """The network's output, as it is."""
    return input_tensor


def entropy_sum(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum of ``-p log p`` over ``axis``, NaN entries left out.

    >>> entropy_sum(np.array([[0.5, 0.5, np.nan]])).round(4)
    array([0.6931])
    """
    return np.nansum(entr(values), axis=axis)


def set_dropout_mode(model: torch.nn.Module, dropout_layer_indexes: Sequence[int],
                     train_mode: bool) -> None:
    """Switch dropout on (``train_mode=True``) or off in the layers at
    ``dropout_layer_indexes`` of ``model.modules()`` (every dropout layer when empty);
    KeyError for an index that is not a dropout layer."""
    modules = list(model.modules())
    if not dropout_layer_indexes:
        layers = [m for m in modules if isinstance(m, _DropoutNd)]
    else:
        layers = [modules[i] for i in dropout_layer_indexes]
        for i, layer in zip(dropout_layer_indexes, layers, strict=True):
            if not isinstance(layer, _DropoutNd):
                raise KeyError(f"module {i} is a {type(layer).__name__}, not a dropout layer: "
                               "give the indexes of dropout layers in model.modules()")
    for layer in layers:
        layer.train(train_mode)


def _batches(X, size: int) -> list:
    if isinstance(X, Mapping):
        parts = {k: torch.split(v, size) for k, v in X.items()}
        return [dict(zip(parts, values, strict=True)) for values in zip(*parts.values(),
                                                                        strict=True)]
    if torch.is_tensor(X):
        return list(torch.split(X, size))
    raise UserTypeError(f"MC dropout takes a torch tensor or a dict of them, got "
                        f"{type(X).__name__}: convert the pool with torch.as_tensor")


def get_predictions(
    classifier: Any,
    X,
    dropout_layer_indexes: Sequence[int] = (),
    num_predictions: int = 50,
    sample_per_forward_pass: int = 1000,
    logits_adaptor: Callable = default_logits_adaptor,
) -> list[np.ndarray]:
    """``num_predictions`` draws of class probabilities of ``X`` with dropout on, by
    forward passes of ``sample_per_forward_pass`` rows through ``classifier.estimator``
    (a skorch network)."""
    if num_predictions < 1:
        raise UserArgumentError(f"num_predictions must be at least 1, got {num_predictions}")
    if sample_per_forward_pass < 1:
        raise UserArgumentError(
            f"sample_per_forward_pass must be at least 1, got {sample_per_forward_pass}")
    net = classifier.estimator
    batches = _batches(X, sample_per_forward_pass)
    set_dropout_mode(net.module_, dropout_layer_indexes, train_mode=True)
    try:
        draws = []
        for _ in range(num_predictions):
            with torch.no_grad():
                proba = [logits_adaptor(net.infer(b), b).softmax(-1) for b in batches]
            draws.append(torch.cat(proba).cpu().numpy())
    finally:
        set_dropout_mode(net.module_, dropout_layer_indexes, train_mode=False)
    return draws


class _Draws:
    """A model whose probability samples are MC-dropout draws of a skorch learner."""

    def __init__(self, classifier: Any, kwargs: dict) -> None:
        self.classifier, self.kwargs = classifier, kwargs

    def predict_proba_samples(self, rows) -> np.ndarray:
        return np.stack(get_predictions(self.classifier, rows, **self.kwargs))


def _mc_dropout(name: str, modal_name: str):
    strategy = get_strategy(name)

    def query(
        classifier: Any,
        X,
        n_instances: int = 1,
        random_tie_break: bool = True,
        dropout_layer_indexes: Sequence[int] = (),
        num_cycles: int = 50,
        sample_per_forward_pass: int = 1000,
        logits_adaptor: Callable = default_logits_adaptor,
        random_state: int | np.random.Generator | None = 0,
    ) -> tuple[np.ndarray, np.ndarray]:
        draws = _Draws(classifier, {"dropout_layer_indexes": dropout_layer_indexes,
                                    "num_predictions": num_cycles,
                                    "sample_per_forward_pass": sample_per_forward_pass,
                                    "logits_adaptor": logits_adaptor})
        idx, scores = strategy.pick(draws, X, n_instances, random_tie_break, random_state)
        return idx, scores[idx]

    query.__name__ = query.__qualname__ = modal_name
    query.__doc__ = (f"The ``n_instances`` rows of highest {name} over ``num_cycles`` MC-dropout "
                     "draws, and their scores.")
    return query


mc_dropout_bald = _mc_dropout("bald", "mc_dropout_bald")
mc_dropout_mean_st = _mc_dropout("mean_std", "mc_dropout_mean_st")
mc_dropout_max_entropy = _mc_dropout("max_entropy", "mc_dropout_max_entropy")
mc_dropout_max_variationRatios = _mc_dropout("variation_ratios", "mc_dropout_max_variationRatios")  # noqa: N816 - modAL's name
