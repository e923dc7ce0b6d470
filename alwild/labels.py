"""Class labels across models: aligning a member's probabilities to a committee's classes,
and reading votes as class positions.

>>> align_proba(np.array([[0.3, 0.7]]), known=[0, 2], all_labels=[0, 1, 2]).tolist()
[[0.3, 0.0, 0.7]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alwild.errors import UserValueError

__all__ = ["label_positions", "align_proba", "vote_positions", "same_classes"]


def label_positions(labels, all_labels) -> np.ndarray:
    """Position of each of ``labels`` in ``all_labels`` (which need not be sorted).

    >>> label_positions(["b", "c"], ["c", "a", "b"]).tolist()
    [2, 0]
    """
    labels, all_labels = np.asarray(labels), np.asarray(all_labels)
    order = np.argsort(all_labels, kind="stable")
    pos = order[np.clip(np.searchsorted(all_labels, labels, sorter=order), 0, len(order) - 1)]
    missing = all_labels[pos] != labels
    if np.any(missing):
        raise UserValueError(
            f"labels {np.asarray(labels)[missing][:5].tolist()} are not among the classes "
            f"{all_labels.tolist()}: give all_labels every class the models know"
        )
    return pos


def align_proba(proba: np.ndarray, known: Sequence, all_labels: Sequence) -> np.ndarray:
    """Probabilities over ``known`` classes spread over ``all_labels``, zeros elsewhere.

    >>> align_proba(np.array([[1.0]]), known=["b"], all_labels=["a", "b"]).tolist()
    [[0.0, 1.0]]
    """
    proba = np.asarray(proba)
    if np.array_equal(known, all_labels):
        return proba
    out = np.zeros((proba.shape[0], len(all_labels)))
    out[:, label_positions(known, all_labels)] = proba
    return out


def vote_positions(votes, classes) -> np.ndarray:
    """Votes (labels, shape (n, n_voters)) as positions in ``classes``.

    >>> vote_positions(np.array([[2.0, 0.0]]), np.array([0, 2])).tolist()
    [[1, 0]]
    """
    votes = np.asarray(votes)
    return label_positions(votes.ravel(), classes).reshape(votes.shape)


def same_classes(*classes: Sequence) -> bool:
    """Whether every model knows the same classes, in the same order.

    >>> same_classes([0, 1], [0, 1]), same_classes([0, 1], [1])
    (True, False)
    """
    return all(np.array_equal(a, b) for a, b in zip(classes, classes[1:], strict=False))
