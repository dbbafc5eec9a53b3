"""Run a :class:`GenerationPlan` block by block on an executor, resumably.

:func:`execute` skips the blocks an earlier run of the same plan finished,
groups the others into tasks of ``blocks_per_task`` blocks, runs them on the
chosen executor through :func:`~synthgenesis.execution.mapping.map_chunks`
(which retries failed blocks one by one), and records every block in
``chunks.json`` as it finishes. Blocks that still fail after their retries are
reported with their errors; every other block is kept. :func:`generate` runs
the same block loop into memory, for live generator objects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis.errors import SynthgenesisError
from synthgenesis.execution.chunks import (
    DEFAULT_BLOCK_SIZE,
    REJECTED_DIR,
    SAMPLES_DIR,
    GenerationPlan,
    WorkerContext,
    block_record,
    context_for,
    draw_block,
    part_name,
    run_task,
    use_context,
)
from synthgenesis.execution.mapping import (
    EXECUTORS,
    Executor,
    Workers,
    check_executor_arguments,
    map_chunks,
)
from synthgenesis.execution.store import STATUS_FILE, StatusFile, rule_stats_from_dict
from synthgenesis.limits import limits
from synthgenesis.pipeline import Policy, RuleStats
from synthgenesis.progress import Progress
from synthgenesis.rules import RuleSpec
from synthgenesis.types import READ_ERROR_COLUMN, Domain, Generator

logger = logging.getLogger(__name__)
__all__ = ["EXECUTORS", "Executor", "GenerationResult", "execute", "generate", "read_samples"]


class BlocksFailedError(SynthgenesisError):
    """Some blocks failed after their retries; the others are kept and the result says which."""

    def __init__(self, result: GenerationResult) -> None:
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
class GenerationResult:
    """What a generation run produced, whatever ran it: counts, per-rule statistics, where the parts are.

    ``samples`` holds the valid samples in memory when the run kept them there
    (:func:`generate`, or a study reading back a run small enough); a run on
    disk (:func:`execute`) leaves them in ``out_dir/samples`` (read them with
    :func:`read_samples`). ``accepted`` counts every valid sample, in memory
    or not.
    """

    requested: int
    accepted: int
    drawn: int
    rejected: int
    rounds: int
    n_blocks: int
    stats: dict[str, RuleStats]
    seconds: float
    executor: str = "local"
    workers: int = 1
    out_dir: Path | None = None
    failed_blocks: dict[int, str] = field(default_factory=dict)
    resumed_blocks: int = 0
    blocks: dict[int, dict[str, Any]] = field(repr=False, default_factory=dict)
    samples: pd.DataFrame | None = field(repr=False, default=None)
    rejected_samples: pd.DataFrame | None = field(repr=False, default=None)

    @property
    def samples_path(self) -> Path:
        """The folder of the valid samples' parts."""
        return self._folder() / SAMPLES_DIR

    @property
    def rejected_path(self) -> Path:
        """The folder of the rejected samples' parts, with the reasons."""
        return self._folder() / REJECTED_DIR

    @property
    def status_path(self) -> Path:
        """The run's ``chunks.json``."""
        return self._folder() / STATUS_FILE

    def _folder(self) -> Path:
        if self.out_dir is None:
            raise ValueError("this generation ran in memory: its samples are in .samples, not on disk")
        return self.out_dir

    @property
    def complete(self) -> bool:
        """Whether every block finished and every requested sample was accepted."""
        return not self.failed_blocks and self.accepted >= self.requested

    @property
    def acceptance_rate(self) -> float:
        """Accepted samples over samples drawn."""
        return self.accepted / self.drawn if self.drawn else 0.0

    def parts(self) -> list[Path]:
        """The sample parts in block order (the output's row order)."""
        return [self.samples_path / part_name(i) for i in sorted(self.blocks)]

    def summary(self) -> dict[str, Any]:
        """Counts for ``validation.json``, the manifest and the report."""
        return {
            "requested": self.requested,
            "accepted": self.accepted,
            "drawn": self.drawn,
            "rejected": self.rejected,
            "acceptance_rate": round(self.acceptance_rate, 6),
            "rounds": self.rounds,
            "complete": self.complete,
            "blocks": self.n_blocks,
            "resumed_blocks": self.resumed_blocks,
            "failed_blocks": {str(i): e for i, e in self.failed_blocks.items()},
            "executor": self.executor,
            "workers": self.workers,
            "rules": {name: st.to_dict() for name, st in self.stats.items()},
        }


def merge_stats(records: Iterable[dict[str, Any]]) -> dict[str, RuleStats]:
    """Per-rule counts summed over block or chunk records (examples from the first ones)."""
    stats: dict[str, RuleStats] = {}
    for rec in records:
        for name, data in rec["rules"].items():
            st = rule_stats_from_dict(data)
            stats.setdefault(name, RuleStats(name, st.kind)).add(st)
    return stats


