"""Validity rules for patient tables: physiology, cross-field logic, codes.

Each rule checks only the contract columns a table has (a table without blood
pressure passes the blood-pressure rule) and names the patient and the values
in every reason. Rows with a read error fail every rule. No rule repairs a
value by moving it to a limit: a value beyond a physiological limit is
rejected, and generation draws a new record in its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.plugins.patients.schema import ID_COLUMN, LONG_FORMAT_KEYS, REQUIRED_ANY, measure_for
from synthgenesis.rules import CheckResult, Rule, RuleSpec

# ICD-10 (WHO and ICD-10-CM): letter, two digits (CM allows a letter in third
# place for a few categories, e.g. C4A, O9A), optional dot and 1-4 characters.
ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-Z]{1,4})?$")

# Categories that apply to one sex only (ICD-10 chapters and blocks).
FEMALE_ONLY = (("O00", "O9A"), ("C51", "C58"), ("N70", "N98"), ("Z32", "Z37"), ("D25", "D28"))
MALE_ONLY = (("C60", "C63"), ("N40", "N53"), ("D29", "D29"))


def _label(batch: pd.DataFrame, i: int) -> str:
    if ID_COLUMN in batch.columns and not _missing(batch[ID_COLUMN].iat[i]):
        return f"patient {_id_text(batch[ID_COLUMN].iat[i])}"
    return f"row {i}"


def _id_text(value: object) -> str:
    """An id as written: ``3`` for an integer id that a missing value turned into ``3.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _result(batch: pd.DataFrame, failing: dict[int, list[str]]) -> CheckResult:
    return CheckResult.from_reasons(
        [f"{_label(batch, i)}: " + "; ".join(failing[i]) if i in failing else None for i in range(len(batch))]
    )


