"""Thread pools are sized to the cores the process may use, and worker processes use one thread."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from synthgenesis.errors import ConfigError
from synthgenesis.threads import (
    RUNTIME_VARIABLES,
    _cgroup_quota,
    free_cores,
    limit_threads,
    single_threaded_worker,
    thread_count,
    usable_cores,
)


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "200000 100000\n"}, 2),
        ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 cores of quota: two threads may run
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
        ({"cpu.max": "garbage"}, None),
    ],
)
def test_cgroup_quota_v1_and_v2(tmp_path: Path, files: dict[str, str], expected: int | None) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    assert _cgroup_quota(tmp_path) == expected


def test_usable_cores_is_capped_by_the_quota(tmp_path: Path) -> None:
    _write(tmp_path, "cpu.max", "100000 100000\n")
    assert usable_cores(tmp_path) == 1
    assert 1 <= usable_cores(tmp_path / "none") <= len(os.sched_getaffinity(0))


def test_thread_count_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHGENESIS_THREADS", "3")
    assert thread_count() == 3
    monkeypatch.setenv("SYNTHGENESIS_THREADS", "0")
    with pytest.raises(ConfigError, match="SYNTHGENESIS_THREADS"):
        thread_count()
    monkeypatch.delenv("SYNTHGENESIS_THREADS")
    assert 1 <= thread_count() <= usable_cores()


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [(2, 0.0, 2), (2, 0.4, 2), (2, 1.0, 1), (2, 2.0, 1), (16, 3.2, 13), (4, 40.0, 1)],
)
def test_free_cores_leave_room_for_the_load(cores: int, load: float, expected: int) -> None:
    assert free_cores(cores, load) == expected


def _blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_limit_threads_limits_blas_and_restores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS loaded
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = _blas_threads()
    with limit_threads(1) as n:
        assert n == 1
        assert _blas_threads() <= {1}
        assert all(os.environ[name] == "1" for name in RUNTIME_VARIABLES)
    assert _blas_threads() == before
    assert "OMP_NUM_THREADS" not in os.environ


def _report_threads(queue: multiprocessing.Queue) -> None:
    single_threaded_worker()
    import numpy  # noqa: F401 - loads BLAS in the worker if it was not loaded
    from threadpoolctl import threadpool_info as info

    queue.put(([p["num_threads"] for p in info()], os.environ.get("OMP_NUM_THREADS")))


def test_a_worker_process_runs_one_thread_per_pool() -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_report_threads, args=(queue,))
    proc.start()
    threads, omp = queue.get(timeout=60)
    proc.join(timeout=60)
    assert omp == "1" and threads and set(threads) == {1}


def test_the_threads_option_sets_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from synthgenesis.cli import app

    monkeypatch.delenv("SYNTHGENESIS_THREADS", raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ) | {})  # the option writes here, not the real one
    result = CliRunner().invoke(app, ["--threads", "1", "plugins", "--json"])
    assert result.exit_code == 0, result.output
    assert os.environ["SYNTHGENESIS_THREADS"] == "1"
    assert CliRunner().invoke(app, ["--threads", "0", "plugins"]).exit_code == 2
