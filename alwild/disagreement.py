"""modAL's ``modAL.disagreement``: ``vote_entropy_sampling``,
``consensus_entropy_sampling``, ``max_disagreement_sampling``, ``max_std_sampling``
(faces of the registered committee strategies, returning ``(indices, metrics)``) and the
measures ``vote_entropy``, ``consensus_entropy``, ``KL_max_disagreement``, which give 0
for every row before the committee is fitted, as in modAL 0.4.2.

They take any committee with modAL's methods (``classes_``, ``vote``, ``vote_proba``,
``predict_proba``), alwild's or another.

>>> import numpy as np
>>> from alwild.models import ActiveLearner, Committee
>>> from sklearn.tree import DecisionTreeClassifier
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> members = [ActiveLearner(DecisionTreeClassifier(max_depth=1, random_state=0),
...                          X_training=X[s], y_training=y[s]) for s in ([0, 2], [1, 3])]
>>> vote_entropy(Committee(members), np.array([[0.0], [3.0]])).tolist()
[0.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from alwild.pool import n_rows
from alwild.strategies import ModalFace, get_strategy

__all__ = [
    "vote_entropy_sampling",
    "consensus_entropy_sampling",
    "max_disagreement_sampling",
    "max_std_sampling",
    "vote_entropy",
    "consensus_entropy",
    "KL_max_disagreement",
]

vote_entropy_sampling = ModalFace(get_strategy("vote_entropy"), "vote_entropy_sampling")
consensus_entropy_sampling = ModalFace(get_strategy("consensus_entropy"),
                                       "consensus_entropy_sampling")
max_disagreement_sampling = ModalFace(get_strategy("max_disagreement"),
                                      "max_disagreement_sampling")
max_std_sampling = ModalFace(get_strategy("max_std"), "max_std_sampling")


def _measure(face: ModalFace, committee: Any, X) -> np.ndarray:
    try:
        return face.strategy.row_scores(committee, X)
    except NotFittedError:
        return np.zeros(n_rows(X))


def vote_entropy(committee: Any, X) -> np.ndarray:
    """Entropy of the members' votes for each row of ``X``."""
    return _measure(vote_entropy_sampling, committee, X)


def consensus_entropy(committee: Any, X) -> np.ndarray:
    """Entropy of the members' mean class distribution."""
    return _measure(consensus_entropy_sampling, committee, X)


def KL_max_disagreement(committee: Any, X) -> np.ndarray:  # noqa: N802 - modAL's name
    """Largest KL divergence of a member from the consensus."""
    return _measure(max_disagreement_sampling, committee, X)
