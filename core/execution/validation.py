"""Validation of large files as a map over chunks, on the same executors as generation.

:func:`validate_file` reads a file ``block_size`` records at a time (with the
domain's ``read_chunks`` where it has one, so memory is bounded by the block
size), sends each chunk to a worker, and the worker applies the rules with
:func:`synthgenesis.pipeline.validate_batch`. With an output folder each
worker writes the chunk's valid records to ``valid/part-NNNNNN.parquet`` and
its invalid ones, with their reasons, to ``rejected/part-NNNNNN.parquet``;
``validation.json`` sums the per-rule counts. Chunk boundaries depend on the
block size only, so the parts are byte-identical for any executor and worker
count. A chunk whose task fails is retried, then reported, and the other
chunks are kept; a file that stops being readable part-way keeps the chunks
read before the bad one.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis._optional import import_optional
from synthgenesis.errors import InvalidDataError
from synthgenesis.execution.chunks import part_name
from synthgenesis.execution.engine import check_executor_arguments
from synthgenesis.execution.store import rule_stats_from_dict
from synthgenesis.io import atomic_path, check_data_file, write_json
from synthgenesis.manager import focus_on_domain
from synthgenesis.pipeline import Rule, RuleStats, validate_batch
from synthgenesis.progress import Progress
from synthgenesis.types import Batch, Domain

VALID_DIR = "valid"
REJECTED_DIR = "rejected"
SUMMARY_FILE = "validation.json"


@dataclass(frozen=True)
class ValidationPlan:
    """What every worker needs to check any chunk: the domain, the rules, the repair policy.

    ``rules`` names registered rules (``None``: all of the domain's);
    ``rule_files`` are TOML rule files every worker loads (they must be
    readable where the workers run).
    """

    domain: str
    rules: tuple[str, ...] | None = None
    rule_files: tuple[str, ...] = ()
    repair: bool = False

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


_CONTEXTS: dict[tuple[str, int], tuple[Domain, dict[str, Rule]]] = {}
_LOCK = threading.Lock()


def _context(plan: ValidationPlan) -> tuple[Domain, dict[str, Rule]]:
    from synthgenesis.manager import get_plugin_manager
    from synthgenesis.rulefiles import load_rule_file

    pm = get_plugin_manager()
    key = (plan.key(), id(pm))
    with _LOCK:
        if key not in _CONTEXTS:
            domain = pm.domain(plan.domain)
            rules = pm.rules(plan.domain, list(plan.rules) if plan.rules is not None else None)
            for path in plan.rule_files:
                rules.update(load_rule_file(Path(path), domain))
            _CONTEXTS.clear()
            _CONTEXTS[key] = (domain, rules)
        return _CONTEXTS[key]


def _write_part(domain: Domain, table: pd.DataFrame, path: Path) -> None:
    store = domain.to_storage
    with atomic_path(path) as tmp:
        (store(table) if store else table).to_parquet(tmp, index=False)


def validate_block(
    plan: ValidationPlan, index: int, start: int, batch: Batch, out_dir: str | None
) -> dict[str, Any]:
    """Check one chunk (its first record is record ``start`` of the file); write its parts."""
    t0 = time.perf_counter()
    domain, rules = _context(plan)
    outcome = validate_batch(domain, batch, rules, repair=plan.repair, row_offset=start)
    n_valid = int(outcome.valid.sum())
    if out_dir is not None:
        out = Path(out_dir)
        _write_part(domain, outcome.accepted, out / VALID_DIR / part_name(index))
        if n_valid < len(batch):
            _write_part(domain, outcome.rejected, out / REJECTED_DIR / part_name(index))
    return {
        "index": index,
        "start": start,
        "records": len(batch),
        "valid": n_valid,
        "seconds": round(time.perf_counter() - t0, 4),
        "rules": {name: st.to_dict() for name, st in outcome.stats.items()},
    }


def iter_chunks(domain: Domain, path: str | Path, size: int | None) -> Iterator[Batch]:
    """The records of ``path`` in batches of at most ``size`` (``None``: one batch), as read gives them."""
    if size is None:
        yield domain.read(Path(path))
        return
    if size <= 0:
        raise ValueError(f"block size must be a positive number of records, got {size}")
    if domain.read_chunks is not None:
        for chunk in domain.read_chunks(Path(path), size):
            yield chunk.reset_index(drop=True)
        return
    batch = domain.read(Path(path))
    for k in range(0, len(batch), size):
        yield batch.iloc[k : k + size].reset_index(drop=True)


def count_records(path: str | Path) -> int | None:
    """The number of rows of a Parquet file from its footer; ``None`` for other formats."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (OSError, ValueError):
            return None
    return None


@dataclass
class FileValidationResult:
    """Counts for a whole file: records, valid ones, per-rule statistics, chunks.

    ``records`` counts the records that were checked; those of a chunk that
    failed (``failed_blocks``, with their record ranges) are not in it.
    """

    domain: str
    path: Path
    out_dir: Path | None
    records: int
    valid: int
    stats: dict[str, RuleStats]
    n_blocks: int
    block_size: int | None
    executor: str
    workers: int
    seconds: float
    failed_blocks: dict[int, str] = field(default_factory=dict)
    read_error: str | None = None
    #: What the counts mean beyond the numbers (rules that compare records saw one chunk at a time).
    notes: list[str] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return self.records - self.valid

    @property
    def complete(self) -> bool:
        return not self.failed_blocks and self.read_error is None

    def summary(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "file": str(self.path),
            "records": self.records,
            "valid": self.valid,
            "invalid": self.invalid,
            "blocks": self.n_blocks,
            "block_size": self.block_size,
            "failed_blocks": {str(k): v for k, v in self.failed_blocks.items()},
            "read_error": self.read_error,
            "notes": self.notes,
            "executor": self.executor,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "rules": {name: st.to_dict() for name, st in self.stats.items()},
        }


def _init_worker(domain: str) -> None:
    from synthgenesis.threads import single_threaded_worker

    single_threaded_worker()  # one process per core already: no thread pools inside
    focus_on_domain(domain)


class _Map:
    """Submit ``validate_block`` calls in this process, on a spawn pool or on a Dask cluster."""

    def __init__(
        self, stack: ExitStack, domain: str, executor: str, workers: int, scheduler: str | None, options: Any
    ):
        self.client: Any = None
        self.pool: ProcessPoolExecutor | None = None
        self.slots = workers
        if executor == "dask":
            from synthgenesis.execution.dask import dask_client

            self.client = stack.enter_context(dask_client(workers, scheduler, options))
            self.distributed = import_optional("dask.distributed", "dask", "the dask executor")
            if scheduler is not None:  # an existing cluster: as many chunks in flight as it has workers
                self.slots = max(workers, len(self.client.scheduler_info().get("workers", {})))
        elif workers > 1:
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(domain,),
            )
            stack.callback(self.pool.shutdown, wait=True, cancel_futures=True)

    def submit(self, *args: Any) -> Any:
        try:
            return self._submit(*args)
        except Exception as exc:  # e.g. a broken process pool: this chunk fails, the loop goes on
            fut: Future[dict[str, Any]] = Future()
            fut.set_exception(exc)
            return fut

    def _submit(self, *args: Any) -> Any:
        if self.client is not None:
            plan, index, start, batch, out_dir = args
            data = self.client.scatter(batch)
            return self.client.submit(
                validate_block,
                plan,
                index,
                start,
                data,
                out_dir,
                key=f"synthgenesis-validate-{index}-{time.time_ns()}",
            )
        if self.pool is not None:
            return self.pool.submit(validate_block, *args)
        fut: Future[dict[str, Any]] = Future()
        try:
            fut.set_result(validate_block(*args))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def wait_any(self, futures: list[Any]) -> list[Any]:
        if self.client is not None:
            from synthgenesis.execution.dask import wait_first

            return wait_first(self.distributed, futures)
        if self.pool is not None:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            return list(done)
        return [f for f in futures if f.done()]


