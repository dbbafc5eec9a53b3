"""Map a user's table onto the patient contract with a small schema file.

Put ``<table>.schema.toml`` next to ``<table>.csv`` (or ``.parquet``) and the
patients reader applies it::

    [columns]              # contract column = column in your file
    patient_id = "MRN"
    age = "AGE_YRS"
    sex = "GENDER"
    temperature = "TEMP"

    [values.sex]           # contract value = the values your file uses
    F = ["female", "f", 2]
    M = ["male", "m", 1]

    [units]                # contract columns your file records in another unit
    temperature = "degF"

    drop = ["NOTES"]       # columns to leave out

Columns not named stay as they are. Unit conversions are exact formulas
(temperature) or standard factors (mass, length, and the usual SI lab units).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis.errors import ConfigError, InvalidDataError
from synthgenesis.io import read_settings_toml
from synthgenesis.plugins.patients.schema import measure_for

# (contract measure, your unit) -> conversion into the contract's unit
CONVERSIONS: dict[tuple[str, str], Callable[[pd.Series], pd.Series]] = {
    ("temperature", "degF"): lambda x: (x - 32) * 5 / 9,
    ("temperature", "K"): lambda x: x - 273.15,
    ("weight_kg", "lb"): lambda x: x * 0.45359237,
    ("weight_kg", "g"): lambda x: x / 1000,
    ("height_cm", "in"): lambda x: x * 2.54,
    ("height_cm", "m"): lambda x: x * 100,
    ("glucose", "mmol/L"): lambda x: x * 18.0156,
    ("creatinine", "umol/L"): lambda x: x / 88.42,
    ("cholesterol_total", "mmol/L"): lambda x: x * 38.67,
    ("ldl", "mmol/L"): lambda x: x * 38.67,
    ("hdl", "mmol/L"): lambda x: x * 38.67,
    ("hemoglobin", "g/L"): lambda x: x / 10,
    ("hemoglobin", "mmol/L"): lambda x: x * 1.611,
}


def sidecar(path: Path) -> Path:
    """Where the schema file of ``path`` would be: ``cohort.csv`` -> ``cohort.schema.toml``."""
    return path.with_name(f"{path.stem}.schema.toml")


def load_mapping(path: Path) -> dict[str, Any]:
    """Read and check a schema file (column renames, value maps, units, dropped columns)."""
    data = read_settings_toml(path, "schema file")
    unknown = set(data) - {"columns", "values", "units", "drop"}
    if unknown:
        raise ConfigError(sorted(unknown)[0], "unknown key; use columns, values, units or drop", str(path))
    for key, value in data.get("units", {}).items():
        measure = measure_for(key)
        if measure is None or (measure.name, value) not in CONVERSIONS:
            known = sorted(f"{m}:{u}" for m, u in CONVERSIONS)
            raise ConfigError(
                f"units.{key}", f"no conversion from {value!r}; known: {', '.join(known)}", str(path)
            )
    return data


def apply_mapping(table: pd.DataFrame, mapping: dict[str, Any], source: str = "") -> pd.DataFrame:
    """Rename, recode, convert and drop columns as ``mapping`` says."""
    columns: dict[str, str] = mapping.get("columns", {})
    missing = [theirs for theirs in columns.values() if theirs not in table.columns]
    if missing:
        raise InvalidDataError(
            f"{source}: the schema maps column(s) {', '.join(map(repr, missing))}, which the table lacks; "
            f"it has {', '.join(map(str, table.columns))}"
        )
    table = table.drop(columns=[c for c in mapping.get("drop", []) if c in table.columns])
    table = table.rename(columns={theirs: ours for ours, theirs in columns.items()})
    for column, codes in mapping.get("values", {}).items():
        if column not in table.columns:
            raise InvalidDataError(f"{source}: [values.{column}] names a column the table lacks")
        lookup = {str(v).strip().lower(): ours for ours, theirs in codes.items() for v in theirs}
        table[column] = table[column].map(
            lambda v, lk=lookup: lk.get(str(v).strip().lower(), v) if pd.notna(v) else v
        )
    for column, unit in mapping.get("units", {}).items():
        if column in table.columns:
            measure = measure_for(column)
            assert measure is not None
            numbers = pd.to_numeric(table[column], errors="coerce")
            table[column] = CONVERSIONS[(measure.name, unit)](numbers).where(numbers.notna(), table[column])
    return table
