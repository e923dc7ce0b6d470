"""Top-k of a pool scored in pieces: per-partition candidates and their merge. Pure.

A candidate set holds, for the best ``k`` rows of some part of the pool, their score,
their tie-break key (hashed from the round's seed and the global row index, see
:func:`alwild.select.tie_keys`) and their global row index. Ranking is a total order
on (score, key, index), so merging candidate sets in any grouping — a tree over
thousands of partitions, or one block after another in memory — gives exactly the rows
and order of :func:`alwild.select.top_k` on the whole pool with the same seed.

>>> a = partition_candidates(np.array([0.2, 0.9]), np.array([0, 1]), seed=1, k=1)
>>> b = partition_candidates(np.array([0.5, 0.1]), np.array([2, 3]), seed=1, k=1)
>>> merge_candidates([a, b], k=2).index.tolist()
[1, 2]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from alwild.select import best_first, tie_keys

__all__ = ["Candidates", "partition_candidates", "merge_candidates", "subsample_mask"]


@dataclasses.dataclass(frozen=True)
class Candidates:
    """The best rows of part of a pool: ``score``, tie ``key`` and global ``index``, best first."""

    score: np.ndarray
    key: np.ndarray
    index: np.ndarray
    n_scored: int = 0

    @classmethod
    def empty(cls) -> Candidates:
        """A candidate set for a part of the pool with no rows."""
        return cls(np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))


def subsample_mask(seed: int, index: np.ndarray, share: float) -> np.ndarray:
    """Whether each global row ``index`` is scored this round when scoring ``share`` of it.

    Decided row by row from a hash of (seed, index), so every partition decides alone
    and the kept rows do not depend on how the pool is split.

    >>> subsample_mask(3, np.arange(100_000), 0.1).mean().round(2)
    np.float64(0.1)
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"subsample must be a share of the pool in (0, 1], got {share}")
    if share == 1.0:
        return np.ones(np.shape(index), dtype=bool)
    return tie_keys(seed, index) < share


def partition_candidates(scores: np.ndarray, index: np.ndarray, seed: int, k: int) -> Candidates:
    """The best ``k`` of one partition's ``scores`` for its global row ``index``."""
    scores = np.asarray(scores)
    index = np.asarray(index, dtype=np.int64)
    if np.isnan(scores).any():
        bad = index[np.isnan(scores)][:5].tolist()
        raise ValueError(f"scores contain NaN (first at pool rows {bad}); they cannot be ranked")
    order = _best(scores, index, seed, k)
    return Candidates(scores[order], tie_keys(seed, index[order]), index[order], index.size)


def _best(scores: np.ndarray, index: np.ndarray, seed: int, k: int) -> np.ndarray:
    n = scores.shape[0]
    if n > k:
        threshold = np.partition(scores, n - k)[n - k]
        cut = np.flatnonzero(scores >= threshold)
    else:
        cut = np.arange(n)
    order = best_first(scores[cut], tie_keys(seed, index[cut]), index[cut], k)
    return cut[order]


def merge_candidates(parts: Sequence[Candidates], k: int) -> Candidates:
    """The best ``k`` of several candidate sets (one node of the tree reduction)."""
    parts = [p for p in parts if p.index.size] or [Candidates.empty()]
    score = np.concatenate([p.score for p in parts])
    key = np.concatenate([p.key for p in parts])
    index = np.concatenate([p.index for p in parts])
    order = best_first(score, key, index, k)
    n_scored = sum(p.n_scored for p in parts)
    return Candidates(score[order], key[order], index[order], n_scored)
