"""modAL's ``modAL.models.learners``: the learners, which live in :mod:`alwild.learners`.

>>> from alwild.models.learners import ActiveLearner
>>> ActiveLearner.__module__
'alwild.learners.active'
"""

from alwild.learners import (
    ActiveLearner,
    BayesianOptimizer,
    Committee,
    CommitteeRegressor,
    DeepActiveLearner,
)

__all__ = ["ActiveLearner", "BayesianOptimizer", "Committee", "CommitteeRegressor",
           "DeepActiveLearner"]
