"""The ``dask`` executor: blocks as tasks on a ``dask.distributed`` cluster.

Without a scheduler address it starts a :class:`distributed.LocalCluster` of
``workers`` single-threaded workers; with one (``tcp://host:8786``) it uses
that cluster (:class:`synthgenesis.execution.mapping.Workers` scatters the
plan to every worker once). Each task sends back only the small records of
its blocks, while the Parquet parts are written by the workers themselves, so
the output folder must be on storage every worker and this process can reach.
Dask is imported here only, on demand (extra ``dask``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from synthgenesis._optional import import_optional


def wait_first(distributed: Any, futures: list[Any]) -> list[Any]:
    """The futures that are done once at least one is, never blocking on a future that cannot finish.

    A submission that failed before reaching the cluster is a finished
    ``concurrent.futures.Future`` holding the error, which ``distributed.wait``
    would ignore; a cancelled task (a lost worker, a closed client) counts as
    done, and its ``result()`` raises, so its blocks are retried or reported.
    """
    local = [f for f in futures if not isinstance(f, distributed.Future)]
    if local:
        return local
    try:
        done, _ = distributed.wait(futures, return_when="FIRST_COMPLETED")
        return list(done)
    except Exception:
        return [f for f in futures if f.done()] or list(futures)


@contextmanager
def dask_client(
    workers: int, scheduler: str | None, cluster_options: dict[str, Any] | None = None
) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a new LocalCluster of ``workers`` workers."""
    distributed = import_optional("dask.distributed", "dask", "the dask executor")
    with ExitStack() as stack:
        if scheduler is not None:
            client = stack.enter_context(distributed.Client(scheduler))
        else:
            options = {"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
            options.update(cluster_options or {})
            cluster = stack.enter_context(distributed.LocalCluster(**options))
            client = stack.enter_context(distributed.Client(cluster))
        yield client
