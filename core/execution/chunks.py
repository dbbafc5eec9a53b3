"""What a run generates, cut into fixed-size blocks: the plan and the work on one block.

The unit of randomness is the *block*: block ``b`` holds rows
``b * block_size`` to ``(b + 1) * block_size - 1`` of the output, and every
draw for it uses seeds ``derive_seed(seed, b, round)``. Executors only decide
which process runs which block and how many blocks go into one task, so the
output is the same whatever the number of workers or the grouping of blocks.

A worker rebuilds the domain, the rules and the generator from names and the
generator's JSON state through the process-wide plugin manager: the plugins
must be installed wherever blocks run.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_integer_dtype

from synthgenesis.io import atomic_path
from synthgenesis.pipeline import Policy, RuleStats, validate_batch
from synthgenesis.rules import RuleSpec
from synthgenesis.seeding import derive_seed
from synthgenesis.types import READ_ERROR_COLUMN, Domain, Generator

DEFAULT_BLOCK_SIZE = 10_000
SAMPLES_DIR = "samples"
REJECTED_DIR = "rejected"


@dataclass(frozen=True)
class GenerationPlan:
    """Everything a worker needs to produce any block of a run, as plain JSON-able data.

    ``state`` is the fitted generator's :meth:`~synthgenesis.types.Generator.get_state`
    output; it may be ``None`` only for generators that need no fit (simulators),
    which are then built from ``generator_params``. ``rules`` names the rules to
    enforce (``None``: every rule of the domain). ``id_column``, if set, is
    renumbered 1..n across the whole run so record identifiers stay unique
    across blocks (when the generator makes it an integer column).
    ``conditions``/``enrich`` wrap the generator in
    :class:`~synthgenesis.tabular.conditional.Conditioned` on the worker.
    ``rule_files`` carry the parsed content of the study's rule files
    (``{"source": path, "rules": data}``), so workers enforce them without
    reading any file.
    """

    domain: str
    generator: str
    state: dict[str, Any] | None
    n: int
    seed: int
    block_size: int = DEFAULT_BLOCK_SIZE
    rules: list[str] | None = None
    policy: Policy = "repair"
    max_rounds: int = 10
    generator_params: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    enrich: dict[str, Any] = field(default_factory=dict)
    id_column: str | None = None
    rule_files: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("n", "seed", "block_size", "max_rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        if self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n}")
        if self.block_size <= 0:
            raise ValueError(f"block_size must be a positive number of rows, got {self.block_size}")
        if self.max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {self.max_rounds}")
        if self.policy not in ("repair", "reject"):
            raise ValueError(f"policy must be 'repair' or 'reject', got {self.policy!r}")
        # A JSON round trip: workers elsewhere see exactly the data this process sees.
        for name in ("state", "rules", "generator_params", "conditions", "enrich", "rule_files"):
            value = getattr(self, name)
            try:
                plain = json.loads(json.dumps(value, allow_nan=True))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"plan {name} must be JSON-serialisable: {exc}") from exc
            object.__setattr__(self, name, plain)

    @property
    def n_blocks(self) -> int:
        """How many blocks the run is cut into."""
        return math.ceil(self.n / self.block_size)

    def block_span(self, index: int) -> tuple[int, int]:
        """First row and row count of block ``index``."""
        if not 0 <= index < self.n_blocks:
            raise IndexError(f"block {index} is outside 0..{self.n_blocks - 1}")
        start = index * self.block_size
        return start, min(self.block_size, self.n - start)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data (what travels to workers)."""
        return asdict(self)

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the whole plan: a status file only resumes the plan that wrote it."""
        text = json.dumps(self.to_dict(), sort_keys=True, allow_nan=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """The plan without the generator state (for manifests and status files)."""
        out = {k: v for k, v in self.to_dict().items() if k != "state"}
        return {**out, "n_blocks": self.n_blocks, "fingerprint": self.fingerprint}


def part_name(index: int) -> str:
    """The file name of block ``index``'s Parquet part."""
    return f"part-{index:06d}.parquet"


@dataclass
class WorkerContext:
    """The live objects a worker rebuilt from a plan (kept per process)."""

    domain: Domain
    generator: Generator
    rules: dict[str, RuleSpec]


_CONTEXTS: dict[tuple[str, int], WorkerContext] = {}
_LOCK = threading.Lock()


def build_context(plan: GenerationPlan) -> WorkerContext:
    """Domain, rules and generator for ``plan``, from the process-wide plugin manager."""
    from synthgenesis.manager import get_plugin_manager

    pm = get_plugin_manager()
    domain = pm.domain(plan.domain)
    spec = pm.generator(plan.generator, plan.domain)
    prototype = spec.create(**plan.generator_params)
    if plan.state is None:
        if prototype.requires_fit:
            raise ValueError(
                f"generator {plan.generator!r} must be fitted: give the plan its get_state() output"
            )
        generator = prototype
    else:
        generator = type(prototype).from_state(plan.state)
    if plan.conditions or plan.enrich:
        from synthgenesis.tabular.conditional import Conditioned

        generator = Conditioned(generator, conditions=plan.conditions, enrich=plan.enrich)
    return WorkerContext(domain, generator, plan_rules(plan.domain, plan.rules, plan.rule_files))


