"""modAL-compatible batch sampling: ``uncertainty_batch_sampling`` (ranked batch,
Cardoso et al. 2017)."""

from alwild.strategies import get_strategy

__all__ = ["uncertainty_batch_sampling"]

uncertainty_batch_sampling = get_strategy("ranked_batch")