def _clear_parts(out: Path) -> None:
    for sub in (VALID_DIR, REJECTED_DIR):
        for part in (out / sub).glob("part-*.parquet"):
            part.unlink()


def validate_file(
    domain: str,
    path: str | Path,
    out_dir: str | Path | None = None,
    *,
    rules: list[str] | None = None,
    rule_files: list[str | Path] | tuple[str | Path, ...] = (),
    repair: bool = False,
    executor: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    block_size: int | None = None,
    retries: int = 1,
    progress: Progress | None = None,
    cluster_options: dict[str, Any] | None = None,
) -> FileValidationResult:
    """Validate every record of ``path`` chunk by chunk; see the module docstring.

    ``block_size=None`` checks the file as one chunk, read with the domain's
    ``read`` (what rules that compare records need); give a block size (for
    example :data:`DEFAULT_BLOCK_SIZE`) to bound memory and use several
    workers. Without ``out_dir`` only the counts are kept. Raises
    :class:`~synthgenesis.errors.InvalidDataError` if the file cannot be read
    at all; if it stops being readable part-way, the result's ``read_error``
    says where and the chunks before it are kept.
    """
    from synthgenesis.manager import get_plugin_manager

    check_executor_arguments(executor, workers, scheduler, retries, 1)
    if block_size is not None and block_size <= 0:
        raise ValueError(f"block size must be a positive number of records, got {block_size}")
    path = check_data_file(path)
    pm = get_plugin_manager()
    dom = pm.domain(domain)
    suffix = path.suffix.lower()
    if suffix not in dom.formats and not (suffix == ".pq" and ".parquet" in dom.formats):
        raise InvalidDataError(
            f"{path}: {domain} reads {', '.join(dom.formats)} files, not {suffix or 'no suffix'}"
        )
    plan = ValidationPlan(
        domain=domain,
        rules=tuple(rules) if rules is not None else None,
        rule_files=tuple(str(Path(f).resolve()) for f in rule_files),
        repair=repair,
    )
    _context(plan)  # unknown rules or a bad rule file fail here, before any chunk is read
    # Absolute, so that workers on other machines write where this process reads.
    out = Path(out_dir).resolve() if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).unlink(missing_ok=True)  # a summary never describes other parts
        _clear_parts(out)
    progress = progress or Progress()
    t0 = time.perf_counter()
    records: dict[int, dict[str, Any]] = {}
    failures: dict[int, str] = {}
    read_error: str | None = None
    chunks = iter_chunks(dom, path, block_size)
    with ExitStack() as stack, progress.task(f"validating {path.name}", count_records(path)) as update:
        mapper = _Map(stack, domain, executor, workers, scheduler, cluster_options)
        window = max(2 * mapper.slots, 2)
        running: dict[Any, tuple[int, int, Batch, int]] = {}
        index = start = 0
        checked = 0
        exhausted = False
        while running or not exhausted:
            while not exhausted and len(running) < window:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    exhausted = True
                    break
                except Exception as exc:
                    if index == 0:  # nothing read: the file itself is the problem
                        if isinstance(exc, InvalidDataError):
                            raise
                        raise InvalidDataError(
                            f"{path}: cannot be read: {type(exc).__name__}: {exc}"
                        ) from exc
                    read_error = str(exc) if isinstance(exc, InvalidDataError) else f"{path}: {exc}"
                    exhausted = True
                    break
                args = (plan, index, start, chunk, str(out) if out is not None else None)
                running[mapper.submit(*args)] = (index, start, chunk, 1)
                index += 1
                start += len(chunk)
            if not running:
                break
            for fut in mapper.wait_any(list(running)):
                i, s, chunk, attempt = running.pop(fut)
                try:
                    rec = fut.result()
                except Exception as exc:
                    if attempt <= retries:
                        args = (plan, i, s, chunk, str(out) if out is not None else None)
                        running[mapper.submit(*args)] = (i, s, chunk, attempt + 1)
                    else:
                        failures[i] = f"records {s}..{s + len(chunk) - 1}: {type(exc).__name__}: {exc}"
                    continue
                records[i] = rec
                checked += rec["records"]
                update(checked)
    stats: dict[str, RuleStats] = {}
    for i in sorted(records):
        for name, data in records[i]["rules"].items():
            st = rule_stats_from_dict(data)
            stats.setdefault(name, RuleStats(name, st.kind)).add(st)
    result = FileValidationResult(
        domain=domain,
        path=path,
        out_dir=out,
        records=sum(r["records"] for r in records.values()),
        valid=sum(r["valid"] for r in records.values()),
        stats=stats,
        n_blocks=index,
        block_size=block_size,
        executor=executor,
        workers=workers,
        seconds=time.perf_counter() - t0,
        failed_blocks=dict(sorted(failures.items())),
        read_error=read_error,
    )
    _, rules_used = _context(plan)
    comparing = [
        name
        for name, spec in rules_used.items()
        if getattr(spec, "constraint", None) is not None and spec.constraint.compares_records
    ]
    if comparing and index > 1:
        result.notes.append(
            f"{', '.join(comparing)} compare records with each other and saw one chunk of at most "
            f"{block_size:,} records at a time: repeats or disorder across chunks are not caught; "
            "check without a block size (one chunk) for those rules"
        )
    if out is not None:
        write_json(out / SUMMARY_FILE, result.summary())
    return result


def read_valid(out_dir: str | Path, domain: Domain, *, rejected: bool = False) -> Batch:
    """The valid (or rejected) records a :func:`validate_file` run wrote, in file order."""
    sub = Path(out_dir) / (REJECTED_DIR if rejected else VALID_DIR)
    parts = sorted(sub.glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return domain.from_storage(table) if domain.from_storage else table
