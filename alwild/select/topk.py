"""Top-k with seeded tie-breaks, and the candidate sets that let a pool be ranked in pieces.

A candidate set holds, for the best ``k`` rows of some part of the pool, their score,
their tie-break key (hashed from the round's seed and the global row index, see
:func:`tie_keys`) and their global row index. Ranking is a total order on (score, key,
index), so merging candidate sets in any grouping — one block after another in memory
(:func:`top_k`), or a tree over thousands of partitions on a cluster (``alwild.scale``) —
gives exactly the same rows in the same order.

>>> a = partition_candidates(np.array([0.2, 0.9]), np.array([0, 1]), seed=1, k=1)
>>> b = partition_candidates(np.array([0.5, 0.1]), np.array([2, 3]), seed=1, k=1)
>>> merge_candidates([a, b], k=2).index.tolist()
[1, 2]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from alwild.errors import UserValueError
from alwild.select.common import as_rng, check_k

__all__ = [
    "top_k",
    "tie_keys",
    "tie_seed",
    "best_first",
    "Candidates",
    "partition_candidates",
    "merge_candidates",
    "subsample_mask",
]

_BLOCK = 1 << 18


def tie_seed(random_state: int | np.random.Generator | None = None) -> int:
    """One draw from ``random_state``: the seed of the tie-break keys of a selection.

    >>> tie_seed(0) == tie_seed(0)
    True
    """
    return int(as_rng(random_state).integers(2**63 - 1))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def tie_keys(seed: int, index: np.ndarray) -> np.ndarray:
    """Uniform keys in [0, 1) that depend only on ``seed`` and each global row ``index``.

    A SplitMix64 hash of (seed, index): the key of a row is the same whichever block,
    partition or machine scores it, so a split selection breaks ties like a whole one.

    >>> k = tie_keys(7, np.arange(4))
    >>> bool(((k >= 0) & (k < 1)).all()), bool(tie_keys(7, np.array([2]))[0] == k[2])
    (True, True)
    """
    z = np.asarray(index, dtype=np.uint64) * _GOLDEN + np.uint64(seed % 2**64)
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _block_best(
    values: np.ndarray, keys_at, k: int, first_index: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``values``) of the best ``k`` by (value, tie key), and their keys;
    with ``first_index`` (all keys equal) the lowest positions win a tie."""
    n = values.shape[0]
    if n <= k:
        pos = np.arange(n)
        return pos, keys_at(pos)
    part = np.argpartition(values, n - k)[n - k :]
    threshold = values[part].min()
    above = part[values[part] > threshold]
    tied = np.flatnonzero(values == threshold)
    if above.size + tied.size == k:
        pos = np.concatenate([above, tied])
        return pos, keys_at(pos)
    tied_keys = keys_at(tied)
    if first_index:  # flatnonzero lists the tied positions in increasing order
        keep = np.arange(k - above.size)
    else:
        keep = np.argpartition(-tied_keys, k - above.size - 1)[: k - above.size]
    pos = np.concatenate([above, tied[keep]])
    keys = np.concatenate([keys_at(above), tied_keys[keep]])
    return pos, keys


