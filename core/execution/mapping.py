"""One map over chunks for generation and validation: in this process, on a process pool or on Dask.

:class:`Workers` runs ``func(payload, *args)`` somewhere: in this process
(``local`` with one worker), on a spawn process pool (``local`` with more) or
on a ``dask.distributed`` cluster (``dask``). The *payload* (a plan) is sent
once per worker, not once per task: it is the pool's initializer argument or
a broadcast scatter on Dask.

:func:`map_chunks` keeps a bounded window of tasks in flight, retries each
failed item alone, and hands every finished record to a callback as it comes
back, so results are recorded while the rest still run. A task returns one
record per item (``{"index": i, "status": "done" | "failed", ...}``); a task
that raises fails all its items. Items that still fail after their retries
are returned with their errors; every other item is kept.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from typing import Any, Literal

import pandas as pd

from synthgenesis._optional import import_optional

logger = logging.getLogger(__name__)

Executor = Literal["local", "dask"]
EXECUTORS = ("local", "dask")
Record = dict[str, Any]

_PAYLOAD: Any = None


def check_executor_arguments(
    executor: str, workers: int, scheduler: str | None, retries: int, per_task: int = 1
) -> None:
    """Refuse an unknown executor, a worker count below one, or a scheduler without Dask."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"a scheduler address only applies to the dask executor, not {executor!r}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if per_task < 1:
        raise ValueError(f"blocks_per_task must be >= 1, got {per_task}")


def _init_worker(payload: Any, domain: str) -> None:
    from synthgenesis.manager import focus_on_domain
    from synthgenesis.threads import single_threaded_worker

    single_threaded_worker()  # one process per core already: no thread pools inside
    global _PAYLOAD
    _PAYLOAD = payload
    focus_on_domain(domain)


def _call_in_worker(func: Callable[..., list[Record]], *args: Any) -> list[Record]:
    return func(_PAYLOAD, *args)


def _done(value: Any = None, error: BaseException | None = None) -> Future[Any]:
    fut: Future[Any] = Future()
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)
    return fut


class Workers:
    """Where tasks run; a context manager that starts and stops the pool or cluster client.

    ``domain`` names the only built-in domain a spawned worker needs to load
    (the plugins of other domains are not imported there).
    """

    def __init__(
        self,
        executor: str,
        workers: int,
        payload: Any,
        domain: str,
        *,
        scheduler: str | None = None,
        cluster_options: dict[str, Any] | None = None,
    ) -> None:
        self.executor = executor
        self.workers = workers
        self.payload = payload
        self.domain = domain
        self.scheduler = scheduler
        self.cluster_options = cluster_options
        self.slots = workers
        self._stack = ExitStack()
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._remote_payload: Any = None
        self._submitted = 0

    def __enter__(self) -> Workers:
        if self.executor == "dask":
            from synthgenesis.execution.dask import dask_client

            self._client = self._stack.enter_context(
                dask_client(self.workers, self.scheduler, self.cluster_options)
            )
            self._distributed = import_optional("dask.distributed", "dask", "the dask executor")
            if self.scheduler is not None:  # an existing cluster: as many tasks in flight as it has workers
                self.slots = max(self.workers, len(self._client.scheduler_info().get("workers", {})))
            self._remote_payload = self._client.scatter(self.payload, broadcast=True)
        elif self.workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.payload, self.domain),
            )
            self._stack.callback(self._pool.shutdown, wait=True, cancel_futures=True)
        logger.debug("started %s executor with %d worker(s)", self.executor, self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def in_process(self) -> bool:
        """Whether tasks run in this process (no pool, no cluster)."""
        return self._pool is None and self._client is None

    def submit(self, func: Callable[..., list[Record]], *args: Any) -> Any:
        """Start ``func(payload, *args)``; a submission that fails is a future holding its error."""
        self._submitted += 1
        try:
            if self._client is not None:
                # Tables go to the cluster on their own, not inside the task graph.
                args = tuple(self._client.scatter(a) if isinstance(a, pd.DataFrame) else a for a in args)
                key = f"synthgenesis-{func.__name__}-{self._submitted}-{time.time_ns()}"
                return self._client.submit(func, self._remote_payload, *args, key=key, pure=False)
            if self._pool is not None:
                return self._pool.submit(_call_in_worker, func, *args)
            return _done(func(self.payload, *args))
        except Exception as exc:  # e.g. a broken process pool: this task fails, the map goes on
            return _done(error=exc)

    def wait_any(self, futures: list[Any]) -> list[Any]:
        """The futures that are done, once at least one is."""
        if self._client is not None:
            from synthgenesis.execution.dask import wait_first

            return wait_first(self._distributed, futures)
        if self._pool is not None:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            return list(done)
        return [f for f in futures if f.done()]


def map_chunks(
    workers: Workers,
    func: Callable[..., list[Record]],
    tasks: Iterable[list[int]],
    args_for: Callable[[list[int]], tuple[Any, ...]],
    on_record: Callable[[Record], None],
    *,
    retries: int = 1,
    forget: Callable[[int], None] | None = None,
) -> dict[int, str]:
    """Run ``func(payload, *args_for(items))`` for each group of items in ``tasks`` (module docstring).

    ``tasks`` is read lazily, as room in the window frees up (a file being
    validated is read chunk by chunk). Every finished record goes to
    ``on_record``; failed items are retried alone, ahead of new tasks, up to
    ``retries`` extra times each. ``forget(i)`` is called once item ``i`` is
    settled (done or failed for good), so callers can drop what they kept for
    a retry. Returns the items that failed for good, with their last error.
    """
    window = max(2 * workers.slots, 2)
    pending: Iterator[list[int]] = iter(tasks)
    retry_queue: list[list[int]] = []
    running: dict[Any, list[int]] = {}
    attempts: dict[int, int] = {}
    failures: dict[int, str] = {}
    exhausted = False

    def settle(index: int) -> None:
        if forget is not None:
            forget(index)

    def fill() -> None:
        nonlocal exhausted
        while len(running) < window:
            if retry_queue:
                items = retry_queue.pop()
            elif not exhausted:
                try:
                    items = next(pending)
                except StopIteration:
                    exhausted = True
                    return
            else:
                return
            for i in items:
                attempts[i] = attempts.get(i, 0) + 1
            running[workers.submit(func, *args_for(items))] = items

    fill()
    while running:
        for fut in workers.wait_any(list(running)):
            items = running.pop(fut)
            try:
                records = fut.result()
            except Exception as exc:  # the whole task was lost (worker died, ...)
                records = [
                    {"index": i, "status": "failed", "error": f"{type(exc).__name__}: {exc}"} for i in items
                ]
            for rec in records:
                index = int(rec["index"])
                if rec["status"] == "done":
                    failures.pop(index, None)
                    on_record(rec)
                    settle(index)
                elif attempts[index] <= retries:
                    logger.debug("item %d failed (%s); retrying it alone", index, rec.get("error"))
                    retry_queue.append([index])
                else:
                    failures[index] = rec["error"]
                    on_record({**rec, "attempts": attempts[index]})
                    settle(index)
        fill()
    return dict(sorted(failures.items()))
