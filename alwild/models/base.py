"""modAL's ``modAL.models.base``: the bases of learners and committees, which live in
:mod:`alwild.learners` (``BaseLearner`` is the pool-query mixin every learner shares).

>>> from alwild.models.learners import ActiveLearner
>>> issubclass(ActiveLearner, BaseLearner)
True
"""

from alwild.learners.base import QueryMixin as BaseLearner
from alwild.learners.committee import BaseCommittee

__all__ = ["BaseLearner", "BaseCommittee"]
