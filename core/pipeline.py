"""Generate, then validate: constraints (with repair) and validators, with bounded re-sampling.

:func:`validate_batch` applies a domain's rules to any batch and counts, per
rule, how many samples were checked, failed and repaired, keeping example
reasons that name the record. :func:`generate` samples from a fitted
generator in rounds, each with its own seed derived from the run seed, keeps
the valid samples and draws again for the shortfall until it has ``n`` or
the round budget is spent. Nothing valid is ever thrown away: an incomplete
result says so and still holds every accepted sample.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from synthgenesis.errors import PluginError
from synthgenesis.limits import cap_reason
from synthgenesis.types import (
    READ_ERROR_COLUMN,
    CheckResult,
    ConstraintSpec,
    Domain,
    Generator,
    ValidatorSpec,
)

Policy = Literal["repair", "reject"]
Rule: TypeAlias = ConstraintSpec | ValidatorSpec
REASON_COLUMN = "_rejected_because"
RECORD_COLUMNS = ("record_id", "patient_id", "transaction_id", "id")
MAX_EXAMPLES = 5


def derive_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed for sub-task ``keys`` of a run seeded with ``seed``.

    Independent of how many sub-tasks exist or in which order they run, so the
    same run seed always gives the same samples.
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=tuple(int(k) for k in keys))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass
class RuleStats:
    """Counts for one rule over everything it saw."""

    name: str
    kind: str  # "read", "constraint" or "validator"
    checked: int = 0
    failed: int = 0
    repaired: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return self.checked - self.failed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.checked if self.checked else 1.0

    def add(self, other: RuleStats) -> None:
        self.checked += other.checked
        self.failed += other.failed
        self.repaired += other.repaired
        room = MAX_EXAMPLES - len(self.examples)
        self.examples.extend(other.examples[:room])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed, "pass_rate": round(self.pass_rate, 6)}


@dataclass
class ValidationOutcome:
    """A batch after validation: the (possibly repaired) rows, which are valid, and why not."""

    batch: pd.DataFrame
    valid: np.ndarray
    reasons: list[list[str]]
    stats: dict[str, RuleStats]

    @property
    def accepted(self) -> pd.DataFrame:
        return self.batch[self.valid].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        rows = self.batch[~self.valid].copy()
        rows[REASON_COLUMN] = ["; ".join(r) for r, ok in zip(self.reasons, self.valid, strict=True) if not ok]
        return rows.reset_index(drop=True)


def record_label(batch: pd.DataFrame, i: int, offset: int = 0) -> str:
    """How messages name row ``i``: its id column (``record_id``, ``patient_id``, ...) or its row number.

    ``offset`` is the position of the batch's first row in its file, so a
    batch cut from a large file still names rows by their place in the file.
    """
    for col in RECORD_COLUMNS:
        if col in batch.columns:
            value = batch[col].iat[i]
            if not _missing(value):
                return f"{col}={value}"
            break  # a record without its id (one that could not be read, say) is named by its row
    return f"row {i + offset}"


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like values are not missing
        return False


def _safe_check(name: str, check: Callable[[pd.DataFrame], CheckResult], batch: pd.DataFrame) -> CheckResult:
    """Run a rule; if it raises on the batch, check row by row so one bad record cannot stop the rest."""
    try:
        return check(batch)
    except Exception as batch_exc:
        if len(batch) <= 1:
            reason = f"rule {name!r} could not check this record: {type(batch_exc).__name__}: {batch_exc}"
            return CheckResult(np.zeros(len(batch), dtype=bool), [reason] * len(batch))
        mask, reasons = [], []
        for i in range(len(batch)):
            one = _safe_check(name, check, batch.iloc[[i]])
            mask.append(bool(one.mask[0]))
            reasons.append(one.reasons[0])
        return CheckResult(np.array(mask), reasons)


def _rule_check(spec: Rule, domain: Domain) -> Callable[[pd.DataFrame], CheckResult]:
    if isinstance(spec, ConstraintSpec):
        return spec.constraint.check
    return lambda b: spec.validator.check(b, domain.sample_column)


def _apply_repairs(rules: Mapping[str, Rule], batch: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Let each repairable constraint fix its failing rows; return the batch and failures before repair."""
    failing_before: dict[str, int] = {}
    for name, spec in rules.items():
        if isinstance(spec, ConstraintSpec) and spec.constraint.repairable:
            before = _safe_check(name, spec.constraint.check, batch)
            failing_before[name] = before.n_failed
            if before.n_failed:
                try:
                    batch = spec.constraint.repair(batch).reset_index(drop=True)
                except Exception as exc:
                    raise PluginError(
                        f"constraint {name!r} failed to repair a batch: {type(exc).__name__}: {exc}"
                    ) from exc
    return batch, failing_before


