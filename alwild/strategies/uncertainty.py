"""Uncertainty sampling: least-confident, margin and entropy of the class probabilities.

>>> from alwild.strategies import get_strategy
>>> get_strategy("margin_sampling").name
'margin'
"""

from __future__ import annotations

from alwild import scores as S
from alwild.strategies.base import proba_utility, score_strategy
from alwild.strategies.registry import register

__all__: list[str] = []

register("least_confident", score_strategy("least_confident", proba_utility(S.least_confident)),
         aliases=("uncertainty", "uncertainty_sampling"))
register("margin", score_strategy("margin", proba_utility(S.margin)), aliases=("margin_sampling",))
register("entropy", score_strategy("entropy", proba_utility(S.entropy)),
         aliases=("entropy_sampling",))
