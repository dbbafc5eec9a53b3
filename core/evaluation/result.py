"""The outcome of an evaluation: metrics, verdicts and plot data, and its JSON form."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from synthgenesis.io import write_json

Status = Literal["pass", "warn", "fail", "insufficient", "n/a"]
#: Verdict states. ``insufficient`` ("insufficient evidence"): the family was asked for but
#: its data are too few or too degenerate to support any verdict; ``n/a``: it does not apply.
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "insufficient", "n/a")
#: How each state is written for people.
STATUS_LABELS: dict[str, str] = {
    "pass": "pass",
    "warn": "warn",
    "fail": "fail",
    "insufficient": "insufficient evidence",
    "n/a": "n/a",
}

Usability = Literal["usable", "usable with warnings", "not usable", "insufficient evidence"]
#: The overall verdict's states, best first.
USABILITY: tuple[str, ...] = ("usable", "usable with warnings", "not usable", "insufficient evidence")

#: Failure modes in report order, with a human title each.
FAILURE_MODES: dict[str, str] = {
    "mode_collapse": "Mode collapse",
    "bias_amplification": "Bias amplification",
    "generator_artifacts": "Generator artifacts",
    "rare_event_loss": "Rare-event loss",
    "privacy_leak": "Privacy leak",
    "poor_transfer": "Poor transfer",
}


def _decimals(value: float) -> int:
    return 1 if abs(value) >= 100 else 3


def plus_minus(value: float | None, spread: float | None, decimals: int | None = None) -> str:
    """``value ± spread`` with the same number of decimals for both.

    The decimals follow the value's size (3, or 1 from 100 up) unless given; a missing
    number is written "—".
    """
    if value is None or spread is None:
        return "—"
    places = _decimals(value) if decimals is None else decimals
    return f"{value:.{places}f} ± {spread:.{places}f}"


def interval(bounds: list[float] | tuple[float, float] | None, decimals: int = 3) -> str:
    """A two-sided interval as ``[low, high]`` with the same decimals for both ends."""
    if not bounds:
        return "—"
    return f"[{bounds[0]:.{decimals}f}, {bounds[1]:.{decimals}f}]"


@dataclass(frozen=True)
class Verdict:
    """Judgement on one failure mode.

    ``summary`` is a sentence with the figures behind it; ``reason`` says why this
    status was reached: the threshold crossed, the evidence a pass rests on (rows and
    intervals), or, for ``insufficient``, what evidence is missing.
    """

    failure_mode: str
    status: Status
    summary: str
    reason: str = ""

    @property
    def title(self) -> str:
        """The failure mode in words."""
        return FAILURE_MODES.get(self.failure_mode, self.failure_mode)

    @property
    def label(self) -> str:
        """The status as written for people ("insufficient evidence" for ``insufficient``)."""
        return STATUS_LABELS.get(self.status, self.status)

    def to_dict(self) -> dict[str, str]:
        """The verdict as plain text fields."""
        return {
            "failure_mode": self.failure_mode,
            "status": self.status,
            "summary": self.summary,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class OverallVerdict:
    """One verdict on the whole synthetic table, with the reasons that decided it.

    ``status`` is one of :data:`USABILITY`; the rule is
    :func:`synthgenesis.evaluation.verdicts.overall_verdict`.
    """

    status: Usability
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Status and reasons as plain data."""
        return {"status": self.status, "reasons": list(self.reasons)}


@dataclass
class EvaluationResult:
    """What :func:`synthgenesis.evaluation.evaluate` returns.

    ``metrics`` is a nested JSON-serialisable dict with one entry per metric family
    plus ``meta``; ``verdicts`` holds one :class:`Verdict` per failure mode;
    ``artifacts`` holds arrays for the report's plots and is not written to JSON.
    """

    metrics: dict[str, Any]
    verdicts: list[Verdict]
    artifacts: dict[str, Any] = field(default_factory=dict)

    def verdict(self, failure_mode: str) -> Verdict:
        """The verdict on ``failure_mode``; ``KeyError`` naming the known ones otherwise."""
        for verdict in self.verdicts:
            if verdict.failure_mode == failure_mode:
                return verdict
        raise KeyError(f"no verdict for {failure_mode!r}; known: {list(FAILURE_MODES)}")

    @property
    def overall(self) -> OverallVerdict:
        """The overall verdict (usable / usable with warnings / not usable / insufficient evidence)."""
        from synthgenesis.evaluation.verdicts import overall_verdict

        return overall_verdict(self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """The metrics with the verdicts under ``verdicts`` and the overall verdict under ``overall``."""
        out = dict(self.metrics)
        out["verdicts"] = [v.to_dict() for v in self.verdicts]
        out["overall"] = self.overall.to_dict()
        return out

    def to_json(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_dict` as JSON to ``path`` (usually ``metrics.json``) atomically."""
        return write_json(path, self.to_dict(), strict=True)
