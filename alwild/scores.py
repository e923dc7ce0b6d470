"""Utility scores: pure, vectorised functions on arrays (higher = more worth a label).

Every function takes arrays and returns one float per sample. Nothing here knows
about estimators, learners or pools; there is no Python loop over samples.

>>> import numpy as np
>>> proba = np.array([[0.9, 0.1], [0.5, 0.5]])
>>> least_confident(proba)
array([0.1, 0.5])
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from alwild.errors import UserValueError

__all__ = [
    "least_confident",
    "margin",
    "entropy",
    "vote_entropy",
    "consensus_entropy",
    "kl_max_disagreement",
    "bald",
    "expected_entropy",
    "mean_std",
    "variation_ratios",
    "probability_of_improvement",
    "expected_improvement",
    "upper_confidence_bound",
    "expected_error",
    "expected_gradient_length",
    "random_scores",
    "min_abs_margin",
    "mean_max_loss",
    "max_loss",
    "min_confidence",
    "avg_confidence",
    "max_score",
    "avg_score",
    "normalised_uncertainty",
    "UNCERTAINTIES",
    "as_member_proba",
]

_TINY = np.finfo(np.float64).tiny


def _as_proba(proba: np.ndarray) -> np.ndarray:
    proba = np.asarray(proba)
    if proba.ndim != 2:
        raise UserValueError(
            f"expected class probabilities of shape (n_samples, n_classes), got {proba.shape}"
        )
    return proba


def least_confident(proba: np.ndarray) -> np.ndarray:
    """``1 - max_c p(c | x)``: how unsure the model is of its top guess.

    >>> least_confident(np.array([[0.7, 0.2, 0.1]]))
    array([0.3])
    """
    proba = _as_proba(proba)
    return 1.0 - proba.max(axis=1)


def margin(proba: np.ndarray) -> np.ndarray:
    """``1 - (p_top1 - p_top2)``: one minus the gap between the two best classes.

    In ``[0, 1]``; 1 means a tie between the two best classes.

    >>> margin(np.array([[0.6, 0.3, 0.1], [0.5, 0.5, 0.0]]))
    array([0.7, 1. ])
    """
    proba = _as_proba(proba)
    if proba.shape[1] < 2:
        return np.zeros(proba.shape[0])
    top2 = np.partition(proba, proba.shape[1] - 2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def _entropy_rows(p: np.ndarray) -> np.ndarray:
    # xlogy semantics (0 log 0 = 0) without a Python loop; maximum() avoids log(0).
    # ``0.0 -`` rather than unary minus: a certain row scores 0.0, not -0.0.
    return 0.0 - np.einsum("ij,ij->i", p, np.log(np.maximum(p, _TINY)))


def entropy(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy of the predicted class distribution (natural log).

    In ``[0, log n_classes]``.

    >>> entropy(np.array([[0.5, 0.5], [1.0, 0.0]])).round(4)
    array([0.6931, 0.    ])
    """
    return _entropy_rows(_as_proba(proba))


def vote_entropy(votes: np.ndarray, n_classes: int) -> np.ndarray:
    """Entropy of the committee's vote distribution.

    ``votes`` holds class indices, shape ``(n_samples, n_members)``.

    >>> vote_entropy(np.array([[0, 0], [0, 1]]), n_classes=2).round(4)
    array([0.    , 0.6931])
    """
    votes = np.asarray(votes)
    if votes.ndim != 2:
        raise UserValueError(f"votes must have shape (n_samples, n_members), got {votes.shape}")
    if votes.shape[0] == 0:
        return np.zeros(0)
    return _entropy_rows(_vote_counts(votes, n_classes) / votes.shape[1])


