"""Models for active learning.

``alwild.models`` holds the learners under modAL's module paths (``from alwild.models
import ActiveLearner``, ``alwild.models.learners``, ``alwild.models.base``) and, in
submodules, adapters that give learners what they need (torch modules with MC dropout,
image backbones, detectors) and the fast random forest (:mod:`alwild.models.lean_forest`,
once ``alwild.lean_forest``).
"""

from alwild.models.learners import *  # noqa: F403 - modAL's names, as modAL.models has them
from alwild.models.learners import __all__  # noqa: F401
