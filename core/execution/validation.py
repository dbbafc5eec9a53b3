"""Validation of large files as a map over chunks, on the same executors as generation.

:func:`validate_file` reads a file ``block_size`` records at a time (with the
domain's ``read_chunks`` where it has one, so memory is bounded by the block
size), sends each chunk to a worker, and the worker applies the rules with
:func:`synthgenesis.pipeline.validate_batch`, through the same
:func:`~synthgenesis.execution.mapping.map_chunks` as generation. With an output folder each
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
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.execution.chunks import part_name, plan_rules
from synthgenesis.execution.engine import merge_stats
from synthgenesis.execution.mapping import Workers, check_executor_arguments, map_chunks
from synthgenesis.io import atomic_path, check_data_file, write_json
from synthgenesis.pipeline import RuleStats, validate_batch
from synthgenesis.progress import Progress
from synthgenesis.rules import RuleSpec
from synthgenesis.types import Batch, Domain

VALID_DIR = "valid"
REJECTED_DIR = "rejected"
SUMMARY_FILE = "validation.json"


@dataclass(frozen=True)
class ValidationPlan:
    """What every worker needs to check any chunk: the domain, the rules, the repair policy.

    ``rules`` names registered rules (``None``: the domain's defaults);
    ``rule_files`` holds the parsed content of TOML rule files as
    ``(source, JSON text)`` pairs, so workers anywhere enforce them without
    reading the files.
    """

    domain: str
    rules: tuple[str, ...] | None = None
    rule_files: tuple[tuple[str, str], ...] = ()
    repair: bool = False

    def key(self) -> str:
        """The plan as canonical JSON text (what the per-process cache is keyed on)."""
        return json.dumps(asdict(self), sort_keys=True)


_CONTEXTS: dict[tuple[str, int], tuple[Domain, dict[str, RuleSpec]]] = {}
_LOCK = threading.Lock()


def _context(plan: ValidationPlan) -> tuple[Domain, dict[str, RuleSpec]]:
    from synthgenesis.manager import get_plugin_manager

    pm = get_plugin_manager()
    key = (plan.key(), id(pm))
    with _LOCK:
        if key not in _CONTEXTS:
            files = [{"source": src, "rules": json.loads(text)} for src, text in plan.rule_files]
            rules = plan_rules(plan.domain, list(plan.rules) if plan.rules is not None else None, files)
            _CONTEXTS.clear()
            _CONTEXTS[key] = (pm.domain(plan.domain), rules)
        return _CONTEXTS[key]


def rule_file_payload(paths: Iterable[str | Path]) -> tuple[tuple[str, str], ...]:
    """Read and check rule files once, here, for a :class:`ValidationPlan`."""
    from synthgenesis.rulefiles import read_rule_file

    return tuple((str(p), json.dumps(read_rule_file(p))) for p in paths)


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


def validate_task(
    plan: ValidationPlan, index: int, start: int, batch: Batch, out_dir: str | None
) -> list[dict[str, Any]]:
    """:func:`validate_block` as a map task: one record, ``failed`` with the records' range if it raised."""
    try:
        return [{**validate_block(plan, index, start, batch, out_dir), "status": "done"}]
    except Exception as exc:
        end = start + len(batch) - 1
        return [
            {
                "index": index,
                "status": "failed",
                "error": f"records {start}..{end}: {type(exc).__name__}: {exc}",
            }
        ]


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
        """Records that failed some rule."""
        return self.records - self.valid

    @property
    def complete(self) -> bool:
        """Whether every chunk was checked and the whole file read."""
        return not self.failed_blocks and self.read_error is None

    def summary(self) -> dict[str, Any]:
        """Counts for ``validation.json`` and ``--json`` output."""
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
        rule_files=rule_file_payload(rule_files),
        repair=repair,
    )
    _, rules_used = _context(plan)  # unknown rules or a bad rule file fail here, before any chunk is read
    # Absolute, so that workers on other machines write where this process reads.
    out = Path(out_dir).resolve() if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).unlink(missing_ok=True)  # a summary never describes other parts
        _clear_parts(out)
    progress = progress or Progress()
    t0 = time.perf_counter()
    records: dict[int, dict[str, Any]] = {}
    read = _ChunkReader(dom, path, block_size)
    with progress.task(f"validating {path.name}", count_records(path)) as update:

        def on_record(rec: dict[str, Any]) -> None:
            if rec["status"] == "done":
                records[int(rec["index"])] = rec
                update(sum(r["records"] for r in records.values()))

        with Workers(
            executor, workers, plan, domain, scheduler=scheduler, cluster_options=cluster_options
        ) as pool:
            failures = map_chunks(
                pool,
                validate_task,
                read.tasks(),
                lambda items: (items[0], *read.kept[items[0]], str(out) if out is not None else None),
                on_record,
                retries=retries,
                forget=read.forget,
            )
    result = FileValidationResult(
        domain=domain,
        path=path,
        out_dir=out,
        records=sum(r["records"] for r in records.values()),
        valid=sum(r["valid"] for r in records.values()),
        stats=merge_stats(records[i] for i in sorted(records)),
        n_blocks=read.count,
        block_size=block_size,
        executor=executor,
        workers=workers,
        seconds=time.perf_counter() - t0,
        failed_blocks=failures,
        read_error=read.error,
    )
    comparing = [name for name, spec in rules_used.items() if _compares_records(spec)]
    if comparing and read.count > 1:
        result.notes.append(
            f"{', '.join(comparing)} compare records with each other and saw one chunk of at most "
            f"{block_size:,} records at a time: repeats or disorder across chunks are not caught; "
            "check without a block size (one chunk) for those rules"
        )
    if out is not None:
        write_json(out / SUMMARY_FILE, result.summary())
    return result


def _compares_records(spec: RuleSpec) -> bool:
    return bool(spec.rule.compares_records)


class _ChunkReader:
    """The file's chunks as map tasks, keeping each chunk until it is checked (for a retry).

    A file that cannot be read at all raises :class:`InvalidDataError`; one that
    stops being readable part-way ends the tasks there and says where in
    ``error``, and the chunks read before are still checked.
    """

    def __init__(self, domain: Domain, path: Path, block_size: int | None) -> None:
        self.path = path
        self.chunks = iter_chunks(domain, path, block_size)
        self.kept: dict[int, tuple[int, Batch]] = {}
        self.count = 0
        self.start = 0
        self.error: str | None = None

    def tasks(self) -> Iterator[list[int]]:
        while True:
            try:
                chunk = next(self.chunks)
            except StopIteration:
                return
            except InvalidDataError as exc:
                if self.count == 0:  # nothing read: the file itself is the problem
                    raise
                self.error = str(exc)
                return
            except Exception as exc:
                if self.count == 0:
                    raise InvalidDataError(
                        f"{self.path}: cannot be read: {type(exc).__name__}: {exc}"
                    ) from exc
                self.error = f"{self.path}: {exc}"
                return
            index = self.count
            self.kept[index] = (self.start, chunk)
            self.count += 1
            self.start += len(chunk)
            yield [index]

    def forget(self, index: int) -> None:
        self.kept.pop(index, None)


def read_valid(out_dir: str | Path, domain: Domain, *, rejected: bool = False) -> Batch:
    """The valid (or rejected) records a :func:`validate_file` run wrote, in file order."""
    sub = Path(out_dir) / (REJECTED_DIR if rejected else VALID_DIR)
    parts = sorted(sub.glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return domain.from_storage(table) if domain.from_storage else table
