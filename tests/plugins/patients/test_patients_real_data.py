"""Every default patients rule over every real cohort shipped offline: no real record is rejected.

The cohorts are the four the plugin registers (ACTG 175 and GBSG-2 from
lifelines, diabetes and breast cancer from scikit-learn) and the other real
clinical tables lifelines ships, mapped onto the contract here. Long-format
cohorts (several rows per patient: counting-process intervals) are among them,
so the duplicate-id rule is checked on real repeated ids too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from lifelines import datasets as ll

from synthgenesis.errors import InvalidDataError
from synthgenesis.pipeline import validate_batch
from synthgenesis.types import READ_ERROR_COLUMN

REGISTERED = ("actg175", "gbsg2", "diabetes", "breast-cancer")


def _lung() -> pd.DataFrame:
    raw = ll.load_lung()  # NCCTG advanced lung cancer (Loprinzi et al. 1994)
    return pd.DataFrame(
        {
            "institution": raw["inst"],
            "age": raw["age"],
            "sex": raw["sex"].map({1: "M", 2: "F"}),
            "karnofsky": raw["ph.karno"],
            "karnofsky_patient": raw["pat.karno"],
            "ecog": raw["ph.ecog"],
            "meal_calories": raw["meal.cal"],
            "weight_loss_lb": raw["wt.loss"],
            "diagnosis": "C34",
            "time": raw["time"],
            "event": raw["status"],
        }
    )


def _lymph_node() -> pd.DataFrame:
    raw = ll.load_lymph_node()  # GBSG-2 with dates (Schumacher et al. 1994); the id is the index
    return pd.DataFrame(
        {
            "patient_id": raw.index.to_numpy(),
            "age": raw["age"],
            "sex": "F",
            "encounter_date": pd.to_datetime(raw["diagdateb"], format="%d-%m-%Y"),
            "tumour_size_mm": raw["size"],
            "tumour_grade": raw["grade"],
            "positive_nodes": raw["nodes"],
            "time": raw["rectime"],
            "event": raw["censrec"],
            "time_to_death": raw["survtime"],
            "death": raw["censdead"],
            "diagnosis": "C50",
        }
    )


def _kidney_transplant() -> pd.DataFrame:
    raw = ll.load_kidney_transplant()
    return pd.DataFrame(
        {
            "age": raw["age"],
            "black_male": raw["black_male"],
            "white_male": raw["white_male"],
            "black_female": raw["black_female"],
            "time": raw["time"],
            "event": raw["death"],
        }
    )


def _larynx() -> pd.DataFrame:
    raw = ll.load_larynx()  # time in years in the source
    return pd.DataFrame(
        {
            "age": raw["age"],
            "stage": 1 + raw["Stage_II"] + 2 * raw["Stage_III"] + 3 * raw["Stage_IV"],
            "diagnosis": "C32",
            "time": (raw["time"] * 365.25).round().astype(int),
            "event": raw["death"],
        }
    )


def _recur() -> pd.DataFrame:
    raw = ll.load_recur()  # recurrent events, one row per counting-process interval
    return pd.DataFrame(
        {
            "patient_id": raw["ID"],
            "age": raw["AGE"],
            "treatment": raw["TREAT"],
            "start": raw["TIME0"],
            "stop": raw["TIME1"],
            "event": raw["CENSOR"],
            "event_number": raw["EVENT"],
        }
    )


def _stanford_heart() -> pd.DataFrame:
    raw = ll.load_stanford_heart_transplants()  # Crowley & Hu 1977; long format, start/stop
    return pd.DataFrame(
        {
            "patient_id": raw["id"],
            "age": raw["age"] + 48,  # the source stores age - 48 years
            "surgery": raw["surgery"],
            "transplant": raw["transplant"].astype(int),
            "start": raw["start"],
            "stop": raw["stop"],
            "event": raw["event"],
        }
    )


def _psychiatric() -> pd.DataFrame:
    raw = ll.load_psychiatric_patients()
    return pd.DataFrame(
        {
            "age": raw["Age"],
            "sex": raw["sex"].map({1: "M", 2: "F"}),
            "time": (raw["T"] * 365.25).round().astype(int),  # years in the source
            "event": raw["C"],
        }
    )


LIFELINES = {
    "lung": (_lung, 228),
    "lymph_node": (_lymph_node, 686),
    "kidney_transplant": (_kidney_transplant, 863),
    "larynx": (_larynx, 90),
    "recur": (_recur, 1296),
    "stanford_heart": (_stanford_heart, 172),
    "psychiatric": (_psychiatric, 26),
}


def _check(patients_pm, table: pd.DataFrame) -> list[list[str]]:
    dom = patients_pm.domain("patients")
    rules = patients_pm.rules("patients")
    assert {
        "patients-physiological-ranges",
        "patients-required-fields",
        "patients-duplicate-ids",
    } <= set(rules)
    out = validate_batch(dom, table, rules)
    assert len(out.valid) == len(table)
    return [r for r, ok in zip(out.reasons, out.valid, strict=True) if not ok]


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_cohorts_pass_every_default_rule(patients_pm, name: str) -> None:
    table = patients_pm.reference_dataset(name).load()
    assert _check(patients_pm, table) == []


@pytest.mark.parametrize("name", sorted(LIFELINES))
def test_lifelines_clinical_cohorts_pass_every_default_rule(patients_pm, name: str) -> None:
    load, rows = LIFELINES[name]
    table = load()
    assert len(table) == rows
    assert _check(patients_pm, table) == []


@pytest.mark.parametrize("name", ["recur", "stanford_heart"])
def test_long_format_cohorts_repeat_ids_with_distinct_intervals(patients_pm, name: str) -> None:
    table = LIFELINES[name][0]()
    assert table["patient_id"].duplicated().sum() > 50  # really several rows per patient
    rule = patients_pm.rules("patients")["patients-duplicate-ids"].rule
    assert rule.check(table).mask.all()
    # Without the interval columns the same real table is not one row per patient.
    flat = rule.check(table.drop(columns=["start", "stop"]))
    assert (~flat.mask).sum() == table["patient_id"].duplicated().sum()


@pytest.mark.parametrize("name", [n for n in REGISTERED if n != "breast-cancer"] + sorted(LIFELINES))
def test_cohorts_read_back_from_csv_pass(tmp_path: Path, patients_pm, name: str) -> None:
    table = patients_pm.reference_dataset(name).load() if name in REGISTERED else LIFELINES[name][0]()
    path = tmp_path / f"{name}.csv"
    table.to_csv(path, index=False)
    batch = patients_pm.domain("patients").read(path)
    assert len(batch) == len(table) and batch[READ_ERROR_COLUMN].isna().all()
    assert _check(patients_pm, batch) == []


def test_breast_cancer_table_has_no_age_so_its_file_is_refused(tmp_path: Path, patients_pm) -> None:
    """Justified: the Wisconsin breast-cancer table holds nuclear measurements of aspirates and no age.

    In memory it passes every rule (above); as a file it lacks the contract's
    required age, and the reader says so rather than passing a table it cannot
    place in time.
    """
    path = tmp_path / "bc.csv"
    patients_pm.reference_dataset("breast-cancer").load().to_csv(path, index=False)
    with pytest.raises(InvalidDataError, match="missing required column\\(s\\): age or birth_date"):
        patients_pm.domain("patients").read(path)


def test_the_highest_real_values_are_inside_the_limits() -> None:
    """The most extreme values of the shipped cohorts, measured: all inside the cited limits."""
    from synthgenesis.plugins.patients.datasets import load_actg175, load_diabetes, load_gbsg2
    from synthgenesis.plugins.patients.schema import measure_for

    highest = {}
    for table in (load_actg175(), load_gbsg2(), load_diabetes(), _lung(), _lymph_node()):
        for col in table.columns:
            m = measure_for(col)
            if m is not None and pd.api.types.is_numeric_dtype(table[col]):
                highest[col] = max(highest.get(col, float("-inf")), float(table[col].max()))
                assert m.low <= table[col].min() and table[col].max() <= m.high, col
    assert highest["cd8_week20"] == 6035 and highest["cholesterol_total"] == 301
    assert highest["tumour_size_mm"] == 120 and highest["positive_nodes"] == 51
