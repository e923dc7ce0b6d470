"""Selectors: turn scores (and features) into a batch of indices. Pure functions on arrays.

None of them sorts the whole pool, builds a k × N matrix, or writes to its inputs. The
in-memory strategies and the Dask scale-out (``alwild.scale``) use the same ones.

- ``select.topk``: :func:`top_k`, seeded tie keys, candidate sets and their merge;
- ``select.kcenter``: :func:`k_center_greedy` (core-set), :func:`min_sq_distances`;
- ``select.ranked``: :func:`ranked_batch` (uncertainty × novelty);
- ``select.clusters``: :func:`cluster_diverse`, :func:`cluster_stratified`,
  :func:`kmeans_seeds`, :func:`diverse_subset` (the second stage of a two-stage pick);
- ``select.quotas``: :func:`class_quota`, :func:`epsilon_greedy`, :func:`rare_class_hunt`;
- ``select.kernel_density``: :func:`density` (representativeness weights);
- ``select.bandit``: the bandit over strategies behind ``auto`` (mixture with a floor,
  slot draws with their probabilities, importance weights, EXP3 steps);
- ``select.bayes``: :func:`batchbald`, :func:`badge` and their parts;
- ``select.common``: the generator, the batch-size check, dense rows.

>>> import numpy as np
>>> top_k(np.array([0.1, 0.9, 0.5]), 2, random_state=0)
array([1, 2])
"""

from alwild.select import (
    bandit,
    bayes,
    clusters,
    common,
    kcenter,
    kernel_density,
    quotas,
    ranked,
    topk,
)
from alwild.select.bandit import *  # noqa: F403
from alwild.select.bayes import *  # noqa: F403
from alwild.select.clusters import *  # noqa: F403
from alwild.select.common import *  # noqa: F403
from alwild.select.kcenter import *  # noqa: F403
from alwild.select.kernel_density import *  # noqa: F403
from alwild.select.quotas import *  # noqa: F403
from alwild.select.ranked import *  # noqa: F403
from alwild.select.topk import *  # noqa: F403

MODULES = (topk, kcenter, ranked, clusters, quotas, kernel_density, bandit, bayes, common)

__all__ = [name for module in MODULES for name in module.__all__] + ["MODULES"]
