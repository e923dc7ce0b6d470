"""A scikit-learn classifier around any ``torch.nn.Module``, with MC-dropout samples.

Training is skorch's (``NeuralNetClassifier``: optimiser, epochs, mini-batches); this
adapter adds what active learning needs: any label type, float64 input, warm-start
fine-tuning between rounds, ``predict_proba_samples`` for the Bayesian strategies
(``bald``, ``batchbald``, ``mean_std``, ...) and ``embed`` (the input of the last linear
layer) for BADGE and the diversity selectors.

>>> import numpy as np, torch
>>> from torch import nn
>>> def head():
...     return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
>>> X = np.array([[0.0, 0.0], [0.1, 0.0], [3.0, 3.0], [3.1, 3.0]])
>>> y = np.array(["a", "a", "b", "b"])
>>> clf = TorchClassifier(head, max_epochs=60, lr=0.05, random_state=0).fit(X, y)
>>> clf.predict(X).tolist(), clf.predict_proba_samples(X, n_samples=4).shape
(['a', 'a', 'b', 'b'], (4, 4, 2))
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from torch import nn

from alwild.errors import UserTypeError, UserValueError
from alwild.models.mc_dropout import mc_proba_samples, require_dropout

__all__ = ["TorchClassifier"]


def _as_float32(X) -> np.ndarray:
    X = X.to_numpy() if hasattr(X, "to_numpy") else X
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.number):
        raise UserTypeError(
            f"TorchClassifier needs numeric input (an array of features or image tensors), "
            f"got dtype {X.dtype}: embed images first (alwild.vision) or encode the columns"
        )
    return np.ascontiguousarray(X, dtype=np.float32)


def _last_linear(module: nn.Module) -> nn.Linear:
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise UserTypeError(
            f"embed needs an nn.Linear output layer, and the {type(module).__name__} has none"
        )
    return linears[-1]


@contextlib.contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to ``n`` for the block (unchanged when None)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Classifier around ``module`` (a factory returning an ``nn.Module`` of logits).

    Parameters
    ----------
    module : callable or nn.Module
        Called with no arguments to build a fresh network (a class or a function); an
        ``nn.Module`` instance is deep-copied instead. The network maps float inputs to
        one logit per class.
    max_epochs, lr, batch_size, optimizer, weight_decay :
        skorch training settings (cross-entropy loss, no validation split).
    class_weight : None or "balanced"
        With ``"balanced"`` the loss weighs each class by ``n / (n_classes * count)``, as
        scikit-learn's ``class_weight="balanced"``, so a rare class is not drowned out.
    warm_start : bool
        Refit from the current weights (fine-tuning for ``warm_start_epochs`` epochs)
        when the classes are unchanged, instead of from a fresh network.
    mc_samples, mc_batch_size, consistent_mc :
        Monte-Carlo dropout settings of :meth:`predict_proba_samples`.
    random_state : int or None
        Seeds the initial weights, the mini-batch order and the dropout masks.
    n_threads : int or None
        torch's intra-op threads while fitting and predicting (None: torch's own setting).
        One suits a small head on embeddings: on a busy machine more threads wait on each
        other (a 60-epoch fit on 30 rows took 11-16 s with two threads under load, 0.6 s
        with one).
    """

    def __init__(
        self,
        module: Callable[[], nn.Module] | nn.Module,
        max_epochs: int = 50,
        lr: float = 1e-3,
        batch_size: int = 64,
        optimizer: type[torch.optim.Optimizer] = torch.optim.AdamW,
        weight_decay: float = 1e-2,
        class_weight: str | None = None,
        warm_start: bool = False,
        warm_start_epochs: int | None = None,
        mc_samples: int = 20,
        mc_batch_size: int = 2048,
        consistent_mc: bool = True,
        random_state: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.module = module
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.warm_start_epochs = warm_start_epochs
        self.mc_samples = mc_samples
        self.mc_batch_size = mc_batch_size
        self.consistent_mc = consistent_mc
        self.random_state = random_state
        self.n_threads = n_threads

    def _build(self) -> nn.Module:
        if isinstance(self.module, nn.Module):
            return copy.deepcopy(self.module)
        built = self.module()
        if not isinstance(built, nn.Module):
            raise UserTypeError(
                "module must be an nn.Module or a factory returning one, "
                f"got {type(built).__name__}"
            )
        return built

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _loss_weights(self, classes: np.ndarray, y: np.ndarray) -> torch.Tensor | None:
        if self.class_weight is None:
            return None
        if self.class_weight != "balanced":
            raise UserValueError(f"class_weight must be None or 'balanced', got "
                                 f"{self.class_weight!r}")
        return torch.as_tensor(compute_class_weight("balanced", classes=classes, y=y),
                               dtype=torch.float32)

    def fit(self, X, y) -> TorchClassifier:
        """Train on ``(X, y)``; with ``warm_start`` continue from the current weights."""
        from skorch import NeuralNetClassifier

        X = _as_float32(X)
        y = np.asarray(y)
        if X.shape[0] != y.shape[0]:
            raise UserValueError(f"got {X.shape[0]} samples but {y.shape[0]} labels")
        classes, y_enc = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise UserValueError(f"need at least two classes to train, got only {classes.tolist()}")
        warm = (self.warm_start and hasattr(self, "net_")
                and np.array_equal(classes, self.classes_))
        weights = self._loss_weights(classes, y)
        with torch.random.fork_rng(devices=[]), _torch_threads(self.n_threads):
            torch.manual_seed(self._seed() + getattr(self, "n_fits_", 0))
            if warm:
                epochs = self.warm_start_epochs
                if epochs is None:
                    epochs = self.max_epochs
                self.net_.criterion_.weight = weights
                self.net_.fit_loop(X, y_enc.astype(np.int64), epochs=epochs)
            else:
                self.net_ = NeuralNetClassifier(
                    self._build(), criterion=nn.CrossEntropyLoss, criterion__weight=weights,
                    optimizer=self.optimizer,
                    lr=self.lr, optimizer__weight_decay=self.weight_decay,
                    max_epochs=self.max_epochs, batch_size=self.batch_size, train_split=None,
                    iterator_train__shuffle=True, verbose=0,
                )
                self.net_.fit(X, y_enc.astype(np.int64))
        self.classes_ = classes
        self.n_features_in_ = X.shape[1] if X.ndim == 2 else None
        self.n_fits_ = getattr(self, "n_fits_", 0) + 1
        return self

    @property
    def module_(self) -> nn.Module:
        """The trained network."""
        check_is_fitted(self, "net_")
        return self.net_.module_

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities with dropout off, shape (n, n_classes)."""
        check_is_fitted(self, "net_")
        with _torch_threads(self.n_threads):
            return self.net_.predict_proba(_as_float32(X)).astype(np.float64)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba_samples(self, X, n_samples: int | None = None) -> np.ndarray:
        """MC-dropout class probabilities, shape (T, n, n_classes), T = ``mc_samples``.

        The masks are re-drawn after every fit; within one fitted model every call uses
        the same T weight draws (with ``consistent_mc``), whatever the chunking.
        """
        check_is_fitted(self, "net_")
        seed = self._seed() * 7919 + self.n_fits_
        with _torch_threads(self.n_threads):
            return mc_proba_samples(self.module_, _as_float32(X), n_samples or self.mc_samples,
                                    self.mc_batch_size, seed, self.consistent_mc)

    def check_mc(self) -> None:
        """Raise a clear error now if the network cannot give MC-dropout samples."""
        require_dropout(self.module_ if hasattr(self, "net_") else self._build())

    def embed(self, X) -> np.ndarray:
        """Input of the last ``nn.Linear`` layer (dropout off), shape (n, n_hidden)."""
        check_is_fitted(self, "net_")
        module = self.module_
        captured: list[torch.Tensor] = []
        handle = _last_linear(module).register_forward_hook(
            lambda m, inputs, out: captured.append(inputs[0].detach()))
        was_training = module.training
        try:
            module.eval()
            X = _as_float32(X)
            with torch.no_grad():
                for start in range(0, X.shape[0], self.mc_batch_size):
                    module(torch.as_tensor(X[start : start + self.mc_batch_size]))
        finally:
            handle.remove()
            module.train(was_training)
        return torch.cat(captured).double().numpy().reshape(X.shape[0], -1)