def _vote_counts(votes: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_samples, n_classes) counts of class indices in ``votes`` (n_samples, n_voters)."""
    n = votes.shape[0]
    flat = (np.arange(n)[:, None] * n_classes + votes).ravel()
    return np.bincount(flat, minlength=n * n_classes).reshape(n, n_classes)


def as_member_proba(member_proba: np.ndarray) -> np.ndarray:
    """Stacked probabilities ``(n_members, n_samples, n_classes)`` as an array, or an error.

    >>> as_member_proba([[[0.5, 0.5]]]).shape
    (1, 1, 2)
    """
    member_proba = np.asarray(member_proba)
    if member_proba.ndim != 3:
        raise UserValueError(
            "expected stacked probabilities of shape (n_members, n_samples, n_classes), "
            f"got {member_proba.shape}"
        )
    return member_proba


def consensus_entropy(member_proba: np.ndarray) -> np.ndarray:
    """Entropy of the members' mean class distribution.

    ``member_proba`` has shape ``(n_members, n_samples, n_classes)``.

    >>> consensus_entropy(np.array([[[1.0, 0.0]], [[0.0, 1.0]]])).round(4)
    array([0.6931])
    """
    return _entropy_rows(as_member_proba(member_proba).mean(axis=0))


def kl_max_disagreement(member_proba: np.ndarray) -> np.ndarray:
    """Largest KL divergence of any member from the consensus distribution.

    >>> kl_max_disagreement(np.array([[[0.5, 0.5]], [[0.5, 0.5]]]))
    array([0.])
    """
    member_proba = as_member_proba(member_proba)
    consensus = member_proba.mean(axis=0)
    log_p = np.log(np.maximum(member_proba, _TINY))
    log_q = np.log(np.maximum(consensus, _TINY))
    kl = np.einsum("mnc,mnc->mn", member_proba, log_p - log_q[None])
    return kl.max(axis=0)


def bald(mc_proba: np.ndarray) -> np.ndarray:
    """BALD mutual information from Monte-Carlo (or ensemble) probability samples.

    ``H[mean_t p_t] - mean_t H[p_t]`` with ``mc_proba`` of shape
    ``(n_samples_mc, n_samples, n_classes)``; zero when all samples agree.

    >>> bald(np.array([[[1.0, 0.0]], [[0.0, 1.0]]])).round(4)
    array([0.6931])
    """
    mc_proba = as_member_proba(mc_proba)
    return np.maximum(consensus_entropy(mc_proba) - expected_entropy(mc_proba), 0.0)


def expected_entropy(mc_proba: np.ndarray) -> np.ndarray:
    """Mean over Monte-Carlo samples of each sample's predictive entropy, ``E_t H[p_t]``.

    >>> expected_entropy(np.array([[[1.0, 0.0]], [[0.5, 0.5]]])).round(4)
    array([0.3466])
    """
    mc_proba = as_member_proba(mc_proba)
    t, n, c = mc_proba.shape
    return _entropy_rows(mc_proba.reshape(t * n, c)).reshape(t, n).mean(axis=0)


def mean_std(mc_proba: np.ndarray) -> np.ndarray:
    """Mean over classes of the standard deviation of p(c | x, w) across MC samples.

    ``mc_proba`` has shape ``(n_samples_mc, n_samples, n_classes)`` (MC-dropout passes or
    ensemble members); zero when all samples agree.

    >>> mean_std(np.array([[[1.0, 0.0]], [[0.0, 1.0]]]))
    array([0.5])
    """
    return as_member_proba(mc_proba).std(axis=0).mean(axis=1)


def variation_ratios(mc_proba: np.ndarray) -> np.ndarray:
    """``1 - (share of MC samples voting for the modal class)``.

    Each sample votes for its arg-max class; ties between classes count once.

    >>> variation_ratios(np.array([[[0.9, 0.1]], [[0.8, 0.2]], [[0.3, 0.7]], [[0.6, 0.4]]]))
    array([0.25])
    """
    mc_proba = as_member_proba(mc_proba)
    counts = _vote_counts(mc_proba.argmax(axis=2).T, mc_proba.shape[2])
    return 1.0 - counts.max(axis=1) / mc_proba.shape[0]


def _mean_std(mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=float).ravel()
    std = np.asarray(std, dtype=float).ravel()
    if mean.shape != std.shape:
        raise UserValueError(f"mean and std differ in shape: {mean.shape} vs {std.shape}")
    if np.any(std < 0):
        raise UserValueError("std must be non-negative")
    return mean, std


def probability_of_improvement(
    mean: np.ndarray, std: np.ndarray, best: float, tradeoff: float = 0.0
) -> np.ndarray:
    """P(f(x) > best + tradeoff) under a Gaussian predictive distribution.

    >>> probability_of_improvement(np.array([0.0]), np.array([1.0]), best=0.0)
    array([0.5])
    """
    mean, std = _mean_std(mean, std)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (mean - best - tradeoff) / std
    z = np.where(std > 0, z, np.where(mean - best - tradeoff > 0, np.inf, -np.inf))
    return ndtr(z)


def expected_improvement(
    mean: np.ndarray, std: np.ndarray, best: float, tradeoff: float = 0.0
) -> np.ndarray:
    """E[max(f(x) - best - tradeoff, 0)] under a Gaussian predictive distribution.

    >>> expected_improvement(np.array([0.0]), np.array([1.0]), best=0.0).round(4)
    array([0.3989])
    """
    mean, std = _mean_std(mean, std)
    gain = mean - best - tradeoff
    safe_std = np.where(std > 0, std, 1.0)
    z = gain / safe_std
    pdf = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    ei = gain * ndtr(z) + safe_std * pdf
    return np.where(std > 0, ei, np.maximum(gain, 0.0))


def upper_confidence_bound(mean: np.ndarray, std: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """``mean + beta * std``.

    >>> upper_confidence_bound(np.array([1.0]), np.array([2.0]), beta=0.5)
    array([2.])
    """
    mean, std = _mean_std(mean, std)
    return mean + beta * std


def expected_error(
    candidate_proba: np.ndarray, future_proba: np.ndarray, loss: str = "log"
) -> np.ndarray:
    """Expected error-reduction utility from retrained-model predictions.

    ``candidate_proba`` (n_candidates, n_classes) is the current model's p(y | x_c);
    ``future_proba`` (n_candidates, n_classes, n_eval, n_classes) holds, for each
    candidate and each possible label y, the class probabilities on an evaluation set of
    a model retrained with (x_c, y) added. The expected future loss is averaged over the
    evaluation set (log-loss: entropy of the prediction; ``"01"``: 1 - max probability)
    and weighted by p(y | x_c). Returns its negation, so higher is better.

    >>> cand = np.array([[0.5, 0.5]])
    >>> fut = np.array([[[[1.0, 0.0]], [[0.0, 1.0]]]])
    >>> expected_error(cand, fut, loss="01")
    array([-0.])
    """
    candidate_proba = _as_proba(candidate_proba)
    future_proba = np.asarray(future_proba, dtype=float)
    if future_proba.ndim != 4 or future_proba.shape[:2] != candidate_proba.shape:
        raise UserValueError(
            "future_proba must have shape (n_candidates, n_classes, n_eval, n_classes) "
            f"matching candidate_proba {candidate_proba.shape}, got {future_proba.shape}"
        )
    n_cand, n_cls, n_eval, _ = future_proba.shape
    flat = future_proba.reshape(-1, future_proba.shape[-1])
    if loss == "log":
        per_row = _entropy_rows(flat)
    elif loss == "01":
        per_row = 1.0 - flat.max(axis=1)
    else:
        raise UserValueError(f"unknown loss {loss!r}: use 'log' or '01'")
    future_loss = per_row.reshape(n_cand, n_cls, n_eval).mean(axis=2)
    return -np.einsum("ij,ij->i", candidate_proba, future_loss)


def expected_gradient_length(proba: np.ndarray, X, fit_intercept: bool = True) -> np.ndarray:
    """Expected norm of the log-loss gradient for a (multinomial) logistic model.

    For a sample x with label y the gradient w.r.t. the weights is ``(p - e_y) x~ᵀ`` with
    ``x~ = [x, 1]``; its norm is ``||p - e_y|| * ||x~||``. This returns
    ``sum_y p_y ||p - e_y|| * ||x~||``. ``X`` may be dense or scipy-sparse.

    >>> expected_gradient_length(np.array([[0.5, 0.5]]), np.array([[0.0]])).round(4)
    array([0.7071])
    """
    proba = _as_proba(proba)
    if hasattr(X, "multiply"):
        sq_norm = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    else:
        X = np.asarray(X, dtype=float)
        sq_norm = np.einsum("ij,ij->i", X, X)
    if fit_intercept:
        sq_norm = sq_norm + 1.0
    p_sq = np.einsum("ij,ij->i", proba, proba)
    grad = np.sqrt(np.maximum(p_sq[:, None] - 2 * proba + 1.0, 0.0))
    return np.einsum("ij,ij->i", proba, grad) * np.sqrt(sq_norm)


def random_scores(
    n_samples: int, random_state: np.random.Generator | int | None = None
) -> np.ndarray:
    """Uniform random scores: random (passive) sampling expressed as a score.

    >>> random_scores(3, random_state=0).shape
    (3,)
    """
    return np.random.default_rng(random_state).random(n_samples)


def min_abs_margin(decision: np.ndarray) -> np.ndarray:
    """Minus the smallest distance of a row to any label's decision boundary (SVM binary
    minimum, Brinker 2006): highest for the row nearest some boundary.

    ``decision`` is the decision function of each label, shape (n_samples, n_labels).

    >>> min_abs_margin(np.array([[2.0, -0.5], [1.0, 3.0]]))
    array([-0.5, -1. ])
    """
    decision = np.asarray(decision, dtype=float)
    return 0.0 - np.abs(decision.reshape(decision.shape[0], -1)).min(axis=1)


def _signs(predictions: np.ndarray) -> np.ndarray:
    return 2.0 * np.asarray(predictions, dtype=float) - 1.0


def mean_max_loss(predictions: np.ndarray) -> np.ndarray:
    """Mean over labels of the hinge loss of the predicted label sets were each label the
    only true one (Li et al. 2004), from 0/1 predictions of shape (n_samples, n_labels).

    >>> mean_max_loss(np.array([[1, 0], [1, 1]]))
    array([1.5, 1. ])
    """
    signs = _signs(predictions)
    n_labels = signs.shape[1]
    one_true = 2.0 * np.eye(n_labels) - 1.0
    return np.maximum(1.0 - signs @ one_true, 0.0).mean(axis=1)


def max_loss(predictions: np.ndarray, most_certain: np.ndarray) -> np.ndarray:
    """Hinge loss of the 0/1 predictions were the ``most_certain`` label of each row its
    only true one (max loss, Li et al. 2004).

    >>> max_loss(np.array([[1, 0], [1, 1]]), np.array([0, 0]))
    array([0., 2.])
    """
    signs = _signs(predictions)
    target = -np.ones_like(signs)
    target[np.arange(signs.shape[0]), np.asarray(most_certain)] = 1.0
    return np.maximum(1.0 - target * signs, 0.0).sum(axis=1)


def min_confidence(proba: np.ndarray) -> np.ndarray:
    """Minus the lowest label probability of each row (MinConfidence, Esuli & Sebastiani
    2009): highest for the row with the least confident label.

    >>> min_confidence(np.array([[0.9, 0.2], [0.6, 0.7]]))
    array([-0.2, -0.6])
    """
    return 0.0 - _as_proba(proba).min(axis=1)


def avg_confidence(proba: np.ndarray) -> np.ndarray:
    """Mean label probability of each row (AvgConfidence, Esuli & Sebastiani 2009).

    >>> avg_confidence(np.array([[0.9, 0.2]]))
    array([0.55])
    """
    return _as_proba(proba).mean(axis=1)


def _label_scores(proba: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    return _as_proba(proba) * (np.asarray(predictions, dtype=float) - 0.5)


def max_score(proba: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Largest ``p * (prediction - 1/2)`` over the labels of a row (MaxScore, Esuli &
    Sebastiani 2009).

    >>> max_score(np.array([[0.9, 0.2]]), np.array([[1, 0]]))
    array([0.45])
    """
    return _label_scores(proba, predictions).max(axis=1)


