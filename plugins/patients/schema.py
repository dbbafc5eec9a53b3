"""The patient table contract: canonical column names, their meaning and units.

Every column is optional; rules apply to the columns a table has. A column is
recognised by its exact name or by the name followed by ``_`` and a suffix,
so ``cd4_baseline`` and ``cd4_week20`` are both CD4 counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ID_COLUMN = "patient_id"
SEX_VALUES = ("F", "M")


@dataclass(frozen=True)
class Measure:
    """A physiological quantity with the range a living patient can have."""

    name: str
    low: float
    high: float
    unit: str
    description: str


# Ranges are deliberately wide: they reject values incompatible with life or
# with the unit (a temperature of 98.6 in a Celsius column), not abnormal ones,
# which real cohorts contain and synthetic data must keep.
MEASURES: tuple[Measure, ...] = (
    Measure("age", 0, 120, "years", "age at enrolment or encounter"),
    Measure("height_cm", 40, 250, "cm", "body height"),
    Measure("weight_kg", 1, 350, "kg", "body weight"),
    Measure("bmi", 8, 90, "kg/m2", "body-mass index"),
    Measure("heart_rate", 20, 250, "beats/min", "resting heart rate"),
    Measure("systolic_bp", 50, 280, "mmHg", "systolic blood pressure"),
    Measure("diastolic_bp", 20, 180, "mmHg", "diastolic blood pressure"),
    Measure("mean_arterial_pressure", 30, 220, "mmHg", "mean arterial pressure"),
    Measure("temperature", 30, 45, "degC", "body temperature"),
    Measure("resp_rate", 4, 70, "breaths/min", "respiratory rate"),
    Measure("spo2", 50, 100, "%", "peripheral oxygen saturation"),
    Measure("cd4", 0, 5000, "cells/uL", "CD4 T-cell count"),
    Measure("cd8", 0, 10000, "cells/uL", "CD8 T-cell count"),
    Measure("hemoglobin", 3, 25, "g/dL", "haemoglobin"),
    Measure("glucose", 10, 1500, "mg/dL", "blood glucose"),
    Measure("creatinine", 0.1, 25, "mg/dL", "serum creatinine"),
    Measure("cholesterol_total", 40, 1000, "mg/dL", "total cholesterol"),
    Measure("ldl", 5, 700, "mg/dL", "LDL cholesterol"),
    Measure("hdl", 5, 200, "mg/dL", "HDL cholesterol"),
    Measure("karnofsky", 0, 100, "score", "Karnofsky performance score"),
    Measure("tumour_size_mm", 0, 300, "mm", "largest tumour diameter"),
    Measure("positive_nodes", 0, 100, "count", "positive lymph nodes"),
    Measure("time", 0, 36500, "days", "follow-up time to event or censoring"),
)

MEASURE_BY_NAME = {m.name: m for m in MEASURES}

CATEGORICAL = {
    "sex": "administrative sex, 'F' or 'M'",
    "race": "race or ethnicity as recorded by the source",
    "arm": "treatment arm",
    "diagnosis": "ICD-10 code(s); several separated by ';'",
    "event": "1 if the event (death, progression) was observed, 0 if censored",
    "outcome": "binary outcome",
}

DATES = {
    "birth_date": "date of birth",
    "encounter_date": "date of the encounter the row describes",
}


def measure_for(column: str) -> Measure | None:
    """The measure a column records, by exact name or ``<measure>_<suffix>``."""
    if column in MEASURE_BY_NAME:
        return MEASURE_BY_NAME[column]
    for m in MEASURES:
        if column.startswith(m.name + "_"):
            return m
    return None


def numeric_columns(table: pd.DataFrame) -> list[str]:
    """Columns of ``table`` that the contract says are numbers."""
    return [c for c in table.columns if measure_for(c) is not None or c in ("event", "outcome")]


def describe() -> dict[str, str]:
    """Column name -> description with unit, for ``synthgenesis domains``."""
    out = {ID_COLUMN: "identifier (never modelled; regenerated in synthetic data)"}
    out.update({m.name: f"{m.description} [{m.unit}], valid {m.low:g}..{m.high:g}" for m in MEASURES})
    out.update(CATEGORICAL)
    out.update(DATES)
    return out
