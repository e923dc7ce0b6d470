"""Named query strategies: how to get scores from a model, and which selector to use.

A strategy is a small frozen dataclass. It can be handed to a learner by name
(``"entropy"``), as an object (see :func:`get_strategy`), or called directly in modAL's
way: ``strategy(classifier, X_pool, n_instances)`` returns the chosen indices.

One module per family, each registering its strategies with :func:`register`:

- ``strategies.uncertainty``: least_confident, margin, entropy;
- ``strategies.committee``: vote_entropy, consensus_entropy, max_disagreement, max_std;
- ``strategies.diversity``: ranked_batch, coreset, cluster_margin;
- ``strategies.balanced``: class_quota, cluster_stratified, epsilon_greedy,
  density_weighted, density_margin, class_balanced;
- ``strategies.bayes``: bald, mean_std, variation_ratios, max_entropy, batchbald, badge;
- ``strategies.error_reduction``: expected_error_reduction, expected_gradient_length;
- ``strategies.acquisition``: max_PI, max_EI, max_UCB;
- ``strategies.multilabel``: svm_binary_minimum, mean_max_loss, max_loss, min_confidence,
  avg_confidence, max_score, avg_score;
- ``strategies.stochastic``: power_margin (a batch drawn in proportion to margin's score);
- ``strategies.passive``: random;
- ``strategies.auto``: auto (a bandit over other strategies).

The contract is in ``strategies.base``, the registry in ``strategies.registry``, and the
checks of what a model can give (``require_proba`` & co.) in ``strategies.capabilities``.

**On a Dask cluster** (``alwild.scale``) a strategy runs partition by partition when
each row's score depends only on that row and the model: the :class:`TopKStrategy`
ones — least_confident, margin, entropy, vote_entropy, consensus_entropy,
max_disagreement, max_std, bald, mean_std, variation_ratios, max_entropy,
expected_gradient_length, max_PI, max_EI, max_UCB and the multi-label svm_binary_minimum,
mean_max_loss, max_loss, min_confidence, avg_confidence, max_score and avg_score.
Their ``row_scores`` is shipped to the workers and the per-partition candidates are
merged exactly. ``cluster_margin`` and ``coreset`` run there as two-stage and streaming
k-center selections (``alwild.scale.diversity``). The others need the whole pool at
once (ranked batch's running distances, class quotas and clusters over the pool, density
against a pool sample, refits per candidate, BatchBALD's joint entropy, BADGE's
k-means++, auto's bandit, power_margin's draw without replacement) or, for ``random``,
a seed-ordered draw over the whole pool.

>>> from sklearn.linear_model import LogisticRegression
>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> clf = LogisticRegression().fit(X, y)
>>> get_strategy("entropy")(clf, np.array([[1.5], [10.0]]), n_instances=1).tolist()
[0]
"""

from alwild.strategies import (
    acquisition,
    auto,
    balanced,
    base,
    bayes,
    capabilities,
    committee,
    diversity,
    error_reduction,
    multilabel,
    passive,
    registry,
    stochastic,
    uncertainty,
)
from alwild.strategies.acquisition import *  # noqa: F403
from alwild.strategies.auto import *  # noqa: F403
from alwild.strategies.balanced import *  # noqa: F403
from alwild.strategies.base import *  # noqa: F403
from alwild.strategies.bayes import *  # noqa: F403
from alwild.strategies.capabilities import *  # noqa: F403
from alwild.strategies.committee import *  # noqa: F403
from alwild.strategies.diversity import *  # noqa: F403
from alwild.strategies.error_reduction import *  # noqa: F403
from alwild.strategies.passive import *  # noqa: F403
from alwild.strategies.registry import *  # noqa: F403
from alwild.strategies.stochastic import *  # noqa: F403
from alwild.strategies.uncertainty import *  # noqa: F403

FAMILIES = (uncertainty, committee, diversity, balanced, bayes, error_reduction, acquisition,
            multilabel, stochastic, passive, auto)

__all__ = [name for module in (base, registry, capabilities, *FAMILIES)
           for name in module.__all__]
__all__ += ["FAMILIES"]
