"""Membership query synthesis: generate new examples for the oracle to label.

Candidate generators for tables (perturbation within feature ranges, interpolation
between nearest opposite-class neighbours) and images (label-preserving transforms).
:class:`alwild.learners.SynthesisLearner` scores the candidates with any strategy.
"""

from alwild.synthesis.features import Feature, FeatureSpace
from alwild.synthesis.generators import BoundaryInterpolation, Combined, Perturbation
from alwild.synthesis.images import ImageTransforms, transform_image

__all__ = [
    "BoundaryInterpolation",
    "Combined",
    "Feature",
    "FeatureSpace",
    "ImageTransforms",
    "Perturbation",
    "transform_image",
]
