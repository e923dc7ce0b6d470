"""Selectors: turn scores (and features) into a batch of indices. Pure functions.

None of them sorts the whole pool, builds a k × N matrix, or writes to its inputs.

>>> import numpy as np
>>> top_k(np.array([0.1, 0.9, 0.5]), 2, random_state=0)
array([1, 2])
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = [
    "top_k",
    "k_center_greedy",
    "ranked_batch",
    "cluster_diverse",
    "class_quota",
    "min_sq_distances",
    "tie_keys",
    "tie_seed",
    "best_first",
]

_BLOCK = 1 << 18


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _check_k(k: int, n: int) -> None:
    if n == 0:
        raise ValueError("cannot select from an empty pool: add unlabelled samples first")
    if not 1 <= k <= n:
        raise ValueError(
            f"asked for {k} samples but the pool has {n}: "
            f"choose n_instances between 1 and {n}"
        )


def tie_seed(random_state: int | np.random.Generator | None = None) -> int:
    """One draw from ``random_state``: the seed of the tie-break keys of a selection.

    >>> tie_seed(0) == tie_seed(0)
    True
    """
    return int(_rng(random_state).integers(2**63 - 1))


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


def _block_best(values: np.ndarray, keys_at, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``values``) of the best ``k`` by (value, tie key), and their keys."""
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


def top_k(
    scores: np.ndarray,
    k: int,
    random_state: int | np.random.Generator | None = None,
    block_size: int = _BLOCK,
) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first, ties broken at random (seeded).

    Works block by block with ``argpartition`` and a running merge, so the extra memory
    is one block plus ``k``. Equal scores are ordered by uniform keys hashed from one
    seed drawn from ``random_state`` and each row's index (:func:`tie_keys`), so every
    tied sample is equally likely to be chosen, and a pool ranked in pieces (blocks,
    partitions, machines) gives exactly the same result as ranked whole.

    >>> top_k(np.array([3.0, 1.0, 3.0, 2.0]), 3, random_state=1).tolist() in ([0, 2, 3], [2, 0, 3])
    True
    """
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {scores.shape}")
    _check_k(k, scores.shape[0])
    if np.isnan(scores).any():
        bad = np.flatnonzero(np.isnan(scores))[:5].tolist()
        raise ValueError(f"scores contain NaN (first at rows {bad}); the scores cannot rank them")
    seed = tie_seed(random_state)
    best_idx = np.empty(0, dtype=np.intp)
    best_val = np.empty(0, dtype=scores.dtype)
    best_key = np.empty(0)
    for start in range(0, scores.shape[0], block_size):
        block = scores[start : start + block_size]
        pos, keys = _block_best(block, lambda p, s=start: tie_keys(seed, p + s), k)
        cand_idx = np.concatenate([best_idx, pos + start])
        cand_val = np.concatenate([best_val, block[pos]])
        cand_key = np.concatenate([best_key, keys])
        order = best_first(cand_val, cand_key, cand_idx, k)
        best_idx, best_val, best_key = cand_idx[order], cand_val[order], cand_key[order]
    return best_idx


def _row_sq_norms(X, block: int = 4096) -> np.ndarray:
    if not sparse.issparse(X):
        return np.einsum("ij,ij->i", X, X, dtype=float)
    # by row blocks: multiply() of a whole sparse pool allocates about three copies of it
    X = X.tocsr()
    out = np.empty(X.shape[0])
    for i in range(0, X.shape[0], block):
        rows = X[i : i + block]
        out[i : i + block] = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()
    return out


def _dense(X) -> np.ndarray:
    return np.asarray(X.toarray() if sparse.issparse(X) else X, dtype=float)


def min_sq_distances(X, centers, chunk_size: int = 4096) -> np.ndarray:
    """Squared Euclidean distance from each row of ``X`` to its nearest row of ``centers``.

    Computed in chunks of rows of ``X`` and of ``centers`` so that no more than
    ``chunk_size**2`` distances exist at once.

    >>> min_sq_distances(np.array([[0.0], [3.0]]), np.array([[1.0]])).tolist()
    [1.0, 4.0]
    """
    n = X.shape[0]
    out = np.full(n, np.inf)
    if centers.shape[0] == 0:
        return out
    c_norm = _row_sq_norms(centers)
    for i in range(0, n, chunk_size):
        xi = X[i : i + chunk_size]
        best = np.full(xi.shape[0], np.inf)
        for j in range(0, centers.shape[0], chunk_size):
            cross = xi @ centers[j : j + chunk_size].T
            cross = cross.toarray() if sparse.issparse(cross) else np.asarray(cross)
            # ||x - c||^2 = ||x||^2 + (||c||^2 - 2 x.c): minimise the part that varies with c
            cross *= -2.0
            cross += c_norm[None, j : j + chunk_size]
            np.minimum(best, cross.min(axis=1), out=best)
        out[i : i + chunk_size] = best + _row_sq_norms(xi)
    return np.maximum(out, 0.0)


def k_center_greedy(
    X,
    k: int,
    labelled: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Core-set batch by farthest-first traversal (k-center greedy, Sener & Savarese 2018).

    ``X`` holds the candidate rows (raw features or any embedding); ``labelled`` holds
    the rows already labelled (the initial centres). Each pick is the candidate farthest
    from every centre so far; distances to the centres are cached and updated with one
    matrix-vector product per pick. With no labelled rows the first pick is random.

    >>> X = np.array([[0.0], [1.0], [10.0]])
    >>> k_center_greedy(X, 1, labelled=np.array([[0.0]])).tolist()
    [2]
    """
    n = X.shape[0]
    _check_k(k, n)
    rng = _rng(random_state)
    if labelled is None or labelled.shape[0] == 0:
        min_d = np.full(n, np.inf)
    else:
        min_d = min_sq_distances(X, labelled, chunk_size)
    x_norm = _row_sq_norms(X)
    picks = np.empty(k, dtype=np.intp)
    for step in range(k):
        if np.isinf(min_d).all():
            pick = int(rng.integers(n))
        else:
            farthest = np.flatnonzero(min_d == min_d.max())
            pick = int(farthest[rng.integers(farthest.size)] if farthest.size > 1 else farthest[0])
        picks[step] = pick
        centre = X[pick : pick + 1]
        cross = X @ (centre.T.toarray() if sparse.issparse(centre) else centre.T)
        d = x_norm + x_norm[pick] - 2.0 * np.asarray(cross).ravel()
        np.minimum(min_d, d, out=min_d)
        min_d[pick] = -np.inf
    return picks


