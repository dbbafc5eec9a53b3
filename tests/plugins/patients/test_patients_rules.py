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


ALL = {spec.name: spec.constraint for spec in rules.constraints()}


def test_a_healthy_patient_passes_every_rule() -> None:
    for name, rule in ALL.items():
        assert rule.check(one()).mask.all(), name


@pytest.mark.parametrize(
    ("rule", "changes", "reason"),
    [
        ("patients-physiological-ranges", {"heart_rate": 400}, "heart_rate=400 outside [20, 250] beats/min"),
        ("patients-physiological-ranges", {"cd4_week20": -3}, "cd4_week20=-3 outside [0, 5000]"),
        ("patients-physiological-ranges", {"temperature": 98.6}, "temperature=98.6 outside [30, 45] degC"),
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
    assert reason in result.reasons[0] and result.reasons[0].startswith("patient 1:")


def test_age_on_the_birthday_boundary() -> None:
    day_before = one(encounter_date=pd.Timestamp("2024-04-30"), age=53)
    assert ALL["patients-age-dates"].check(day_before).mask.all()


def test_rules_skip_columns_a_table_lacks() -> None:
    minimal = pd.DataFrame({"age": [30, 40]})
    for rule in ALL.values():
        assert rule.check(minimal).mask.all()


def test_repairs() -> None:
    batch = pd.concat([one(heart_rate=400), one(bmi=35.0), one(age=10)], ignore_index=True)
    fixed = ALL["patients-physiological-ranges"].repair(batch)
    assert fixed["heart_rate"].tolist()[0] == 250
    fixed = ALL["patients-bmi-consistency"].repair(fixed)
    assert fixed["bmi"].tolist()[1] == pytest.approx(22.0, abs=0.05)
    fixed = ALL["patients-age-dates"].repair(fixed)
    assert fixed["age"].tolist()[2] == 54
    for name in ("patients-physiological-ranges", "patients-bmi-consistency", "patients-age-dates"):
        assert ALL[name].check(fixed).mask.all()
    assert not ALL["patients-blood-pressure-order"].repairable


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
