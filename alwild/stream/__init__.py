"""Stream-based selective sampling: label budgets, query policies and drift detection.

Pure building blocks with small state; :class:`alwild.learners.StreamLearner` combines
them with a model.
"""

from alwild.stream.budget import BudgetManager
from alwild.stream.drift import RollingAccuracyDrift
from alwild.stream.policies import (
    FixedUncertainty,
    Periodic,
    RandomizedVariableUncertainty,
    RandomPolicy,
    Split,
    StreamPolicy,
    VariableUncertainty,
    available_policies,
    get_policy,
)

__all__ = [
    "BudgetManager",
    "FixedUncertainty",
    "Periodic",
    "RandomPolicy",
    "RandomizedVariableUncertainty",
    "RollingAccuracyDrift",
    "Split",
    "StreamPolicy",
    "VariableUncertainty",
    "available_policies",
    "get_policy",
]
