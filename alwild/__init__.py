"""alwild: active learning in the wild.

Pick the few unlabelled examples worth an expert's time, get them labelled, retrain,
repeat. modAL users feel at home::

    from alwild.models import ActiveLearner
    from alwild.uncertainty import uncertainty_sampling
"""

from alwild.acquisition import max_EI, max_PI, max_UCB
from alwild.batch import uncertainty_batch_sampling
from alwild.disagreement import (
    consensus_entropy_sampling,
    max_disagreement_sampling,
    max_std_sampling,
    vote_entropy_sampling,
)
from alwild.learners import (
    ActiveLearner,
    BayesianOptimizer,
    Committee,
    CommitteeRegressor,
    DeepActiveLearner,
    StreamLearner,
    SynthesisLearner,
)
from alwild.moved import keep_old_paths
from alwild.strategies import Strategy, available_strategies, get_strategy, register
from alwild.uncertainty import entropy_sampling, margin_sampling, uncertainty_sampling

__version__ = "0.1.0"

keep_old_paths()

__all__ = [
    "ActiveLearner",
    "BayesianOptimizer",
    "Committee",
    "CommitteeRegressor",
    "DeepActiveLearner",
    "Strategy",
    "StreamLearner",
    "SynthesisLearner",
    "available_strategies",
    "consensus_entropy_sampling",
    "entropy_sampling",
    "get_strategy",
    "margin_sampling",
    "max_EI",
    "max_PI",
    "max_UCB",
    "max_disagreement_sampling",
    "max_std_sampling",
    "register",
    "uncertainty_batch_sampling",
    "uncertainty_sampling",
    "vote_entropy_sampling",
]