def avg_score(proba: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Mean ``p * (prediction - 1/2)`` over the labels of a row (AvgScore, Esuli &
    Sebastiani 2009).

    >>> avg_score(np.array([[0.9, 0.2]]), np.array([[1, 0]]))
    array([0.175])
    """
    return _label_scores(proba, predictions).mean(axis=1)


UNCERTAINTIES = ("least_confident", "margin", "entropy")


def normalised_uncertainty(proba: np.ndarray, kind: str = "least_confident") -> np.ndarray:
    """A least-confident, margin or entropy score rescaled to ``[0, 1]`` (1 = uniform prediction).

    >>> normalised_uncertainty(np.array([[0.5, 0.5], [0.9, 0.1]]), "margin").round(3)
    array([1. , 0.2])
    """
    proba = np.asarray(proba, dtype=float)
    n_classes = proba.shape[1]
    if n_classes < 2:
        return np.zeros(proba.shape[0])
    if kind == "least_confident":
        raw, top = least_confident(proba), 1.0 - 1.0 / n_classes
    elif kind == "margin":
        raw, top = margin(proba), 1.0
    elif kind == "entropy":
        raw, top = entropy(proba), np.log(n_classes)
    else:
        raise UserValueError(f"unknown uncertainty {kind!r}; choose one of {UNCERTAINTIES}")
    return np.clip(raw / top, 0.0, 1.0)
