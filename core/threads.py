"""Thread pools sized to the cores this process may really use.

NumPy's BLAS and scikit-learn's OpenMP loops start one thread per core the
machine *has*. On a shared workstation, a container with a CPU quota or a
cluster node that pins jobs to a few cores, that is far more threads than the
process may run at once, and they oversubscribe the cores and spin. Here the
budget is the smallest of:

- the cores this process may run on (:func:`os.sched_getaffinity`),
- the CPU quota of its cgroup (``cpu.max`` in cgroup v2, ``cpu.cfs_quota_us``
  in v1), rounded up,
- the cores left free by other work when the command starts (those cores
  minus the one-minute load average, at least one): beside CPU-bound
  neighbours, threads that wait for each other at every parallel step cost
  far more than they gain (`benchmarks/bench_threads.py`: the demo beside two
  busy processes on 2 cores took 64 s with two threads, 19 s with one),

unless the user sets ``SYNTHGENESIS_THREADS`` or ``--threads``.

The command line applies it to every BLAS and OpenMP pool with
:mod:`threadpoolctl` for the length of a command; worker processes of the
local executor use one thread each (the pool already has one process per
core), so pools are never nested inside process workers.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from pathlib import Path

ENV_THREADS = "SYNTHGENESIS_THREADS"
#: Thread-count variables that BLAS and OpenMP runtimes read when they load.
RUNTIME_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _cgroup_quota(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Cores allowed by the cgroup CPU quota (rounded up), or ``None`` without a quota."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        if quota_us > 0 and period_us > 0:
            return max(1, math.ceil(quota_us / period_us))
    except (OSError, ValueError):
        pass
    return None


def usable_cores(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """Cores this process may run on: its CPU affinity, capped by its cgroup's CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup_root)
    return max(1, min(cores, quota) if quota else cores)


def free_cores(cores: int | None = None, load: float | None = None) -> int:
    """Of ``cores`` (default :func:`usable_cores`), those not taken by the current load (at least 1)."""
    cores = usable_cores() if cores is None else cores
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
    return max(1, min(cores, math.floor(cores - load + 0.5)))


def thread_count() -> int:
    """Threads a BLAS or OpenMP pool should use: ``SYNTHGENESIS_THREADS``, else :func:`free_cores`."""
    from synthgenesis.errors import ConfigError

    raw = os.environ.get(ENV_THREADS, "").strip()
    if not raw:
        return free_cores()
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(ENV_THREADS, f"expected a positive number of threads, got {raw!r}") from None
    if value < 1:
        raise ConfigError(ENV_THREADS, f"expected a positive number of threads, got {raw!r}")
    return value


@contextlib.contextmanager
def limit_threads(threads: int | None = None) -> Iterator[int]:
    """Inside the block, BLAS and OpenMP pools use ``threads`` (default :func:`thread_count`) threads.

    Runtimes that load inside the block read the same count from the
    environment variables this sets (and restores afterwards).
    """
    from threadpoolctl import threadpool_limits

    n = threads if threads is not None else thread_count()
    saved = {name: os.environ.get(name) for name in RUNTIME_VARIABLES}
    for name in RUNTIME_VARIABLES:
        os.environ[name] = str(n)
    try:
        with threadpool_limits(limits=n):
            yield n
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def single_threaded_worker() -> None:
    """For a freshly started worker process: one thread per BLAS/OpenMP pool, for the process's life.

    The pool around it already runs one process per core; threads inside each
    would multiply the load.
    """
    from threadpoolctl import threadpool_limits

    for name in RUNTIME_VARIABLES:
        os.environ[name] = "1"
    threadpool_limits(limits=1)
