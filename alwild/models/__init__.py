"""Models for active learning.

``alwild.models`` holds the learners under modAL's module path (``from alwild.models
import ActiveLearner``) and, in submodules, adapters that give learners what they need
(torch modules with MC dropout, image backbones, detectors) and the fast random forest
(:mod:`alwild.models.lean_forest`, once ``alwild.lean_forest``).
"""

from alwild.learners import ActiveLearner, BayesianOptimizer, Committee, CommitteeRegressor

__all__ = ["ActiveLearner", "BayesianOptimizer", "Committee", "CommitteeRegressor"]
