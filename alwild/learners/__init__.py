"""Learners: they own a model and its labelled set, and query a pool."""

from alwild.learners.active import ActiveLearner
from alwild.learners.committee import Committee, CommitteeRegressor
from alwild.learners.deep import DeepActiveLearner
from alwild.learners.optimizer import BayesianOptimizer
from alwild.learners.stream import StreamLearner
from alwild.learners.synthesis import SynthesisLearner

__all__ = [
    "ActiveLearner",
    "BayesianOptimizer",
    "Committee",
    "CommitteeRegressor",
    "DeepActiveLearner",
    "StreamLearner",
    "SynthesisLearner",
]
