"""The Dask cluster the work runs on: a running scheduler given by its address (a real cluster, e.g.
started by dask-kubernetes or dask-jobqueue, or ``dask scheduler`` / ``dask worker`` by hand), or a
local cluster of worker processes on this machine.

A local cluster has no dashboard (nothing listens beyond the scheduler's own loopback port) and each
worker runs one thread: the engine's numpy loops then use one core per worker.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterator

from estimator.common.errors import fail

#: The most of each count option: worker processes of a local cluster, partitions of the input
#: (dask keeps a few kB per partition in this process; more than this many exhausts its memory).
MOST = {"workers": 512, "partitions": 100_000}


def allowed(field: str) -> str:
    """What a count option (``workers``, ``partitions``) allows, for messages."""
    return f"a whole number from 1 to {MOST[field]:,}"


def default_workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def count_type(field: str) -> Callable[[str], int]:
    """An argparse ``type`` for the count option ``field``: the number (then checked by
    ``check_count``), or a message short enough to be shown whole saying what is allowed."""
    def whole_number(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text[:5]}': a whole number, 1 to {MOST[field]:,}") from None

    return whole_number


def check_count(field: str, value: int | None) -> int | None:
    """``value`` of the count option ``field`` (None = not given); outside 1 to ``MOST[field]`` is an
    InputError naming the field and what is allowed."""
    if value is not None and not 1 <= value <= MOST[field]:
        raise fail(field, f"'{value}' is not allowed: {allowed(field)}")
    return value


def check_engine_options(engine: str | None, scheduler: str | None, workers: int | None,
                         partitions: int | None = None) -> None:
    """The options of the engine that runs a batch (``--engine local`` or ``dask``; None = not given):
    --partitions applies only with an engine; --scheduler and --workers only with ``dask``, and not
    together (workers are those of a local cluster started here); --workers (worker processes) and
    --partitions are counts (``allowed``). Raises InputError naming the option."""
    if engine is None and partitions is not None:
        raise fail("partitions", "applies only with --engine local or --engine dask")
    if engine != "dask":
        for field, value in (("scheduler", scheduler), ("workers", workers)):
            if value is not None:
                raise fail(field, "applies only with --engine dask")
    if scheduler is not None and workers is not None:
        raise fail("workers", "applies only to a local cluster started here, not with --scheduler: "
                              "give --scheduler or --workers")
    check_count("workers", workers)
    check_count("partitions", partitions)


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
    n = check_count("workers", workers) or default_workers()
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", memory_limit=memory_limit) as cluster, Client(cluster) as client:
        yield client
