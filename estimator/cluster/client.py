"""The Dask cluster the work runs on: a running scheduler given by its address (a real cluster, e.g.
started by dask-kubernetes or dask-jobqueue, or ``dask scheduler`` / ``dask worker`` by hand), or a
local cluster of worker processes on this machine.

A local cluster has no dashboard (nothing listens beyond the scheduler's own loopback port) and each
worker runs one thread: the engine's numpy loops then use one core per worker.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from estimator.common.errors import fail


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None,
            memory_limit: str | None = "auto") -> Iterator[object]:
    """A ``distributed.Client``: to ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``), else to a local
    cluster of ``workers`` processes (default: one per core). A scheduler that cannot be reached is
    an error naming the option."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as e:
            raise fail("scheduler", f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        with client:
            yield client
        return
    n = workers or default_workers()
    if n < 1:
        raise fail("workers", "must be at least 1")
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", memory_limit=memory_limit) as cluster, Client(cluster) as client:
        yield client
