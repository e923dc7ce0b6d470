"""modAL's ``modAL.utils``: selectors, data stacking, combinations of utility functions and
class-label checks, as faces over alwild's own selectors and pool helpers.

>>> import numpy as np
>>> multi_argmax(np.array([0.1, 0.9, 0.5]), n_instances=1)
(array([1]), array([0.9]))
"""

from alwild.utils.combination import make_linear_combination, make_product, make_query_strategy
from alwild.utils.data import data_vstack
from alwild.utils.selection import multi_argmax, weighted_random
from alwild.utils.validation import check_class_labels, check_class_proba

__all__ = [
    "make_linear_combination",
    "make_product",
    "make_query_strategy",
    "data_vstack",
    "multi_argmax",
    "weighted_random",
    "check_class_labels",
    "check_class_proba",
]
