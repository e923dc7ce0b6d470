"""Query by committee: disagreement between the members of a ``Committee``.

Vote entropy needs only the members' votes; consensus entropy and KL max-disagreement
their probabilities; ``max_std`` is the committee-regression (or ``return_std``) spread.

>>> from alwild.strategies import get_strategy
>>> get_strategy("vote_entropy").needs_committee
True
"""

from __future__ import annotations

from alwild import scores as S
from alwild.strategies.base import score_strategy
from alwild.strategies.registry import register

__all__: list[str] = []


def _vote_entropy(model, rows):
    return S.vote_entropy(model.vote_indices(rows), len(model.classes_))


def _consensus_entropy(model, rows):
    return S.consensus_entropy(model.member_proba(rows))


def _max_disagreement(model, rows):
    return S.kl_max_disagreement(model.member_proba(rows))


def _max_std(model, rows):
    return model.predict(rows, return_std=True)[1]



register("vote_entropy", score_strategy("vote_entropy", _vote_entropy, "votes"),
         aliases=("vote_entropy_sampling",))
register("consensus_entropy", score_strategy("consensus_entropy", _consensus_entropy, "committee"),
         aliases=("consensus_entropy_sampling",))
register("max_disagreement", score_strategy("max_disagreement", _max_disagreement, "committee"),
         aliases=("max_disagreement_sampling", "kl_max_disagreement"))
register("max_std", score_strategy("max_std", _max_std, "std"), aliases=("max_std_sampling",))
