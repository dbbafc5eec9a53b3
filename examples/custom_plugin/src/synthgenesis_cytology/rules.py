"""Geometric validity of nuclear measurements."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis import CheckResult, Constraint, ConstraintSpec
from synthgenesis_cytology.domain import COLUMNS, FEATURES


class Isoperimetric(Constraint):
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
                reasons[i] = (
                    f"row {i}: area_{stat}={area[i]:.1f} exceeds perimeter_{stat}^2/4pi="
                    f"{limit[i] / self.tolerance:.1f}"
                )
        return CheckResult(np.array([r is None for r in reasons]), reasons)


class WorstNotBelowMean(Constraint):
    """The worst value (mean of the three largest nuclei) is never below the mean of all nuclei."""

    repairable = True

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        reasons: list[str | None] = [None] * len(batch)
        for f in FEATURES:
            worst, mean = batch[f"{f}_worst"].to_numpy(float), batch[f"{f}_mean"].to_numpy(float)
            for i in np.flatnonzero(worst < mean):
                reasons[i] = f"row {i}: {f}_worst={worst[i]:.4g} is below {f}_mean={mean[i]:.4g}"
        return CheckResult(np.array([r is None for r in reasons]), reasons)

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        for f in FEATURES:
            batch[f"{f}_worst"] = np.maximum(batch[f"{f}_worst"], batch[f"{f}_mean"])
        return batch


class PositiveSizes(Constraint):
    """Sizes and counts are not negative (radius, perimeter and area strictly positive)."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        values = batch[COLUMNS].to_numpy(float)
        bad = (values < 0).any(axis=1)
        for f in ("radius", "perimeter", "area"):
            bad |= batch[f"{f}_mean"].to_numpy(float) <= 0
        return CheckResult.from_mask(~bad, lambda i: f"row {i}: a size is negative or zero")


def constraints() -> list[ConstraintSpec]:
    return [
        ConstraintSpec("cytology-isoperimetric", "cytology", Isoperimetric(), "area <= perimeter^2 / 4pi"),
        ConstraintSpec("cytology-worst-not-below-mean", "cytology", WorstNotBelowMean(), "worst >= mean"),
        ConstraintSpec("cytology-positive-sizes", "cytology", PositiveSizes(), "no negative sizes"),
    ]