def read_samples(
    result: GenerationResult | str | Path,
    *,
    limit: int | None = None,
    from_storage: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The samples of a run as one frame, in block order (the first ``limit`` rows if given).

    Reads part by part and stops once ``limit`` rows are in, so a subsample of a
    large run costs only the parts it needs. ``from_storage`` is the domain's
    (turns Parquet-safe columns back into native objects).
    """
    folder = result.samples_path if isinstance(result, GenerationResult) else Path(result) / SAMPLES_DIR
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
    live: WorkerContext | None = None,
) -> GenerationResult:
    """Produce every block of ``plan`` under ``out_dir``; see the module docstring.

    ``executor="local"`` runs in this process when ``workers == 1`` and on a
    process pool otherwise; ``executor="dask"`` uses a new ``LocalCluster`` of
    ``workers`` workers (``cluster_options`` go to it) or the cluster at
    ``scheduler``. The output does not depend on the executor, ``workers`` or
    ``blocks_per_task``. If blocks fail after ``retries`` extra attempts each,
    :class:`BlocksFailedError` is raised (its ``result`` holds the rest) unless
    ``raise_on_failure`` is false. ``live`` runs a generator that cannot save
    its state (``plan.state`` is ``None``) as itself, in this process.
    """
    check_executor_arguments(executor, workers, scheduler, retries, blocks_per_task)
    progress = progress or Progress()
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if live is not None:
        if executor != "local" or workers != 1:
            raise ValueError("a live generator runs in this process only: use executor='local', workers=1")
        use_context(plan, live)
    context_for(plan)  # unknown names or a bad state fail here, before any block runs
    status = StatusFile(out, plan)
    done = status.load()
    todo = [i for i in range(plan.n_blocks) if i not in done]
    logger.debug("plan %s: %d block(s), %d to run", plan.fingerprint, plan.n_blocks, len(todo))
    failures: dict[int, str] = {}

    label = f"blocks of {plan.block_size} rows ({executor}, {workers} worker{'s' if workers > 1 else ''})"
    with progress.task(label, plan.n_blocks) as update:
        update(len(done))
        if todo:

            def on_record(rec: dict[str, Any]) -> None:
                status.record(rec)
                if rec["status"] == "done":
                    done.add(int(rec["index"]))
                update(len(done))

            groups = [todo[k : k + blocks_per_task] for k in range(0, len(todo), blocks_per_task)]
            pool = Workers(
                executor, workers, plan, plan.domain, scheduler=scheduler, cluster_options=cluster_options
            )
            with pool:
                failures = map_chunks(
                    pool,
                    run_task,
                    groups,
                    lambda indices: (indices, str(out)),
                    on_record,
                    retries=retries,
                )
    status.save()

    finished = {i: r for i, r in sorted(status.blocks.items()) if r["status"] == "done"}
    result = GenerationResult(
        requested=plan.n,
        accepted=sum(r["rows"] for r in finished.values()),
        drawn=sum(r["drawn"] for r in finished.values()),
        rejected=sum(r["rejected"] for r in finished.values()),
        rounds=max((r["rounds"] for r in finished.values()), default=0),
        n_blocks=plan.n_blocks,
        stats=merge_stats(finished.values()),
        seconds=time.perf_counter() - t0,
        executor=executor,
        workers=workers,
        out_dir=out,
        failed_blocks=failures,
        resumed_blocks=plan.n_blocks - len(todo),
        blocks=finished,
    )
    if result.failed_blocks and raise_on_failure:
        raise BlocksFailedError(result)
    return result


def generate(
    domain: Domain,
    generator: Generator,
    n: int,
    *,
    seed: int,
    rules: Mapping[str, RuleSpec],
    policy: Policy = "repair",
    max_rounds: int = 10,
    block_size: int = DEFAULT_BLOCK_SIZE,
    id_column: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Draw ``n`` valid samples from a live ``generator`` into memory, with the engine's block loop.

    The samples are the ones :func:`execute` writes for the same seed, block
    size and fitted state, byte for byte: both run
    :func:`~synthgenesis.execution.chunks.draw_block` on the same blocks with
    the same seeds. Use it for generators that are not registered or cannot
    save their state, and for notebooks; ``progress(accepted, n)`` is called
    after each block. An incomplete result still holds every accepted sample.
    """
    if policy not in ("repair", "reject"):
        raise ValueError(f"policy must be 'repair' or 'reject', got {policy!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if block_size <= 0:
        raise ValueError(f"block_size must be a positive number of rows, got {block_size}")
    cap = limits().max_samples_in_memory
    if n > cap:
        raise ValueError(
            f"{n:,} samples are more than the {cap:,} generate() holds in memory; use execute(), which "
            "streams blocks to disk, or raise SYNTHGENESIS_MAX_SAMPLES_IN_MEMORY"
        )
    t0 = time.perf_counter()
    ctx = WorkerContext(domain, generator, dict(rules))
    samples: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    records: dict[int, dict[str, Any]] = {}
    have = 0
    for index, start in enumerate(range(0, n, block_size)):
        count = min(block_size, n - start)
        t = time.perf_counter()
        output = draw_block(
            ctx, index, start, count, seed=seed, policy=policy, max_rounds=max_rounds, id_column=id_column
        )
        samples.append(output.samples)
        if output.rejected is not None:
            rejected.append(output.rejected)
        records[index] = block_record(index, count, output, time.perf_counter() - t)
        have += len(output.samples)
        if progress is not None:
            progress(have, n)
    table = pd.concat(samples, ignore_index=True) if samples else generator.sample(0, seed=seed)
    return GenerationResult(
        requested=n,
        accepted=len(table),
        drawn=sum(r["drawn"] for r in records.values()),
        rejected=sum(r["rejected"] for r in records.values()),
        rounds=max((r["rounds"] for r in records.values()), default=0),
        n_blocks=len(records),
        stats=merge_stats(records.values()),
        seconds=time.perf_counter() - t0,
        executor="in-memory",
        blocks=records,
        samples=table.drop(columns=[READ_ERROR_COLUMN], errors="ignore"),
        rejected_samples=pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(),
    )