def validate_batch(
    domain: Domain,
    batch: pd.DataFrame,
    rules: Mapping[str, Rule],
    *,
    repair: bool = False,
    row_offset: int = 0,
) -> ValidationOutcome:
    """Apply ``rules`` to ``batch``; with ``repair``, let repairable constraints fix rows first.

    Records that could not be read (``READ_ERROR_COLUMN`` set) fail the ``read``
    rule and are not shown to the other rules. Repairs run before the final
    checks so that every rule judges the final values (a repair by one rule
    that breaks another is caught). ``row_offset`` is the file position of the
    batch's first row, used to name rows that have no id column.
    """
    batch = batch.reset_index(drop=True)
    n = len(batch)
    stats: dict[str, RuleStats] = {}
    valid = np.ones(n, dtype=bool)
    reasons: list[list[str]] = [[] for _ in range(n)]
    readable = np.arange(n)
    if READ_ERROR_COLUMN in batch.columns:
        read_errors = batch[READ_ERROR_COLUMN]
        bad = read_errors.notna().to_numpy()
        st = RuleStats("read", "read", checked=n, failed=int(bad.sum()))
        for i in np.flatnonzero(bad):
            error = cap_reason(str(read_errors.iat[i]))
            reasons[i].append(f"read: {error}")
            if len(st.examples) < MAX_EXAMPLES:
                st.examples.append(_with_label(batch, int(i), error, row_offset))
        valid &= ~bad
        stats["read"] = st
        readable = np.flatnonzero(~bad)
    checked = batch.iloc[readable].reset_index(drop=True)
    failing_before: dict[str, int] = {}
    if repair:
        checked, failing_before = _apply_repairs(rules, checked)
    for name, spec in rules.items():
        result = _safe_check(name, _rule_check(spec, domain), checked)
        kind = "constraint" if isinstance(spec, ConstraintSpec) else "validator"
        st = RuleStats(name, kind, checked=len(checked), failed=result.n_failed)
        if name in failing_before:
            st.repaired = max(0, failing_before[name] - result.n_failed)
        for j in np.flatnonzero(~result.mask):
            row = int(readable[j])
            reason = result.reasons[j] or "failed"
            reasons[row].append(f"{name}: {reason}")
            if len(st.examples) < MAX_EXAMPLES:
                st.examples.append(_with_label(checked, int(j), reason, row_offset + row - int(j)))
            valid[row] = False
        stats[name] = st
    if len(readable) < n:
        # Put repaired readable rows back in place next to the unreadable ones.
        merged = batch.copy()
        if len(checked):
            merged = merged.astype(object) if repair else merged
            merged.iloc[readable] = checked[batch.columns].to_numpy()
            merged = merged.infer_objects()
        checked = merged
    return ValidationOutcome(checked, valid, reasons, stats)


def _with_label(batch: pd.DataFrame, i: int, reason: str, offset: int = 0) -> str:
    """Prefix ``reason`` with the record it is about, unless the reason already names its id."""
    for col in RECORD_COLUMNS:
        if col in batch.columns:
            value = batch[col].iat[i]
            if not _missing(value) and str(value) in reason:
                return reason
            break
    label = record_label(batch, i, offset)
    return reason if reason.startswith(f"{label}:") else f"{label}: {reason}"


@dataclass
class GenerationResult:
    """Valid samples, rejected ones with reasons, per-rule counts and timings."""

    samples: pd.DataFrame
    rejected: pd.DataFrame
    stats: dict[str, RuleStats]
    requested: int
    drawn: int
    rounds: int
    seconds: float
    #: Samples accepted in all; more than ``len(samples)`` when the samples were
    #: streamed to disk by the execution engine and only a subset is in memory.
    accepted_total: int | None = None

    @property
    def accepted(self) -> int:
        return len(self.samples) if self.accepted_total is None else self.accepted_total

    @property
    def complete(self) -> bool:
        return self.accepted >= self.requested

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.drawn if self.drawn else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "accepted": self.accepted,
            "drawn": self.drawn,
            "rejected": len(self.rejected),
            "acceptance_rate": round(self.acceptance_rate, 6),
            "rounds": self.rounds,
            "complete": self.complete,
            "rules": {name: st.to_dict() for name, st in self.stats.items()},
        }


def generate(
    domain: Domain,
    generator: Generator,
    n: int,
    *,
    seed: int,
    rules: Mapping[str, Rule],
    policy: Policy = "repair",
    max_rounds: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Draw ``n`` valid samples from a fitted ``generator``.

    Round ``r`` draws with seed ``derive_seed(seed, r)``; its size is the
    shortfall divided by the acceptance rate seen so far (at most 10x), so a
    strict rule costs extra rounds, not a crash. ``progress(accepted, n)`` is
    called after each round.
    """
    if policy not in ("repair", "reject"):
        raise ValueError(f"policy must be 'repair' or 'reject', got {policy!r}")
    start = time.perf_counter()
    accepted: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    stats: dict[str, RuleStats] = {}
    have = drawn = rounds = 0
    rate = 1.0
    while have < n and rounds < max_rounds:
        need = n - have
        size = need if rounds == 0 else min(10 * need, math.ceil(need / max(rate, 0.1) * 1.1) + 1)
        raw = generator.sample(size, seed=derive_seed(seed, rounds))
        outcome = validate_batch(domain, raw, rules, repair=policy == "repair")
        for name, st in outcome.stats.items():
            stats.setdefault(name, RuleStats(name, st.kind)).add(st)
        good = outcome.accepted
        accepted.append(good)
        if (~outcome.valid).any():
            rejected.append(outcome.rejected.assign(_round=rounds))
        have += len(good)
        drawn += size
        rounds += 1
        rate = have / drawn if drawn else 1.0
        if progress is not None:
            progress(min(have, n), n)
    samples = pd.concat(accepted, ignore_index=True).head(n) if accepted else generator.sample(0, seed=seed)
    rejected_df = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame()
    return GenerationResult(
        samples=samples.drop(columns=[READ_ERROR_COLUMN], errors="ignore"),
        rejected=rejected_df,
        stats=stats,
        requested=n,
        drawn=drawn,
        rounds=rounds,
        seconds=time.perf_counter() - start,
    )
