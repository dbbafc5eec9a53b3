"""The rule contract: one kind of rule, checked over a batch, optionally repairing it.

A :class:`Rule` judges a whole batch at once: ``check(batch)`` returns a
:class:`CheckResult`, a mask of the rows that pass and a reason for each row
that fails. A rule that can fix what it finds sets ``repairable = True`` and
implements ``_repair``; one that compares records with each other (unique
ids, order within an account) sets ``compares_records = True``.

Most rules judge each sample on its own. They derive from
:class:`SampleRule` and implement ``_validate(sample) -> reason | None``; the
base class takes the samples from the batch (the object in
``sample_column``, or the row as a ``pandas.Series`` when ``sample_column``
is ``None``) and turns an exception raised on one sample into that sample's
reason, so one malformed record never stops the batch.
:class:`FunctionRule` wraps a plain function the same way.

A plugin registers rules with :class:`RuleSpec` records returned by the
``synthgenesis_register_rules`` hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthgenesis.limits import cap_reason, limits
from synthgenesis.names import check_name


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a rule over a batch: which rows pass, and why the others fail.

    ``reasons[i]`` is ``None`` where ``mask[i]`` is True and a short sentence
    naming the offending values otherwise.
    """

    mask: np.ndarray
    reasons: list[str | None]

    def __post_init__(self) -> None:
        mask = np.asarray(self.mask, dtype=bool)
        object.__setattr__(self, "mask", mask)
        if mask.ndim != 1 or len(self.reasons) != len(mask):
            raise ValueError(
                f"CheckResult needs a 1-D mask and one reason per row "
                f"(got {mask.shape} mask, {len(self.reasons)} reasons)"
            )
        limit = limits().max_reason_chars
        if any(r is not None and len(r) > limit for r in self.reasons):
            object.__setattr__(self, "reasons", [r if r is None else cap_reason(r) for r in self.reasons])

    @classmethod
    def from_mask(cls, mask: np.ndarray | pd.Series, reason: Callable[[int], str]) -> CheckResult:
        """Build from a boolean mask, calling ``reason(i)`` for each failing row."""
        mask = np.asarray(mask, dtype=bool)
        return cls(mask, [None if ok else reason(i) for i, ok in enumerate(mask)])

    @classmethod
    def from_reasons(cls, reasons: Sequence[str | None]) -> CheckResult:
        """Build from one reason per row (``None`` where the row passes)."""
        reasons = list(reasons)
        return cls(np.array([r is None for r in reasons], dtype=bool), reasons)

    @property
    def n_failed(self) -> int:
        """How many rows fail."""
        return int((~self.mask).sum())


class Rule(ABC):
    """A domain rule over a batch, with optional repair.

    Plugins implement ``_check`` (and ``_repair`` when ``repairable``); the
    public ``check`` and ``repair`` check what comes back. ``repair`` returns
    a batch of the same length where failing rows were fixed where possible;
    rows it cannot fix are returned unchanged (the pipeline checks again after
    repair). A repair may reorder rows within the batch (sorting an account's
    transactions by time, say): the pipeline judges the batch it gets back, by
    position.

    A rule that compares records with each other sets ``compares_records =
    True``: when a large file is checked in chunks it only sees one chunk at a
    time, and the result says so.
    """

    repairable: ClassVar[bool] = False
    compares_records: ClassVar[bool] = False

    @abstractmethod
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        """A mask of the rows of ``batch`` that pass, and a reason for each one that fails."""

    def check(self, batch: pd.DataFrame) -> CheckResult:
        """Run :meth:`_check` and make sure it gives one result per row of ``batch``."""
        result = self._check(batch)
        if not isinstance(result, CheckResult):
            raise TypeError(
                f"{type(self).__name__}.check returned a {type(result).__name__}, not a CheckResult"
            )
        if len(result.mask) != len(batch):
            raise RuntimeError(
                f"{type(self).__name__}.check returned {len(result.mask)} results for {len(batch)} rows"
            )
        return result

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError(f"{type(self).__name__} cannot repair")

    def repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``batch`` with what :meth:`_repair` could fix fixed (same number of rows)."""
        if not self.repairable:
            raise NotImplementedError(f"{type(self).__name__} cannot repair")
        repaired = self._repair(batch.copy())
        if len(repaired) != len(batch):
            raise RuntimeError(f"{type(self).__name__}.repair changed the number of rows")
        return repaired


class SampleRule(Rule):
    """A rule that judges each sample on its own: ``_validate(sample) -> reason | None``.

    ``sample_column`` names the column holding the samples (a domain's
    :attr:`~synthgenesis.types.Domain.sample_column`: a ``Structure``, a
    SMILES string, a scenario ``dict``); with ``None`` each sample is the row,
    a ``pandas.Series``. A batch without the column fails every row, naming
    the column. An exception raised by ``_validate`` becomes the sample's
    reason: a malformed sample is a failing sample, never a failing batch.
    """

    sample_column: str | None = None

    @abstractmethod
    def _validate(self, sample: Any) -> str | None:
        """Why ``sample`` fails the rule, or ``None`` when it passes."""

    def validate(self, sample: Any) -> str | None:
        """:meth:`_validate`, with an exception turned into the reason."""
        try:
            return self._validate(sample)
        except Exception as exc:  # a malformed sample is a failing sample
            return f"could not be checked: {type(exc).__name__}: {exc}"

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        column = self.sample_column
        if column is None:
            samples: Sequence[Any] = [row for _, row in batch.iterrows()]
        elif column not in batch.columns:
            return CheckResult.from_reasons([f"batch has no {column!r} column"] * len(batch))
        else:
            samples = batch[column].tolist()
        return CheckResult.from_reasons([self.validate(s) for s in samples])


class FunctionRule(SampleRule):
    """Wrap a plain function ``sample -> reason | None`` as a :class:`SampleRule`."""

    def __init__(self, func: Callable[[Any], str | None], sample_column: str | None = None) -> None:
        self.func = func
        self.sample_column = sample_column

    def _validate(self, sample: Any) -> str | None:
        return self.func(sample)


@dataclass(frozen=True)
class RuleSpec:
    """A rule registered for a domain.

    ``default=False`` makes an opt-in rule: applied only when a command or a
    study names it (``--rule NAME``, ``[rules] include``).
    """

    name: str
    domain: str
    rule: Rule
    description: str = ""
    #: Enforced unless a study or command names its rules; ``False`` makes an opt-in rule,
    #: applied only when named (``--rule NAME``, ``[rules] include``).
    default: bool = True

    def __post_init__(self) -> None:
        check_name(self.name, "rule")
        check_name(self.domain, "domain")
        if not isinstance(self.rule, Rule):
            raise TypeError(
                f"rule {self.name!r} must be a synthgenesis.rules.Rule instance, "
                f"got {type(self.rule).__name__}"
            )
        if not isinstance(self.default, bool):
            raise TypeError(f"rule {self.name!r}: default must be true or false, got {self.default!r}")

    @property
    def kind(self) -> str:
        """How the rule judges: ``"sample"`` (each sample alone) or ``"batch"`` (the batch at once)."""
        return "sample" if isinstance(self.rule, SampleRule) else "batch"