def best_first(values: np.ndarray, keys: np.ndarray, index: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best rows by score, then tie key, then lowest index; best first.

    A total order, so merging the best ``k`` of any split of a pool in any grouping gives
    the same rows in the same order as ranking the whole pool.

    >>> best_first(np.array([1.0, 2.0, 2.0]), np.array([0.5, 0.1, 0.9]), np.arange(3), 2)
    array([2, 1])
    """
    return np.lexsort((index, -keys, -values))[:k]



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
        return cls(np.empty(0), np.empty(0), np.empty(0, dtype=np.intp))


def subsample_mask(seed: int, index: np.ndarray, share: float) -> np.ndarray:
    """Whether each global row ``index`` is scored this round when scoring ``share`` of it.

    Decided row by row from a hash of (seed, index), so every partition decides alone
    and the kept rows do not depend on how the pool is split.

    >>> subsample_mask(3, np.arange(100_000), 0.1).mean().round(2)
    np.float64(0.1)
    """
    if not 0.0 < share <= 1.0:
        raise UserValueError(f"subsample must be a share of the pool in (0, 1], got {share}")
    if share == 1.0:
        return np.ones(np.shape(index), dtype=bool)
    return tie_keys(seed, index) < share


def partition_candidates(
    scores: np.ndarray, index: np.ndarray | int, seed: int | None, k: int
) -> Candidates:
    """The best ``k`` of one partition's ``scores`` for its global row ``index``.

    ``index`` holds each row's global index, or is one integer, the global index of the
    first row, when the rows are consecutive. Ties are broken by keys hashed from
    ``seed``; with ``seed=None`` the lowest index wins.

    >>> partition_candidates(np.array([0.3, 0.7, 0.5]), np.array([10, 11, 12]), 0, 2).index
    array([11, 12])
    >>> partition_candidates(np.array([0.3, 0.7, 0.5]), 10, 0, 2).index
    array([11, 12])
    """
    scores = np.asarray(scores)
    if np.ndim(index) == 0:
        offset = int(index)

        def at(pos):
            return pos + offset
    else:
        index = np.asarray(index, dtype=np.intp)

        def at(pos):
            return index[pos]
    if np.isnan(scores).any():
        bad = at(np.flatnonzero(np.isnan(scores))[:5]).tolist()
        raise UserValueError(f"scores contain NaN (first at rows {bad}); they cannot be ranked: "
                         "check the model's outputs on those rows")
    if seed is None:
        pos, keys = _block_best(scores, lambda p: np.zeros(np.shape(p)), k, first_index=True)
    else:
        pos, keys = _block_best(scores, lambda p: tie_keys(seed, at(p)), k)
    rows = at(pos)
    order = best_first(scores[pos], keys, rows, k)
    return Candidates(scores[pos[order]], keys[order], rows[order], scores.shape[0])


def merge_candidates(parts: Sequence[Candidates], k: int) -> Candidates:
    """The best ``k`` of several candidate sets (one node of a tree reduction).

    >>> a = Candidates(np.array([0.9]), np.array([0.1]), np.array([4]))
    >>> b = Candidates(np.array([0.9]), np.array([0.8]), np.array([7]))
    >>> merge_candidates([a, b], k=1).index.tolist()   # equal scores: the higher key wins
    [7]
    """
    parts = [p for p in parts if p.index.size] or [Candidates.empty()]
    score = np.concatenate([p.score for p in parts])
    key = np.concatenate([p.key for p in parts])
    index = np.concatenate([p.index for p in parts])
    order = best_first(score, key, index, k)
    n_scored = sum(p.n_scored for p in parts)
    return Candidates(score[order], key[order], index[order], n_scored)


def top_k(
    scores: np.ndarray,
    k: int,
    random_state: int | np.random.Generator | None = None,
    block_size: int = _BLOCK,
    random_tie_break: bool = True,
) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first, ties broken at random (seeded);
    with ``random_tie_break=False`` the lowest index wins a tie (``random_state`` unused).

    The pool is ranked block by block (``argpartition``, no full sort) and the blocks'
    candidate sets are merged as they come, so the extra memory is one block plus ``k``.
    Equal scores are ordered by uniform keys hashed from one seed drawn from
    ``random_state`` and each row's index (:func:`tie_keys`), so every tied sample is
    equally likely to be chosen, and a pool ranked in pieces (blocks, partitions,
    machines) gives exactly the same result as ranked whole.

    >>> top_k(np.array([3.0, 1.0, 3.0, 2.0]), 3, random_state=1).tolist() in ([0, 2, 3], [2, 0, 3])
    True
    >>> top_k(np.array([1.0, 3.0, 3.0]), 2, random_tie_break=False).tolist()
    [1, 2]
    """
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise UserValueError(f"scores must be one-dimensional, got shape {scores.shape}")
    n = scores.shape[0]
    check_k(k, n)
    seed = tie_seed(random_state) if random_tie_break else None
    best = Candidates.empty()
    for start in range(0, n, block_size):
        block = scores[start : start + block_size]
        part = partition_candidates(block, start, seed, k)
        best = merge_candidates([best, part], k)
    return best.index