def _num(batch: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(batch[column], errors="coerce").to_numpy(dtype=float)


class RequiredFields(Rule):
    """Each record has its required fields: an age (``age`` or ``birth_date``) and, where the table
    has a ``patient_id`` column, an id.

    A table without the required columns is refused when it is read; this rule
    rejects the single records that leave them empty. Optional columns may be
    empty. Not repairable: there is no value to put in.
    """

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if ID_COLUMN in batch.columns:
            for i, v in enumerate(batch[ID_COLUMN].tolist()):
                if _missing(v):
                    failing.setdefault(i, []).append(f"{ID_COLUMN} is missing (required)")
        for group in REQUIRED_ANY:
            present = [c for c in group if c in batch.columns]
            if not present:
                continue
            empty = np.ones(len(batch), dtype=bool)
            for c in present:
                empty &= np.array([_missing(v) for v in batch[c].tolist()], dtype=bool)
            others = [c for c in group if c != present[0]]
            what = f"{present[0]} is missing (required" + (
                f"; no {' or '.join(others)} either)" if others else ")"
            )
            for i in np.flatnonzero(empty).tolist():
                failing.setdefault(i, []).append(what)
        return _result(batch, failing)


class DuplicatePatientIds(Rule):
    """A patient appears once, unless the table is in long format and the rows differ in a column that
    tells them apart (``visit``, ``event_type``, ``encounter_date``, ``start``/``stop``).

    The contract is one row per patient: a repeated ``patient_id`` is a copied
    record or two patients under one id, and either makes generators learn
    one person twice and privacy metrics count copies as matches. Real cohorts
    with several rows per patient (the colon-cancer trial's recurrence and
    death rows, counting-process intervals) say what each row is in such a
    column; then only rows repeating the same key are flagged. Every row after
    a patient's first with the same key is flagged; the first is kept.
    """

    compares_records = True

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if ID_COLUMN not in batch.columns or len(batch) < 2:
            return _result(batch, failing)
        keys = [c for c in LONG_FORMAT_KEYS if c in batch.columns]
        frame = pd.DataFrame({c: batch[c].astype(str).to_numpy() for c in [ID_COLUMN, *keys]})
        has_id = ~np.array([_missing(v) for v in batch[ID_COLUMN].tolist()], dtype=bool)
        repeated = frame.duplicated(keep="first").to_numpy() & has_id
        if not repeated.any():
            return _result(batch, failing)
        counts = frame[has_id].value_counts(sort=False)
        for i in np.flatnonzero(repeated):
            key = tuple(frame.iloc[int(i)])
            n = int(counts[key])
            pid = _id_text(batch[ID_COLUMN].iat[int(i)])
            if keys:
                same = ", ".join(f"{c}={batch[c].iat[int(i)]}" for c in keys)
                failing[int(i)] = [
                    f"{ID_COLUMN} {pid} with {same} is in {n} rows; each row of a "
                    f"long-format table needs its own {'/'.join(keys)}"
                ]
            else:
                failing[int(i)] = [
                    f"{ID_COLUMN} {pid} is in {n} rows; a table with one row per "
                    f"patient repeats no id (a table with one row per visit or event needs a column telling "
                    f"the rows apart: {', '.join(LONG_FORMAT_KEYS)})"
                ]
        return _result(batch, failing)


class PhysiologicalRanges(Rule):
    """Every measured value lies within the plausibility limits of its measure (see the schema).

    The limits are the most extreme values recorded in real patients, each
    with its clinical source (:data:`~synthgenesis.plugins.patients.schema.MEASURES`).
    Not repairable: moving a value to the limit would pile synthetic values up
    at the limit, a spike no real cohort has, so a record beyond a limit is
    rejected and generation draws another.
    """

    def _columns(self, batch: pd.DataFrame) -> list[str]:
        return [c for c in batch.columns if measure_for(c) is not None]

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        for col in self._columns(batch):
            m = measure_for(col)
            assert m is not None
            x = _num(batch, col)
            bad = np.flatnonzero(~np.isnan(x) & ((x < m.low) | (x > m.high)))
            for i in bad:
                failing.setdefault(int(i), []).append(
                    f"{col}={x[i]:g} outside [{m.low:g}, {m.high:g}] {m.unit}"
                )
        return _result(batch, failing)


class BloodPressureOrder(Rule):
    """Systolic pressure is above diastolic pressure (not repairable: no value to trust)."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if {"systolic_bp", "diastolic_bp"} <= set(batch.columns):
            s, d = _num(batch, "systolic_bp"), _num(batch, "diastolic_bp")
            for i in np.flatnonzero(~np.isnan(s) & ~np.isnan(d) & (s <= d)):
                failing[int(i)] = [f"systolic_bp={s[i]:g} is not above diastolic_bp={d[i]:g}"]
        return _result(batch, failing)


class BMIConsistency(Rule):
    """BMI equals weight / height^2 within ``tolerance`` kg/m2. Repair recomputes BMI."""

    repairable = True

    def __init__(self, tolerance: float = 1.0) -> None:
        self.tolerance = tolerance

    @staticmethod
    def _applies(batch: pd.DataFrame) -> bool:
        return {"bmi", "weight_kg", "height_cm"} <= set(batch.columns)

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if self._applies(batch):
            bmi, w, h = _num(batch, "bmi"), _num(batch, "weight_kg"), _num(batch, "height_cm")
            expected = w / (h / 100) ** 2
            bad = ~np.isnan(bmi) & ~np.isnan(expected) & (np.abs(bmi - expected) > self.tolerance)
            for i in np.flatnonzero(bad):
                failing[int(i)] = [
                    f"bmi={bmi[i]:.1f} but weight_kg={w[i]:g}, height_cm={h[i]:g} give {expected[i]:.1f}"
                ]
        return _result(batch, failing)

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self._applies(batch):
            batch["bmi"] = (_num(batch, "weight_kg") / (_num(batch, "height_cm") / 100) ** 2).round(1)
        return batch


def _years_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    s, e = (
        pd.to_datetime(start, errors="coerce", format="mixed"),
        pd.to_datetime(end, errors="coerce", format="mixed"),
    )
    years = e.dt.year - s.dt.year
    before_birthday = (e.dt.month < s.dt.month) | ((e.dt.month == s.dt.month) & (e.dt.day < s.dt.day))
    return (years - before_birthday.astype(float)).to_numpy(dtype=float)


class AgeMatchesDates(Rule):
    """Age in whole years equals the time from birth_date to encounter_date; no birth is in the future.

    Repair recomputes age from the dates (a birth date after today cannot be repaired).
    """

    repairable = True

    @staticmethod
    def _applies(batch: pd.DataFrame) -> bool:
        return {"age", "birth_date", "encounter_date"} <= set(batch.columns)

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if "birth_date" in batch.columns:
            born = pd.to_datetime(batch["birth_date"], errors="coerce", format="mixed", utc=True)
            tomorrow = pd.Timestamp.now(tz="UTC").normalize() + pd.Timedelta(days=1)
            for i in np.flatnonzero((born >= tomorrow).to_numpy()).tolist():
                failing[i] = [f"birth_date {batch['birth_date'].iat[i]} is in the future"]
        if self._applies(batch):
            age = _num(batch, "age")
            expected = _years_between(batch["birth_date"], batch["encounter_date"])
            for i in np.flatnonzero(~np.isnan(expected) & (expected < 0)).tolist():
                failing.setdefault(i, []).append(
                    f"encounter_date {batch['encounter_date'].iat[i]} is before birth_date "
                    f"{batch['birth_date'].iat[i]}"
                )
            bad = ~np.isnan(age) & ~np.isnan(expected) & (expected >= 0) & (np.floor(age) != expected)
            for k in np.flatnonzero(bad).tolist():
                failing.setdefault(k, []).append(f"age={age[k]:g} but the dates give {expected[k]:g} years")
        return _result(batch, failing)

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self._applies(batch):
            expected = _years_between(batch["birth_date"], batch["encounter_date"])
            fixable = ~np.isnan(expected) & (expected >= 0)
            age = _num(batch, "age")
            age[fixable] = expected[fixable]
            batch["age"] = age
        return batch


def _codes(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [c.strip().upper() for c in str(value).split(";") if c.strip()]


def _in_blocks(code: str, blocks: tuple[tuple[str, str], ...]) -> bool:
    head = code.replace(".", "")[:3]
    return any(lo <= head <= hi for lo, hi in blocks)


class ICD10Format(Rule):
    """Every diagnosis code has ICD-10 shape (``A00``, ``E11.9``, ``C4A.1``)."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if "diagnosis" in batch.columns:
            for i, value in enumerate(batch["diagnosis"].tolist()):
                bad = [c for c in _codes(value) if not ICD10.match(c)]
                if bad:
                    failing[i] = [f"diagnosis code(s) {', '.join(map(repr, bad))} are not ICD-10 codes"]
        return _result(batch, failing)


class SexSpecificDiagnosis(Rule):
    """Diagnoses that apply to one sex only (pregnancy, prostate, ovary...) match the patient's sex."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if {"diagnosis", "sex"} <= set(batch.columns):
            for i, (value, sex) in enumerate(
                zip(batch["diagnosis"].tolist(), batch["sex"].tolist(), strict=True)
            ):
                for code in _codes(value):
                    if sex == "M" and _in_blocks(code, FEMALE_ONLY):
                        failing.setdefault(i, []).append(f"diagnosis {code} applies to females but sex=M")
                    elif sex == "F" and _in_blocks(code, MALE_ONLY):
                        failing.setdefault(i, []).append(f"diagnosis {code} applies to males but sex=F")
        return _result(batch, failing)


class SexCoding(Rule):
    """Sex is coded 'F' or 'M' (the contract's coding; map other codings when reading)."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if "sex" in batch.columns:
            for i, v in enumerate(batch["sex"].tolist()):
                if not (isinstance(v, str) and v in ("F", "M")) and not pd.isna(v):
                    failing[i] = [f"sex={v!r} is not 'F' or 'M'"]
        return _result(batch, failing)


class SurvivalConsistency(Rule):
    """Time-to-event data is coherent: event is 0 or 1, and a follow-up time is present and positive.

    A row with an event indicator but no time (or a non-positive time) cannot
    enter a survival model: the event happened at no time at all.
    """

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        failing: dict[int, list[str]] = {}
        if "event" in batch.columns:
            e = _num(batch, "event")
            for i in np.flatnonzero(~np.isnan(e) & ~np.isin(e, (0.0, 1.0))):
                failing.setdefault(int(i), []).append(f"event={e[i]:g} is not 0 or 1")
            if "time" in batch.columns:
                t = _num(batch, "time")
                for i in np.flatnonzero(~np.isnan(e) & (np.isnan(t) | (t <= 0))):
                    failing.setdefault(int(i), []).append(
                        f"time={t[i]:g} must be a positive follow-up time when event is recorded"
                    )
        return _result(batch, failing)


_SPECS: tuple[tuple[str, Callable[[], Rule], str], ...] = (
    ("patients-required-fields", RequiredFields, "age (or birth_date) and patient_id filled in"),
    (
        "patients-duplicate-ids",
        DuplicatePatientIds,
        "one row per patient, or per visit/event in long format",
    ),
    (
        "patients-physiological-ranges",
        PhysiologicalRanges,
        "vitals, labs and anthropometrics within cited plausibility limits",
    ),
    ("patients-blood-pressure-order", BloodPressureOrder, "systolic above diastolic"),
    ("patients-bmi-consistency", BMIConsistency, "BMI equals weight / height^2"),
    ("patients-age-dates", AgeMatchesDates, "age agrees with birth and encounter dates"),
    ("patients-icd10-format", ICD10Format, "diagnosis codes are ICD-10 shaped"),
    ("patients-sex-specific-diagnosis", SexSpecificDiagnosis, "sex-specific diagnoses match sex"),
    ("patients-sex-coding", SexCoding, "sex coded 'F' or 'M'"),
    ("patients-survival-consistency", SurvivalConsistency, "event is 0/1 with a positive follow-up time"),
)


#: Every rule of the patients domain.
RULES: tuple[RuleSpec, ...] = tuple(
    RuleSpec(name, "patients", factory(), desc) for name, factory, desc in _SPECS
)
