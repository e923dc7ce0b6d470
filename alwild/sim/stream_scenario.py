"""The stream scenario: play a labelled table (or a drifting synthetic stream) in order
through a :class:`~alwild.learners.StreamLearner`, and record accuracy and budget used.

Each item is predicted before its label is known (test-then-train); the *rolling
accuracy* is the share of the last ``window`` items predicted correctly, whether or not
their label was bought. Items arrive in blocks of ``block`` (the model is the same within
a block, as when labels come back with a delay).

>>> X, y = drifting_stream(300, seed=0)
>>> frame = run_stream(X, y, policies=("variable_uncertainty", "random"), seeds=[0],
...                    share=0.1, window=100, checkpoint=100)
>>> sorted(frame["policy"].unique()), bool((frame["labels"] <= frame["allowed"]).all())
(['random', 'variable_uncertainty'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from alwild.errors import UserValueError
from alwild.learners import StreamLearner
from alwild.sim.plots import save_figure
from alwild.stream import BudgetManager, RollingAccuracyDrift, get_policy

__all__ = ["drifting_stream", "run_stream", "run_drifting", "plot_stream", "stream_summary"]


def drifting_stream(
    n: int = 6000,
    n_features: int = 4,
    n_concepts: int = 3,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A binary stream whose concept changes abruptly ``n_concepts - 1`` times.

    Features are standard normal; concept ``c`` labels ``x`` by the sign of
    ``w_c · x - b_c`` (random ``w_c``, ``b_c``); a ``noise`` share of labels is flipped.
    """
    if n < n_concepts:
        raise UserValueError(f"a stream of {n} items cannot hold {n_concepts} concepts")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    concept = np.minimum(np.arange(n) * n_concepts // n, n_concepts - 1)
    W = rng.normal(size=(n_concepts, n_features))
    b = rng.normal(0, 0.5, size=n_concepts)
    y = (np.einsum("ij,ij->i", X, W[concept]) > b[concept]).astype(int)
    flip = rng.random(n) < noise
    return X, np.where(flip, 1 - y, y)


def _policy(name: str, share: float):
    # random asks twice as often as the share and the budget holds it to the share, so it
    # spends as many labels as the other policies (asking at exactly the share would leave
    # labels unspent whenever the coin flips ran ahead of the window)
    return get_policy("random", rate=min(1.0, 2 * share)) if name == "random" else get_policy(name)


def run_stream(
    X,
    y,
    policies: Sequence[str] = ("variable_uncertainty", "split", "random"),
    seeds: Sequence[int] = (0,),
    share: float = 0.1,
    estimator=None,
    window: int = 500,
    checkpoint: int = 100,
    block: int = 10,
    train_window: int | None = 300,
    drift: bool = True,
    shuffle: bool = False,
) -> pd.DataFrame:
    """Tidy rows (policy, seed, items, labels, allowed, rolling_accuracy, drifts) at the end
    of the first block past every ``checkpoint`` items. ``random`` asks at random (see
    ``_policy``); every policy is held to the same
    :class:`~alwild.stream.BudgetManager` (``share`` over ``window`` items). With
    ``shuffle`` each seed plays the rows in its own random order (for a table without a
    natural order); otherwise seeds only change the policies' coin flips.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise UserValueError(f"got {X.shape[0]} rows but {y.shape[0]} labels")
    estimator = estimator if estimator is not None else LogisticRegression(warm_start=True)
    rows = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(y)) if shuffle else None
        X_s, y_s = (X[order], y[order]) if shuffle else (X, y)
        for name in policies:
            learner = StreamLearner(
                clone(estimator), _policy(name, share), BudgetManager(share, window),
                random_state=seed, train_window=train_window,
                drift=RollingAccuracyDrift() if drift else None, classes=np.unique(y),
            )
            correct = np.zeros(len(y_s), dtype=bool)
            for start in range(0, len(y_s), block):
                stop = min(start + block, len(y_s))
                pred, query, _ = learner.ask(X_s[start:stop], now=float(start))
                correct[start:stop] = pred == y_s[start:stop]
                if query.any():
                    learner.teach(X_s[start:stop][query], y_s[start:stop][query])
                if stop // checkpoint > start // checkpoint or stop == len(y_s):
                    rows.append({
                        "policy": name, "seed": seed, "items": stop,
                        "labels": int(learner.budget.spent), "allowed": share * stop,
                        "rolling_accuracy": float(correct[max(0, stop - window):stop].mean()),
                        "drifts": len(learner.drifts_),
                    })
    return pd.DataFrame(rows)


def run_drifting(seeds: Sequence[int] = range(5), n: int = 6000, **kwargs) -> pd.DataFrame:
    """:func:`run_stream` on a fresh :func:`drifting_stream` per seed."""
    frames = []
    for seed in seeds:
        X, y = drifting_stream(n, seed=seed)
        frames.append(run_stream(X, y, seeds=[seed], **kwargs))
    return pd.concat(frames, ignore_index=True)


def stream_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per policy: mean rolling accuracy over the whole stream, final labels used, share."""
    last = frame.sort_values("items").groupby(["policy", "seed"]).tail(1)
    out = frame.groupby("policy").agg(mean_rolling_accuracy=("rolling_accuracy", "mean"))
    out["labels_used"] = last.groupby("policy")["labels"].mean()
    out["items"] = last.groupby("policy")["items"].mean()
    out["share_used"] = out["labels_used"] / out["items"]
    out["drifts_detected"] = last.groupby("policy")["drifts"].mean()
    return out.reset_index()


def plot_stream(frame: pd.DataFrame, path: Path, title: str, share: float) -> Path:
    """Rolling accuracy and labels used over the stream, one line per policy."""
    import matplotlib.pyplot as plt  # after alwild.sim.plots chose the Agg backend

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6), dpi=120, sharex=True)
    mean = frame.groupby(["policy", "items"])[["rolling_accuracy", "labels"]].mean()
    for policy in frame["policy"].unique():
        part = mean.loc[policy]
        top.plot(part.index, part["rolling_accuracy"] * 100, label=policy, lw=1.6)
        bottom.plot(part.index, part["labels"], label=policy, lw=1.6)
    items = np.sort(frame["items"].unique())
    bottom.plot(items, share * items, color="black", ls="--", lw=1, label=f"{share:.0%} budget")
    top.set_ylabel("rolling accuracy (%)")
    bottom.set_ylabel("labels used")
    bottom.set_xlabel("stream items")
    top.set_title(f"{title}\nmean of {frame['seed'].nunique()} seeds", fontsize=10)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return save_figure(fig, path)
