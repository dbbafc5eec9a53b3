"""Apply a domain's rules to a batch, letting repairable rules fix rows first.

:func:`validate_batch` applies the rules to any batch and counts, per rule,
how many samples were checked, failed and repaired, keeping example reasons
that name the record (by the domain's ``id_column``, else by its row).
Generation (drawing in seeded rounds until enough samples pass) lives in
:mod:`synthgenesis.execution`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from synthgenesis.errors import PluginError
from synthgenesis.limits import cap_reason
from synthgenesis.rules import CheckResult, RuleSpec
from synthgenesis.types import READ_ERROR_COLUMN, Domain

logger = logging.getLogger(__name__)

Policy = Literal["repair", "reject"]
#: What the validation functions take for each rule (``RuleSpec``, from :mod:`synthgenesis.rules`).
REASON_COLUMN = "_rejected_because"
MAX_EXAMPLES = 5


@dataclass
class RuleStats:
    """Counts for one rule over everything it saw."""

    name: str
    kind: str  # "read" (records that could not be read), or RuleSpec.kind: "sample" or "batch"
    checked: int = 0
    failed: int = 0
    repaired: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """Samples that passed."""
        return self.checked - self.failed

    @property
    def pass_rate(self) -> float:
        """Share of the checked samples that passed (1.0 when none were checked)."""
        return self.passed / self.checked if self.checked else 1.0

    def add(self, other: RuleStats) -> None:
        """Count ``other`` in, keeping at most ``MAX_EXAMPLES`` examples."""
        self.checked += other.checked
        self.failed += other.failed
        self.repaired += other.repaired
        room = MAX_EXAMPLES - len(self.examples)
        self.examples.extend(other.examples[:room])

    def to_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready data, with ``passed`` and ``pass_rate``."""
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
        """The valid rows."""
        return self.batch[self.valid].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        """The invalid rows, with the reasons in ``REASON_COLUMN``."""
        rows = self.batch[~self.valid].copy()
        rows[REASON_COLUMN] = ["; ".join(r) for r, ok in zip(self.reasons, self.valid, strict=True) if not ok]
        return rows.reset_index(drop=True)


def record_label(batch: pd.DataFrame, i: int, offset: int = 0, id_column: str | None = None) -> str:
    """How messages name row ``i``: ``id_column=value`` (the domain's id column), or its row number.

    ``offset`` is the position of the batch's first row in its file, so a
    batch cut from a large file still names rows by their place in the file.
    A record without its id (one that could not be read, say) is named by its row.
    """
    if id_column is not None and id_column in batch.columns:
        value = batch[id_column].iat[i]
        if not _missing(value):
            return f"{id_column}={value}"
    return f"row {i + offset}"


def _missing(value: Any) -> bool:
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


def _apply_repairs(rules: Mapping[str, RuleSpec], batch: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Let each repairable rule fix its failing rows; return the batch and failures before repair."""
    failing_before: dict[str, int] = {}
    for name, spec in rules.items():
        if spec.rule.repairable:
            before = _safe_check(name, spec.rule.check, batch)
            failing_before[name] = before.n_failed
            if before.n_failed:
                try:
                    batch = spec.rule.repair(batch).reset_index(drop=True)
                except Exception as exc:
                    raise PluginError(
                        f"rule {name!r} failed to repair a batch: {type(exc).__name__}: {exc}"
                    ) from exc
    return batch, failing_before


def validate_batch(
    domain: Domain,
    batch: pd.DataFrame,
    rules: Mapping[str, RuleSpec],
    *,
    repair: bool = False,
    row_offset: int = 0,
) -> ValidationOutcome:
    """Apply ``rules`` to ``batch``; with ``repair``, let repairable rules fix rows first.

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
        for i in np.flatnonzero(bad).tolist():
            error = cap_reason(str(read_errors.iat[i]))
            reasons[i].append(f"read: {error}")
            if len(st.examples) < MAX_EXAMPLES:
                st.examples.append(_with_label(batch, int(i), error, row_offset, domain.id_column))
        valid &= ~bad
        stats["read"] = st
        readable = np.flatnonzero(~bad)
    checked = batch.iloc[readable].reset_index(drop=True)
    failing_before: dict[str, int] = {}
    if repair:
        checked, failing_before = _apply_repairs(rules, checked)
    for name, spec in rules.items():
        t0 = time.perf_counter()
        result = _safe_check(name, spec.rule.check, checked)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "rule %s: %d of %d failed in %.4f s",
                name,
                result.n_failed,
                len(checked),
                time.perf_counter() - t0,
            )
        st = RuleStats(name, spec.kind, checked=len(checked), failed=result.n_failed)
        if name in failing_before:
            st.repaired = max(0, failing_before[name] - result.n_failed)
        for j in np.flatnonzero(~result.mask):
            row = int(readable[j])
            reason = result.reasons[j] or "failed"
            reasons[row].append(f"{name}: {reason}")
            if len(st.examples) < MAX_EXAMPLES:
                st.examples.append(
                    _with_label(checked, int(j), reason, row_offset + row - int(j), domain.id_column)
                )
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


def _with_label(
    batch: pd.DataFrame, i: int, reason: str, offset: int = 0, id_column: str | None = None
) -> str:
    """Prefix ``reason`` with the record it is about, unless the reason already names its id."""
    if id_column is not None and id_column in batch.columns:
        value = batch[id_column].iat[i]
        if not _missing(value) and str(value) in reason:
            return reason
    label = record_label(batch, i, offset, id_column)
    return reason if reason.startswith(f"{label}:") else f"{label}: {reason}"
