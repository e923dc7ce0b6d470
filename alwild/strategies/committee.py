"""Query by committee: disagreement between the members of a ``Committee``.

A committee is anything with modAL's committee methods: ``classes_``, ``vote(X)`` (each
member's label, shape (n, n_members)), ``vote_proba(X)`` (shape (n, n_members,
n_classes)) and ``predict_proba(X)`` (their mean). Vote entropy needs only the votes,
consensus entropy the mean probabilities, KL max-disagreement the members'; ``max_std``
is the committee-regression (or ``return_std``) spread.

>>> from alwild.strategies import get_strategy
>>> get_strategy("vote_entropy").needs_committee
True
"""

from __future__ import annotations

import numpy as np

from alwild import scores as S
from alwild.labels import vote_positions
from alwild.strategies.base import score_strategy
from alwild.strategies.registry import register

__all__: list[str] = []


def _vote_entropy(model, rows):
    classes = model.classes_
    return S.vote_entropy(vote_positions(model.vote(rows), classes), len(classes))


def _consensus_entropy(model, rows):
    return S.entropy(model.predict_proba(rows))


def _max_disagreement(model, rows):
    return S.kl_max_disagreement(np.asarray(model.vote_proba(rows)).transpose(1, 0, 2))


def _max_std(model, rows):
    return model.predict(rows, return_std=True)[1]



register("vote_entropy", score_strategy("vote_entropy", _vote_entropy, "votes"),
         aliases=("vote_entropy_sampling",))
register("consensus_entropy", score_strategy("consensus_entropy", _consensus_entropy, "committee"),
         aliases=("consensus_entropy_sampling",))
register("max_disagreement", score_strategy("max_disagreement", _max_disagreement, "committee"),
         aliases=("max_disagreement_sampling", "kl_max_disagreement"))
register("max_std", score_strategy("max_std", _max_std, "std"), aliases=("max_std_sampling",))