def plan_rules(domain: str, names: list[str] | None, rule_files: list[dict[str, Any]]) -> dict[str, RuleSpec]:
    """The registered rules ``names`` (``None``: the domain's defaults) plus the rules of ``rule_files``."""
    from synthgenesis.errors import ConfigError
    from synthgenesis.manager import get_plugin_manager
    from synthgenesis.rulefiles import rules_from_data

    pm = get_plugin_manager()
    rules: dict[str, RuleSpec] = dict(pm.rules(domain, names))
    for item in rule_files:
        for name, spec in rules_from_data(item["rules"], item["source"], pm.domain(domain)).items():
            if name in rules:
                raise ConfigError("rules.files", f"rule {name!r} in {item['source']} is already defined")
            rules[name] = spec
    return rules


def context_for(plan: GenerationPlan) -> WorkerContext:
    """The cached context of ``plan`` in this process (built once per plan and plugin manager)."""
    from synthgenesis.manager import get_plugin_manager

    key = (plan.fingerprint, id(get_plugin_manager()))
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = build_context(plan)
            _CONTEXTS.clear()  # one plan at a time per process; keeps memory bounded
            _CONTEXTS[key] = ctx
        return ctx


def use_context(plan: GenerationPlan, ctx: WorkerContext) -> None:
    """Run ``plan``'s blocks in this process with ``ctx`` (a live generator that cannot save its state)."""
    from synthgenesis.manager import get_plugin_manager

    with _LOCK:
        _CONTEXTS.clear()
        _CONTEXTS[(plan.fingerprint, id(get_plugin_manager()))] = ctx


def _write_part(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


@dataclass
class BlockOutput:
    """What one block produced: its valid samples, its rejected draws and the counts."""

    samples: pd.DataFrame
    rejected: pd.DataFrame | None
    stats: dict[str, RuleStats]
    drawn: int
    rounds: int


def draw_block(
    ctx: WorkerContext,
    index: int,
    start: int,
    count: int,
    *,
    seed: int,
    policy: Policy = "repair",
    max_rounds: int = 10,
    id_column: str | None = None,
) -> BlockOutput:
    """Draw and validate block ``index`` (rows ``start`` to ``start + count - 1`` of the run).

    Round ``r`` draws with ``derive_seed(seed, index, r)``; its size is the
    block's shortfall over the acceptance rate seen so far in the block (at
    most 10x), so a strict rule costs extra rounds, not a crash. Nothing valid
    is thrown away: a block that runs out of rounds keeps what it accepted.
    This is the only generation loop: every executor, and the in-memory
    :func:`synthgenesis.execution.generate`, run it.
    """
    accepted: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    stats: dict[str, RuleStats] = {}
    have = drawn = rounds = 0
    rate = 1.0
    while have < count and rounds < max_rounds:
        need = count - have
        size = need if rounds == 0 else min(10 * need, math.ceil(need / max(rate, 0.1) * 1.1) + 1)
        raw = ctx.generator.sample(size, seed=derive_seed(seed, index, rounds))
        outcome = validate_batch(ctx.domain, raw, ctx.rules, repair=policy == "repair")
        for name, st in outcome.stats.items():
            stats.setdefault(name, RuleStats(name, st.kind)).add(st)
        good = outcome.accepted
        accepted.append(good)
        if (~outcome.valid).any():
            rejected.append(outcome.rejected.assign(_block=index, _round=rounds))
        have += len(good)
        drawn += size
        rounds += 1
        rate = have / drawn if drawn else 1.0
    samples = (
        pd.concat(accepted, ignore_index=True).head(count) if accepted else ctx.generator.sample(0, seed=seed)
    )
    samples = samples.drop(columns=[READ_ERROR_COLUMN], errors="ignore")
    if id_column is not None and id_column in samples.columns and is_integer_dtype(samples[id_column]):
        samples[id_column] = np.arange(start + 1, start + len(samples) + 1, dtype=np.int64)
    rej = pd.concat(rejected, ignore_index=True) if rejected else None
    return BlockOutput(samples, rej, stats, drawn, rounds)


def block_record(index: int, requested: int, out: BlockOutput, seconds: float) -> dict[str, Any]:
    """The small record of a finished block that goes back to the engine and into ``chunks.json``."""
    return {
        "index": index,
        "status": "done",
        "rows": len(out.samples),
        "requested": requested,
        "drawn": out.drawn,
        "rounds": out.rounds,
        "rejected": 0 if out.rejected is None else len(out.rejected),
        "seconds": round(seconds, 4),
        "rules": {name: st.to_dict() for name, st in out.stats.items()},
    }


def run_block(plan: GenerationPlan, index: int, out_dir: str | Path) -> dict[str, Any]:
    """Generate and validate block ``index`` of ``plan``, write its Parquet parts, return its record.

    Only this block's rows are ever in memory.
    """
    t0 = time.perf_counter()
    ctx = context_for(plan)
    start, count = plan.block_span(index)
    output = draw_block(
        ctx,
        index,
        start,
        count,
        seed=plan.seed,
        policy=plan.policy,
        max_rounds=plan.max_rounds,
        id_column=plan.id_column,
    )
    out = Path(out_dir)
    store = ctx.domain.to_storage
    samples = output.samples
    _write_part(store(samples) if store else samples, out / SAMPLES_DIR / part_name(index))
    if output.rejected is not None:
        rej = output.rejected
        _write_part(store(rej) if store else rej, out / REJECTED_DIR / part_name(index))
    return block_record(index, count, output, time.perf_counter() - t0)


def run_task(plan: GenerationPlan, indices: list[int], out_dir: str) -> list[dict[str, Any]]:
    """Run a group of blocks; a block that raises is reported as failed, the others still run."""
    records = []
    for index in indices:
        try:
            records.append(run_block(plan, index, out_dir))
        except Exception as exc:
            records.append({"index": index, "status": "failed", "error": f"{type(exc).__name__}: {exc}"})
    return records