def ranked_batch(
    uncertainty: np.ndarray,
    X,
    k: int,
    labelled: np.ndarray | None = None,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Ranked batch-mode selection (Cardoso et al. 2017).

    Each step picks ``argmax alpha * (1 - similarity) + (1 - alpha) * uncertainty`` where
    ``similarity = 1 / (1 + distance to the nearest labelled or already-picked row)`` and
    ``alpha = n_unlabelled / (n_unlabelled + n_labelled)``, where each pick moves a row
    from the unlabelled to the labelled count (as in the paper and modAL). Distances are
    cached.

    >>> ranked_batch(np.array([0.1, 0.1, 0.1]), np.array([[0.0], [1.0], [5.0]]), 1,
    ...              labelled=np.array([[0.0]])).tolist()
    [2]
    """
    uncertainty = np.asarray(uncertainty, dtype=float)
    n = X.shape[0]
    _check_k(k, n)
    n_labelled = 0 if labelled is None else labelled.shape[0]
    if n_labelled == 0:
        first = int(np.argmax(uncertainty))
        min_d = np.full(n, np.inf)
    else:
        first = None
        min_d = min_sq_distances(X, labelled, chunk_size)
    x_norm = _row_sq_norms(X)
    picks = np.empty(k, dtype=np.intp)
    taken = np.zeros(n, dtype=bool)
    for step in range(k):
        if step == 0 and first is not None:
            pick = first
        else:
            alpha = (n - step) / (n + n_labelled)
            similarity = 1.0 / (1.0 + np.sqrt(min_d))
            utility = alpha * (1.0 - similarity) + (1.0 - alpha) * uncertainty
            utility[taken] = -np.inf
            pick = int(np.argmax(utility))
        picks[step] = pick
        taken[pick] = True
        centre = X[pick : pick + 1]
        cross = X @ (centre.T.toarray() if sparse.issparse(centre) else centre.T)
        d = np.maximum(x_norm + x_norm[pick] - 2.0 * np.asarray(cross).ravel(), 0.0)
        np.minimum(min_d, d, out=min_d)
    return picks


def cluster_diverse(
    scores: np.ndarray,
    X,
    k: int,
    n_candidates: int | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Cluster-margin style diversity: k-means over the top-m candidates, one pick per cluster.

    Takes the ``n_candidates`` (default ``10 * k``) highest-scoring rows, clusters their
    features into ``k`` groups with k-means, and returns the highest-scoring row of each
    group, best first. Uncertain *and* different from each other (Citovsky et al. 2021).

    >>> X = np.array([[0.0], [0.1], [5.0], [5.1]])
    >>> sorted(cluster_diverse(np.array([0.9, 0.8, 0.7, 0.6]), X, 2, random_state=0).tolist())
    [0, 2]
    """
    from sklearn.cluster import KMeans

    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    _check_k(k, n)
    rng = _rng(random_state)
    m = min(n, n_candidates if n_candidates is not None else 10 * k)
    m = max(m, k)
    cand = top_k(scores, m, rng)
    if m == k:
        return cand
    feats = _dense(X[cand])
    seed = int(rng.integers(2**31 - 1))
    labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(feats)
    cand_scores = scores[cand]
    picks = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        picks.append(cand[members[np.argmax(cand_scores[members])]])
    picks = np.asarray(picks, dtype=np.intp)
    if picks.size < k:  # k-means may merge duplicate points into fewer clusters
        rest = np.setdiff1d(cand, picks, assume_unique=True)
        extra = rest[top_k(scores[rest], k - picks.size, rng)]
        picks = np.concatenate([picks, extra])
    return picks[np.argsort(-scores[picks], kind="stable")]


def class_quota(
    scores: np.ndarray,
    predicted: np.ndarray,
    k: int,
    rare_share: float = 0.3,
    class_counts: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Top-k with a share of the batch reserved for rarely-predicted classes.

    ``predicted`` holds each pool row's predicted class index. The rare classes are
    those with the fewest ``class_counts`` (default: how often each class is predicted in
    the pool). ``round(rare_share * k)`` picks go round-robin to the rarest classes, each
    taking its highest-scoring row; the rest of the batch is plain top-k. The reserved
    picks come first.

    >>> class_quota(np.array([0.9, 0.8, 0.1]), np.array([0, 0, 1]), 2, rare_share=0.5,
    ...             random_state=0).tolist()
    [2, 0]
    """
    scores = np.asarray(scores, dtype=float)
    predicted = np.asarray(predicted)
    n = scores.shape[0]
    _check_k(k, n)
    if not 0.0 <= rare_share <= 1.0:
        raise ValueError(f"rare_share must be in [0, 1], got {rare_share}")
    rng = _rng(random_state)
    n_classes = int(predicted.max()) + 1 if predicted.size else 0
    if class_counts is None:
        class_counts = np.bincount(predicted, minlength=n_classes)
    class_counts = np.asarray(class_counts)
    n_rare = int(round(rare_share * k))
    rare_order = np.argsort(class_counts, kind="stable")
    present = [c for c in rare_order if np.any(predicted == c)]
    chosen = np.zeros(n, dtype=bool)
    picks: list[int] = []
    per_class = {c: np.flatnonzero(predicted == c) for c in present[: max(n_rare, 1)]}
    order = {c: rows[np.argsort(-scores[rows], kind="stable")] for c, rows in per_class.items()}
    cursor = dict.fromkeys(order, 0)
    while len(picks) < n_rare and any(cursor[c] < order[c].size for c in order):
        for c in order:
            if len(picks) >= n_rare or cursor[c] >= order[c].size:
                continue
            row = int(order[c][cursor[c]])
            cursor[c] += 1
            picks.append(row)
            chosen[row] = True
    rest_idx = np.flatnonzero(~chosen)
    need = k - len(picks)
    if need:
        picks.extend(rest_idx[top_k(scores[rest_idx], need, rng)].tolist())
    return np.asarray(picks, dtype=np.intp)
