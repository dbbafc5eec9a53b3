"""Run a :class:`GenerationPlan` block by block on an executor, resumably.

:func:`execute` skips the blocks an earlier run of the same plan finished,
groups the others into tasks of ``blocks_per_task`` blocks, runs them on the
chosen executor, retries failed blocks one by one, and records every block in
``chunks.json`` as it finishes. Blocks that still fail after their retries are
reported with their errors; every other block is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from synthgenesis.errors import SynthgenesisError
from synthgenesis.execution.chunks import REJECTED_DIR, SAMPLES_DIR, GenerationPlan, context_for, part_name
from synthgenesis.execution.store import STATUS_FILE, StatusFile, rule_stats_from_dict
from synthgenesis.pipeline import RuleStats
from synthgenesis.progress import Progress

Executor = Literal["local", "dask"]
EXECUTORS = ("local", "dask")


class BlocksFailedError(SynthgenesisError):
    """Some blocks failed after their retries; the others are kept and the result says which."""

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        shown = "; ".join(f"block {i}: {e}" for i, e in list(result.failed_blocks.items())[:5])
        more = len(result.failed_blocks) - 5
        super().__init__(
            f"{len(result.failed_blocks)} of {result.n_blocks} block(s) failed after retries ({shown}"
            f"{f'; and {more} more' if more > 0 else ''}); the {result.n_blocks - len(result.failed_blocks)} "
            f"others are kept in {result.out_dir} and {STATUS_FILE} lists the failures: rerun the same "
            f"plan into the same folder to retry only those"
        )


@dataclass
class ExecutionResult:
    """Where the parts are and what the run produced, with per-rule counts merged over blocks."""

    out_dir: Path
    requested: int
    n_blocks: int
    accepted: int
    drawn: int
    rejected: int
    stats: dict[str, RuleStats]
    failed_blocks: dict[int, str]
    resumed_blocks: int
    executor: str
    workers: int
    seconds: float
    blocks: dict[int, dict[str, Any]] = field(repr=False, default_factory=dict)

    @property
    def samples_path(self) -> Path:
        return self.out_dir / SAMPLES_DIR

    @property
    def rejected_path(self) -> Path:
        return self.out_dir / REJECTED_DIR

    @property
    def status_path(self) -> Path:
        return self.out_dir / STATUS_FILE

    @property
    def complete(self) -> bool:
        return not self.failed_blocks and self.accepted >= self.requested

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.drawn if self.drawn else 0.0

    def parts(self) -> list[Path]:
        """The sample parts in block order (the output's row order)."""
        return [self.samples_path / part_name(i) for i in sorted(self.blocks)]

    def summary(self) -> dict[str, Any]:
        """Counts in the shape of :meth:`synthgenesis.pipeline.GenerationResult.summary`, plus blocks."""
        return {
            "requested": self.requested,
            "accepted": self.accepted,
            "drawn": self.drawn,
            "rejected": self.rejected,
            "acceptance_rate": round(self.acceptance_rate, 6),
            "rounds": max((b["rounds"] for b in self.blocks.values()), default=0),
            "complete": self.complete,
            "blocks": self.n_blocks,
            "resumed_blocks": self.resumed_blocks,
            "failed_blocks": {str(i): e for i, e in self.failed_blocks.items()},
            "executor": self.executor,
            "workers": self.workers,
            "rules": {name: st.to_dict() for name, st in self.stats.items()},
        }


def read_samples(
    result: ExecutionResult | str | Path,
    *,
    limit: int | None = None,
    from_storage: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The samples of a run as one frame, in block order (the first ``limit`` rows if given).

    Reads part by part and stops once ``limit`` rows are in, so a subsample of a
    large run costs only the parts it needs. ``from_storage`` is the domain's
    (turns Parquet-safe columns back into native objects).
    """
    folder = result.samples_path if isinstance(result, ExecutionResult) else Path(result) / SAMPLES_DIR
    frames: list[pd.DataFrame] = []
    have = 0
    for part in sorted(folder.glob("part-*.parquet")):
        if limit is not None and have >= limit:
            break
        frame = pd.read_parquet(part)
        frames.append(frame)
        have += len(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if limit is not None:
        table = table.head(limit)
    return from_storage(table) if from_storage is not None and len(frames) else table


def check_executor_arguments(
    executor: str, workers: int, scheduler: str | None, retries: int, per_task: int
) -> None:
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


def execute(
    plan: GenerationPlan,
    out_dir: str | Path,
    *,
    executor: Executor = "local",
    workers: int = 1,
    scheduler: str | None = None,
    retries: int = 1,
    blocks_per_task: int = 1,
    progress: Progress | None = None,
    raise_on_failure: bool = True,
    cluster_options: dict[str, Any] | None = None,
) -> ExecutionResult:
    """Produce every block of ``plan`` under ``out_dir``; see the module docstring.

    ``executor="local"`` runs in this process when ``workers == 1`` and on a
    process pool otherwise; ``executor="dask"`` uses a new ``LocalCluster`` of
    ``workers`` workers (``cluster_options`` go to it) or the cluster at
    ``scheduler``. The output does not depend on the executor, ``workers`` or
    ``blocks_per_task``. If blocks fail after ``retries`` extra attempts each,
    :class:`BlocksFailedError` is raised (its ``result`` holds the rest) unless
    ``raise_on_failure`` is false.
    """
    check_executor_arguments(executor, workers, scheduler, retries, blocks_per_task)
    progress = progress or Progress()
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    context_for(plan)  # unknown names or a bad state fail here, before any block runs
    status = StatusFile(out, plan)
    done = status.load()
    todo = [i for i in range(plan.n_blocks) if i not in done]
    failures: dict[int, str] = {}
    attempts: dict[int, int] = {}

    if executor == "dask":
        from synthgenesis.execution.dask import dask_runner

        context: Any = dask_runner(plan, str(out), workers, scheduler, cluster_options)
    else:
        from synthgenesis.execution.local import local_runner

        context = local_runner(plan, str(out), workers)

    label = f"blocks of {plan.block_size} rows ({executor}, {workers} worker{'s' if workers > 1 else ''})"
    with progress.task(label, plan.n_blocks) as update:
        update(len(done))
        if todo:
            with context as runner:
                groups = [todo[k : k + blocks_per_task] for k in range(0, len(todo), blocks_per_task)]
                # Keep a bounded number of tasks in flight: the records coming back stay small.
                window = max(2 * workers, 2)
                queue = list(reversed(groups))
                running: dict[Any, list[int]] = {}

                def fill() -> None:
                    while queue and len(running) < window:
                        indices = queue.pop()
                        for i in indices:
                            attempts[i] = attempts.get(i, 0) + 1
                        try:
                            fut = runner.submit(indices)
                        except Exception as exc:  # e.g. a broken process pool: its blocks fail
                            fut = Future()
                            fut.set_exception(exc)
                        running[fut] = indices

                fill()
                while running:
                    for fut in runner.wait_any(list(running)):
                        indices = running.pop(fut)
                        try:
                            records = fut.result()
                        except Exception as exc:  # the whole task was lost (worker died, ...)
                            records = [
                                {"index": i, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                                for i in indices
                            ]
                        for rec in records:
                            index = int(rec["index"])
                            if rec["status"] == "done":
                                failures.pop(index, None)
                                status.record(rec)
                                done.add(index)
                            elif attempts[index] <= retries:
                                queue.append([index])  # retried alone, ahead of the rest
                            else:
                                failures[index] = rec["error"]
                                status.record({**rec, "attempts": attempts[index]})
                        update(len(done))
                    fill()
    status.save()

    stats: dict[str, RuleStats] = {}
    finished = {i: r for i, r in sorted(status.blocks.items()) if r["status"] == "done"}
    for rec in finished.values():
        for name, data in rec["rules"].items():
            st = rule_stats_from_dict(data)
            stats.setdefault(name, RuleStats(name, st.kind)).add(st)
    result = ExecutionResult(
        out_dir=out,
        requested=plan.n,
        n_blocks=plan.n_blocks,
        accepted=sum(r["rows"] for r in finished.values()),
        drawn=sum(r["drawn"] for r in finished.values()),
        rejected=sum(r["rejected"] for r in finished.values()),
        stats=stats,
        failed_blocks=dict(sorted(failures.items())),
        resumed_blocks=plan.n_blocks - len(todo),
        executor=executor,
        workers=workers,
        seconds=time.perf_counter() - t0,
        blocks=finished,
    )
    if result.failed_blocks and raise_on_failure:
        raise BlocksFailedError(result)
    return result
