"""modAL-compatible committee strategies: ``vote_entropy_sampling``,
``consensus_entropy_sampling``, ``max_disagreement_sampling``, ``max_std_sampling``, and
the measures ``vote_entropy``, ``consensus_entropy``, ``KL_max_disagreement``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alwild import scores
from alwild.strategies import get_strategy

__all__ = [
    "vote_entropy_sampling",
    "consensus_entropy_sampling",
    "max_disagreement_sampling",
    "max_std_sampling",
    "vote_entropy",
    "consensus_entropy",
    "KL_max_disagreement",
]

vote_entropy_sampling = get_strategy("vote_entropy")
consensus_entropy_sampling = get_strategy("consensus_entropy")
max_disagreement_sampling = get_strategy("max_disagreement")
max_std_sampling = get_strategy("max_std")


def vote_entropy(committee: Any, X) -> np.ndarray:
    """Entropy of the members' votes for each row of ``X``."""
    return scores.vote_entropy(committee.vote_indices(X), len(committee.classes_))


def consensus_entropy(committee: Any, X) -> np.ndarray:
    """Entropy of the members' mean class distribution."""
    return scores.consensus_entropy(committee.member_proba(X))


def KL_max_disagreement(committee: Any, X) -> np.ndarray:  # noqa: N802 - modAL's name
    """Largest KL divergence of a member from the consensus."""
    return scores.kl_max_disagreement(committee.member_proba(X))
