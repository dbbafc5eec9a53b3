"""FHIR R4 Bundle export validated by fhir.resources, and reading it back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fhir.resources", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from fhir.resources.R4B.bundle import Bundle

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.patients.domain import read, write
from synthgenesis.types import READ_ERROR_COLUMN

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cohort() -> pd.DataFrame:
    return read(ROOT / "examples/data/patients/cohort.csv").drop(columns=[READ_ERROR_COLUMN])


def test_bundle_is_valid_fhir_with_codes(cohort: pd.DataFrame, tmp_path: Path) -> None:
    write(cohort, tmp_path / "b.json")
    data = json.loads((tmp_path / "b.json").read_text())
    Bundle.model_validate(data)  # raises if any resource is invalid
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("Patient") == 4 and kinds.count("Condition") == 5
    sbp = [e["resource"] for e in data["entry"] if e["resource"].get("code", {}).get("text") == "systolic_bp"]
    assert sbp[0]["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "8480-6",
        "display": "Systolic blood pressure",
    }
    assert sbp[0]["valueQuantity"]["code"] == "mm[Hg]"
    assert sbp[0]["effectiveDateTime"] == "2024-06-01"


def test_round_trip(cohort: pd.DataFrame, tmp_path: Path) -> None:
    write(cohort, tmp_path / "b.json")
    back = read(tmp_path / "b.json")
    assert back[READ_ERROR_COLUMN].isna().all()
    back = back.drop(columns=[READ_ERROR_COLUMN])[cohort.columns]
    pd.testing.assert_frame_equal(back, cohort, check_dtype=False)


def test_invalid_resource_marks_only_its_patient(cohort: pd.DataFrame, tmp_path: Path) -> None:
    write(cohort, tmp_path / "b.json")
    data = json.loads((tmp_path / "b.json").read_text())
    for entry in data["entry"]:
        if entry["resource"]["resourceType"] == "Patient" and entry["resource"]["id"] == "1002":
            entry["resource"]["birthDate"] = "not a date"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    back = read(tmp_path / "bad.json")
    errors = dict(zip(back["patient_id"], back[READ_ERROR_COLUMN], strict=True))
    assert errors[1002].startswith("patient 1002: entry") and "Patient" in errors[1002]
    assert all(errors[p] is None for p in (1001, 1003, 1004))


def test_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"resourceType": "Patient"}')
    with pytest.raises(InvalidDataError, match="expected a FHIR Bundle"):
        read(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{not json")
    with pytest.raises(InvalidDataError, match="not a JSON file"):
        read(tmp_path / "y.json")


def test_a_patient_fhir_refuses_is_named_and_the_others_are_written(tmp_path: Path) -> None:
    from synthgenesis.plugins.patients.fhir import RecordsRefusedError

    table = pd.DataFrame(
        {
            "patient_id": ["A-1", "A 2", "A-3", "A-4"],
            "age": [54, 60, 50, 40],
            "heart_rate": [72, 80, float("inf"), 60],
        }
    )
    with pytest.raises(RecordsRefusedError) as info:
        write(table, tmp_path / "b.json")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'b.json'}: wrote 2 of 4 patients; 2 refused by FHIR validation")
    assert "patient 'A 2': Patient.id: String should match pattern" in message and "(value 'A 2')" in message
    assert "patient 'A-3': Observation heart_rate.valueQuantity.value" in message and "(value inf)" in message
    assert info.value.exit_code == 6
    data = json.loads((tmp_path / "b.json").read_text())
    Bundle.model_validate(data)
    assert sorted(
        e["resource"]["id"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    ) == [
        "A-1",
        "A-4",
    ]


def test_convert_reports_refused_patients_without_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from synthgenesis.cli import app

    source = tmp_path / "ids.csv"
    source.write_text("patient_id,age,sex,heart_rate\nA 1,54,F,72\nA_2,60,M,80\nA-3,50,F,70\n")
    result = CliRunner().invoke(app, ["convert", "patients", str(source), str(tmp_path / "o.json")])
    assert result.exit_code == 6, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert "wrote 1 of 3 patients; 2 refused by FHIR validation" in result.output
    assert "patient 'A 1': Patient.id" in result.output and "patient 'A_2': Patient.id" in result.output
    back = read(tmp_path / "o.json")
    assert back["patient_id"].tolist() == ["A-3"]
