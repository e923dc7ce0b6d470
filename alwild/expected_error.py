"""modAL's ``modAL.expected_error``: ``expected_error_reduction``, the face of the
registered ``expected_error_reduction`` strategy (Roy & McCallum 2001), returning
``(indices, expected errors)``.

modAL's ``loss="binary"`` is the 0/1 loss (``"01"``), ``"log"`` the log loss; a share
``p_subsample`` of the pool are candidates (at least ``n_instances``), and each is
scored on the whole pool. Ties go to a random row (``random_tie_break=False``: the
lowest index).

>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from alwild.learners import ActiveLearner
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> learner = ActiveLearner(LogisticRegression(), X_training=X[[0, 3]], y_training=y[[0, 3]])
>>> expected_error_reduction(learner, X[1:3], random_state=0)[0].shape
(1,)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild.errors import UserArgumentError
from alwild.pool import n_rows
from alwild.strategies import get_strategy

__all__ = ["expected_error_reduction"]

_LOSSES = {"binary": "01", "log": "log"}


def expected_error_reduction(
    learner: Any,
    X,
    loss: str = "binary",
    p_subsample: float = 1.0,
    n_instances: int = 1,
    random_tie_break: bool = True,
    random_state: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_instances`` rows whose label would most reduce the expected error, and
    their expected errors (lower is better)."""
    if not 0.0 <= p_subsample <= 1.0:
        raise UserArgumentError(f"p_subsample must be a share in [0, 1], got {p_subsample}")
    if loss not in _LOSSES:
        raise UserArgumentError(f"loss must be 'binary' or 'log', got {loss!r}")
    n = n_rows(X)
    strategy = get_strategy("expected_error_reduction", loss=_LOSSES[loss], n_eval=n,
                            n_candidates=max(n_instances, round(p_subsample * n)))
    idx, utility = strategy.pick(learner, X, n_instances, random_tie_break, random_state)
    return idx, -utility[idx]
