"""The ``local`` executor: blocks in this process (one worker) or in a process pool.

Pool workers are started with ``spawn``, like the processes of a Dask cluster:
each imports synthgenesis afresh, loads the plugins from their entry points
(all but the built-in plugins of other domains) and rebuilds the generator
from the plan's JSON state once (the plan is sent once per worker, not once
per task).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

from synthgenesis.execution.chunks import GenerationPlan, run_task

_PLAN: GenerationPlan | None = None


def _init_worker(plan: GenerationPlan) -> None:
    from synthgenesis.manager import focus_on_domain
    from synthgenesis.threads import single_threaded_worker

    single_threaded_worker()  # one process per core already: no thread pools inside
    global _PLAN
    _PLAN = plan
    focus_on_domain(plan.domain)


def _run_in_worker(indices: list[int], out_dir: str) -> list[dict[str, Any]]:
    assert _PLAN is not None, "worker was not initialised with a plan"
    return run_task(_PLAN, indices, out_dir)


class InProcessRunner:
    """Runs each task when submitted; its future is already done."""

    name = "local"

    def __init__(self, plan: GenerationPlan, out_dir: str) -> None:
        self.plan = plan
        self.out_dir = out_dir

    def submit(self, indices: list[int]) -> Future[list[dict[str, Any]]]:
        fut: Future[list[dict[str, Any]]] = Future()
        try:
            fut.set_result(run_task(self.plan, indices, self.out_dir))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut

    def wait_any(self, futures: list[Any]) -> list[Any]:
        return [f for f in futures if f.done()]


class PoolRunner:
    """Tasks on a :class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` processes."""

    name = "local"

    def __init__(self, pool: ProcessPoolExecutor, out_dir: str) -> None:
        self.pool = pool
        self.out_dir = out_dir

    def submit(self, indices: list[int]) -> Future[list[dict[str, Any]]]:
        return self.pool.submit(_run_in_worker, indices, self.out_dir)

    def wait_any(self, futures: list[Any]) -> list[Any]:
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return list(done)


@contextmanager
def local_runner(plan: GenerationPlan, out_dir: str, workers: int) -> Iterator[InProcessRunner | PoolRunner]:
    if workers == 1:
        yield InProcessRunner(plan, out_dir)
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(plan,),
    )
    try:
        yield PoolRunner(pool, out_dir)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
