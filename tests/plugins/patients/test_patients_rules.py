"""Patient validity rules: known answers, repair, and malformed input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from synthgenesis.plugins.patients import rules

GOOD = {
    "patient_id": 1,
    "age": 54,
    "sex": "F",
    "heart_rate": 72,
    "systolic_bp": 120,
    "diastolic_bp": 80,
    "height_cm": 165,
    "weight_kg": 60,
    "bmi": 22.0,
    "diagnosis": "E11.9; I10",
    "birth_date": pd.Timestamp("1970-05-01"),
    "encounter_date": pd.Timestamp("2024-06-01"),
    "time": 300,
    "event": 1,
}


def one(**changes: object) -> pd.DataFrame:
    return pd.DataFrame([{**GOOD, **changes}])


ALL = {spec.name: spec.rule for spec in rules.RULES}


def test_a_healthy_patient_passes_every_rule() -> None:
    for name, rule in ALL.items():
        assert rule.check(one()).mask.all(), name


@pytest.mark.parametrize(
    ("rule", "changes", "reason"),
    [
        ("patients-physiological-ranges", {"heart_rate": 700}, "heart_rate=700 outside [0, 600] beats/min"),
        ("patients-physiological-ranges", {"cd4_week20": -3}, "cd4_week20=-3 outside [0, 1e+06]"),
        ("patients-physiological-ranges", {"temperature": 98.6}, "temperature=98.6 outside [10, 47] degC"),
        ("patients-physiological-ranges", {"weight_kg": float("inf")}, "weight_kg=inf outside [0.2, 700]"),
        (
            "patients-required-fields",
            {"age": None, "birth_date": None},
            "age is missing (required; no birth_date either)",
        ),
        ("patients-required-fields", {"age": float("nan"), "birth_date": pd.NaT}, "age is missing"),
        ("patients-required-fields", {"patient_id": " "}, "patient_id is missing (required)"),
        ("patients-blood-pressure-order", {"systolic_bp": 80, "diastolic_bp": 90}, "is not above diastolic"),
        ("patients-bmi-consistency", {"bmi": 30.0}, "bmi=30.0 but weight_kg=60, height_cm=165 give 22.0"),
        ("patients-age-dates", {"age": 40}, "age=40 but the dates give 54 years"),
        ("patients-age-dates", {"encounter_date": pd.Timestamp("1960-01-01")}, "is before birth_date"),
        ("patients-icd10-format", {"diagnosis": "E11.9; 250.00"}, "'250.00' are not ICD-10 codes"),
        (
            "patients-sex-specific-diagnosis",
            {"sex": "M", "diagnosis": "O80"},
            "O80 applies to females but sex=M",
        ),
        ("patients-sex-specific-diagnosis", {"diagnosis": "C61"}, "C61 applies to males but sex=F"),
        ("patients-sex-coding", {"sex": "female"}, "sex='female' is not 'F' or 'M'"),
        ("patients-survival-consistency", {"event": 2}, "event=2 is not 0 or 1"),
        ("patients-survival-consistency", {"time": 0}, "time=0 must be a positive follow-up time"),
    ],
)
def test_known_violations(rule: str, changes: dict, reason: str) -> None:
    result = ALL[rule].check(one(**changes))
    assert not result.mask[0]
    assert reason in result.reasons[0]
    assert result.reasons[0].startswith("patient 1:" if changes.get("patient_id") != " " else "row 0:")


def test_age_on_the_birthday_boundary() -> None:
    day_before = one(encounter_date=pd.Timestamp("2024-04-30"), age=53)
    assert ALL["patients-age-dates"].check(day_before).mask.all()


def test_rules_skip_columns_a_table_lacks() -> None:
    minimal = pd.DataFrame({"age": [30, 40]})
    for rule in ALL.values():
        assert rule.check(minimal).mask.all()
    minimal = pd.DataFrame({"birth_date": ["1970-01-01", "1980-01-01"]})
    for rule in ALL.values():
        assert rule.check(minimal).mask.all()


def test_repairs() -> None:
    batch = pd.concat([one(bmi=35.0), one(age=10)], ignore_index=True)
    fixed = ALL["patients-bmi-consistency"].repair(batch)
    assert fixed["bmi"].tolist()[0] == pytest.approx(22.0, abs=0.05)
    fixed = ALL["patients-age-dates"].repair(fixed)
    assert fixed["age"].tolist()[1] == 54
    for name in ("patients-bmi-consistency", "patients-age-dates"):
        assert ALL[name].check(fixed).mask.all()
    # Nothing to trust, or nothing a repair could do without inventing a value at a limit.
    for name in (
        "patients-blood-pressure-order",
        "patients-physiological-ranges",
        "patients-required-fields",
        "patients-duplicate-ids",
    ):
        assert not ALL[name].repairable, name


values = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=5)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [
            column("age", elements=values, dtype=object),
            column("sex", elements=values, dtype=object),
            column("systolic_bp", elements=values, dtype=object),
            column("diastolic_bp", elements=values, dtype=object),
            column("diagnosis", elements=values, dtype=object),
            column("time", elements=values, dtype=object),
            column("event", elements=values, dtype=object),
            column("birth_date", elements=values, dtype=object),
            column("encounter_date", elements=values, dtype=object),
        ]
    )
)
def test_garbage_never_raises(frame: pd.DataFrame) -> None:
    for rule in ALL.values():
        result = rule.check(frame)
        assert len(result.mask) == len(frame)
        assert all((r is None) == ok for r, ok in zip(result.reasons, result.mask, strict=True))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        # Mayo Clinic PBC trial (Fleming & Harrington 1991, appendix D): real serum cholesterol values.
        ("cholesterol_total", 1128),
        ("cholesterol_total", 1775),
        ("ldl", 1000),  # untreated homozygous familial hypercholesterolaemia
        ("systolic_bp", 480),  # MacDougall et al. 1985, intra-arterial, double-leg press
        ("diastolic_bp", 350),
        ("heart_rate", 300),  # supraventricular tachycardia in an infant
        ("temperature", 13.7),  # Gilbert et al. 2000, survived accidental hypothermia
        ("temperature", 46.5),  # survived heat stroke
        ("glucose", 2656),
        ("creatinine", 73.8),
        ("hemoglobin", 0.6),  # Kariya et al. 2015, survived
        ("weight_kg", 0.25),  # extremely preterm newborn
        ("age", 122),
        ("cd8_baseline", 6035),  # ACTG 175's highest week-20 CD8 count
    ],
)
def test_real_extreme_pathology_is_plausible(column: str, value: float) -> None:
    result = ALL["patients-physiological-ranges"].check(pd.DataFrame({"patient_id": [1], column: [value]}))
    assert result.mask.all(), result.reasons


def test_every_range_cites_its_source() -> None:
    from synthgenesis.plugins.patients.schema import MEASURES

    for m in MEASURES:
        assert m.low < m.high and len(m.source) > 20, m.name
        assert any(ch.isdigit() for ch in m.source), f"{m.name}: a source with a year or a figure"


def test_missing_patient_id_is_rejected_and_named() -> None:
    batch = pd.DataFrame({"patient_id": [1, None, 3], "age": [30, 40, None], "heart_rate": [70, None, 80]})
    result = ALL["patients-required-fields"].check(batch)
    assert result.mask.tolist() == [True, False, False]
    assert result.reasons[1] == "row 1: patient_id is missing (required)"
    assert result.reasons[2].startswith("patient 3: age is missing")
    # An optional field (heart_rate) may be empty.
    assert "heart_rate" not in (result.reasons[1] or "")


def test_birth_date_stands_in_for_age() -> None:
    batch = pd.DataFrame({"age": [None, None], "birth_date": [pd.Timestamp("1970-01-01"), pd.NaT]})
    result = ALL["patients-required-fields"].check(batch)
    assert result.mask.tolist() == [True, False]


def test_duplicate_ids_flagged_in_a_one_row_per_patient_table() -> None:
    batch = pd.DataFrame({"patient_id": [1, 2, 1, 1], "age": [50, 60, 50, 51]})
    result = ALL["patients-duplicate-ids"].check(batch)
    assert result.mask.tolist() == [True, True, False, False]
    assert result.reasons[2].startswith("patient 1: patient_id 1 is in 3 rows")
    assert "visit, event_type" in result.reasons[2]
    assert ALL["patients-duplicate-ids"].compares_records


def test_long_format_rows_that_differ_in_their_key_pass() -> None:
    # The colon-cancer trial's layout: one recurrence row and one death row per patient.
    colon = pd.DataFrame(
        {
            "patient_id": [1, 1, 2, 2],
            "age": [43, 43, 63, 63],
            "event_type": ["recurrence", "death", "recurrence", "death"],
            "time": [968, 1521, 3087, 3087],
            "event": [1, 1, 0, 0],
        }
    )
    assert ALL["patients-duplicate-ids"].check(colon).mask.all()
    repeated = pd.concat([colon, colon.iloc[[1]]], ignore_index=True)
    result = ALL["patients-duplicate-ids"].check(repeated)
    assert result.mask.tolist() == [True] * 4 + [False]
    assert "patient_id 1 with event_type=death is in 2 rows" in result.reasons[4]


def test_a_birth_date_in_the_future_is_rejected() -> None:
    from synthgenesis.plugins.patients.rules import AgeMatchesDates

    future = (pd.Timestamp.now() + pd.Timedelta(days=400)).strftime("%Y-%m-%d")
    batch = pd.DataFrame({"patient_id": [1, 2], "birth_date": ["1960-05-01", future], "sex": ["M", "F"]})
    result = AgeMatchesDates().check(batch)
    assert result.mask.tolist() == [True, False]
    assert "is in the future" in result.reasons[1] and "patient 2" in result.reasons[1]
