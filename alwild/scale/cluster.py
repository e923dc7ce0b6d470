"""Connecting to a Dask cluster: an existing scheduler, or an embedded ``LocalCluster``."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

__all__ = ["connect", "ship"]


@contextlib.contextmanager
def connect(
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    memory_limit: str | float = "auto",
) -> Iterator:
    """A ``distributed.Client`` for the duration of a ``with`` block.

    ``scheduler`` (``"tcp://host:8786"``) joins a running cluster, whose workers must be
    able to import alwild and read the pool's paths. Without it, a ``LocalCluster`` of
    ``n_workers`` single-threaded workers (default: one per core) is started and closed.

    >>> with connect(n_workers=1, processes=False) as client:
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(
        n_workers=n_workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=processes,
        memory_limit=memory_limit,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        yield client


def _identity(obj):
    return obj


def ship(client, obj, name: str | None = None):
    """A future holding ``obj`` on the cluster, fetched once by each worker that uses it.

    A task rather than scattered data: the scheduler keeps the task, so ``obj`` is
    recomputed if every worker holding a copy dies.
    """
    return client.submit(_identity, obj, key=name, pure=False)
