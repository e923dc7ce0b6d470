"""Pools larger than one machine, scored on Dask.

>>> from alwild.scale import query_pool, connect, open_pool
"""

from alwild.scale.cluster import connect
from alwild.scale.query import ClusterError, Selection, fetch_rows, query_pool, row_utility
from alwild.scale.sources import ShardedPool, open_pool

__all__ = [
    "ClusterError",
    "connect",
    "query_pool",
    "fetch_rows",
    "row_utility",
    "Selection",
    "ShardedPool",
    "open_pool",
]
