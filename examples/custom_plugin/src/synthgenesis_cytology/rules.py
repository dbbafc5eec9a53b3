"""Geometric validity of nuclear measurements, and a well-formed diagnosis label.

Three rules look at whole columns at once (:class:`~synthgenesis.rules.Rule`);
the label rule judges one row at a time (:class:`~synthgenesis.rules.SampleRule`),
and the base class turns anything it raises into that row's reason. The
pipeline names the record in front of every reason, so reasons name only the
values at fault.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.rules import CheckResult, Rule, RuleSpec, SampleRule
from synthgenesis_cytology.domain import COLUMNS, FEATURES


class Isoperimetric(Rule):
    """area <= perimeter^2 / (4 pi): a circle encloses the most area for its perimeter.

    Holds for each nucleus, so for the mean and the worst values too (up to a
    1% measurement tolerance).
    """

    tolerance = 1.01

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        reasons: list[str | None] = [None] * len(batch)
        for stat in ("mean", "worst"):
            area, per = batch[f"area_{stat}"].to_numpy(float), batch[f"perimeter_{stat}"].to_numpy(float)
            limit = per**2 / (4 * np.pi) * self.tolerance
            for i in np.flatnonzero(area > limit):
                circle = limit[i] / self.tolerance
                reasons[i] = f"area_{stat}={area[i]:.1f} exceeds perimeter_{stat}^2/4pi={circle:.1f}"
        return CheckResult.from_reasons(reasons)


class WorstNotBelowMean(Rule):
    """The worst value (mean of the three largest nuclei) is never below the mean of all nuclei."""

    repairable = True

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        reasons: list[str | None] = [None] * len(batch)
        for f in FEATURES:
            worst, mean = batch[f"{f}_worst"].to_numpy(float), batch[f"{f}_mean"].to_numpy(float)
            for i in np.flatnonzero(worst < mean):
                reasons[i] = f"{f}_worst={worst[i]:.4g} is below {f}_mean={mean[i]:.4g}"
        return CheckResult.from_reasons(reasons)

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        for f in FEATURES:
            batch[f"{f}_worst"] = np.maximum(batch[f"{f}_worst"], batch[f"{f}_mean"])
        return batch


class PositiveSizes(Rule):
    """Sizes and counts are not negative (radius, perimeter and area strictly positive)."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        values = batch[COLUMNS].to_numpy(float)
        bad = (values < 0).any(axis=1)
        for f in ("radius", "perimeter", "area"):
            bad |= batch[f"{f}_mean"].to_numpy(float) <= 0
        return CheckResult.from_mask(~bad, lambda i: "a size is negative or zero")


class DiagnosisLabel(SampleRule):
    """``malignant`` is 0 or 1 where a row has it (each sample is the row: ``sample_column = None``)."""

    def _validate(self, sample: Any) -> str | None:
        if "malignant" not in sample.index or pd.isna(sample["malignant"]):
            return None
        return None if sample["malignant"] in (0, 1) else f"malignant={sample['malignant']!r} is not 0 or 1"


RULES = (
    RuleSpec("cytology-isoperimetric", "cytology", Isoperimetric(), "area <= perimeter^2 / 4pi"),
    RuleSpec("cytology-worst-not-below-mean", "cytology", WorstNotBelowMean(), "worst >= mean"),
    RuleSpec("cytology-positive-sizes", "cytology", PositiveSizes(), "no negative sizes"),
    RuleSpec("cytology-diagnosis-label", "cytology", DiagnosisLabel(), "malignant is 0 or 1"),
)
