"""Patient domain: reading with per-record errors, reference cohorts, features, generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from synthgenesis.errors import InvalidDataError
from synthgenesis.pipeline import validate_batch
from synthgenesis.types import READ_ERROR_COLUMN


def test_reader_keeps_good_rows_and_names_bad_ones(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "patient_id,age,sex,birth_date\n1,50,F,1970-01-01\n2,abc,M,1980-02-02\n3,40,F,not-a-date\n"
    )
    batch = patients_pm.domain("patients").read(path)
    assert batch[READ_ERROR_COLUMN].tolist() == [
        None,
        "patient 2: age='abc' is not a number",
        "patient 3: birth_date='not-a-date' is not a date",
    ]
    assert batch["age"].tolist()[0] == 50


def test_reader_errors(tmp_path: Path, patients_pm) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("patient_id,age\n")
    with pytest.raises(InvalidDataError, match="no rows"):
        patients_pm.domain("patients").read(empty)


@pytest.mark.parametrize(
    ("name", "rows", "target"),
    [
        ("actg175", 2139, "event"),
        ("gbsg2", 686, "event"),
        ("diabetes", 442, "progression"),
        ("breast-cancer", 569, "outcome"),
    ],
)
def test_reference_cohorts_load_and_obey_the_rules(patients_pm, name: str, rows: int, target: str) -> None:
    ds = patients_pm.reference_dataset(name)
    batch = ds.load()
    assert len(batch) == rows and ds.target == target and target in batch.columns
    assert ds.licence and ds.citation
    out = validate_batch(patients_pm.domain("patients"), batch, patients_pm.rules("patients"))
    assert out.valid.all(), [r for r in out.reasons if r][:3]


def test_actg175_mapping() -> None:
    from synthgenesis.plugins.patients.datasets import load_actg175

    df = load_actg175()
    assert set(df["sex"]) == {"F", "M"} and df["arm"].nunique() == 4
    assert 0.2 < df["event"].mean() < 0.3  # 521 of 2139 events
    assert df["cd4_week96"].isna().mean() == pytest.approx(797 / 2139, abs=1e-3)


def test_featurize_drops_identifiers_and_encodes_dates(patients_pm) -> None:
    batch = pd.DataFrame(
        {
            "patient_id": [1, 2],
            "age": [30, 40],
            "encounter_date": pd.to_datetime(["1970-01-11", "1970-01-02"]),
        }
    )
    feats = patients_pm.domain("patients").featurize(batch)
    assert list(feats.columns) == ["age", "encounter_date"]
    assert feats["encounter_date"].tolist() == [10.0, 1.0]


def test_copula_samples_are_valid_and_regenerate_ids(patients_pm) -> None:
    ref = patients_pm.reference_dataset("actg175").load()
    gen = patients_pm.generator("patients-gaussian-copula").create().fit(ref)
    s = gen.sample(500, seed=0)
    assert not set(s["patient_id"]) & set(ref["patient_id"])
    out = validate_batch(patients_pm.domain("patients"), s, patients_pm.rules("patients"))
    assert out.valid.mean() > 0.99
    assert np.isclose(s["event"].mean(), ref["event"].mean(), atol=0.05)


def test_a_table_without_an_age_is_refused_naming_the_columns(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "no_age.csv"
    path.write_text("patient_id,sex,heart_rate\n1,F,70\n2,M,80\n")
    dom = patients_pm.domain("patients")
    with pytest.raises(
        InvalidDataError, match=r"no_age.csv: missing required column\(s\): age or birth_date"
    ):
        dom.read(path)
    with pytest.raises(InvalidDataError, match="missing required column"):
        list(dom.read_chunks(path, 1))


@pytest.mark.parametrize(("sep", "word"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_wrong_delimiter_is_named(tmp_path: Path, patients_pm, sep: str, word: str) -> None:
    path = tmp_path / "semi.csv"
    path.write_text(sep.join(["patient_id", "age", "sex"]) + "\n" + sep.join(["1", "50", "F"]) + "\n")
    with pytest.raises(InvalidDataError, match=f"holds {word}: the delimiter looks wrong"):
        patients_pm.domain("patients").read(path)


def test_birth_date_alone_satisfies_the_age_requirement(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "dob.csv"
    path.write_text("patient_id,birth_date\n1,1970-01-01\n2,\n")
    batch = patients_pm.domain("patients").read(path)
    out = validate_batch(patients_pm.domain("patients"), batch, patients_pm.rules("patients"))
    assert out.valid.tolist() == [True, False]
    assert out.reasons[1] == [
        "patients-required-fields: patient 2: birth_date is missing (required; no age either)"
    ]


def test_a_row_without_an_age_is_rejected_with_the_field_named(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "p.csv"
    path.write_text("patient_id,age,heart_rate\n1,50,\n2,,70\n")
    batch = patients_pm.domain("patients").read(path)
    out = validate_batch(patients_pm.domain("patients"), batch, patients_pm.rules("patients"))
    assert out.valid.tolist() == [True, False]  # heart_rate is optional: empty is fine
    assert out.reasons[1] == [
        "patients-required-fields: patient 2: age is missing (required; no birth_date either)"
    ]


def test_a_read_error_from_the_table_reader_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A line the CSV reader could not read (a NUL byte, an open quote) stays a read error."""
    from synthgenesis.plugins.patients import domain

    table = pd.DataFrame(
        {
            "patient_id": [1, 2],
            "age": ["50", "61"],
            READ_ERROR_COLUMN: [None, "line 3: NUL byte in the record"],
        }
    )
    monkeypatch.setattr(domain, "read_table", lambda path, **options: table.copy())
    batch = domain.read(tmp_path / "x.csv")
    assert batch[READ_ERROR_COLUMN].tolist() == [None, "line 3: NUL byte in the record"]
    assert batch["age"].tolist() == [50, 61]
    monkeypatch.setattr(domain, "iter_table", lambda path, size, **options: iter([table.copy()]))
    (chunk,) = domain.read_chunks(tmp_path / "x.csv", 10)
    assert chunk[READ_ERROR_COLUMN].tolist() == [None, "line 3: NUL byte in the record"]


def test_a_nul_byte_in_a_value_is_a_read_error(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "nul.parquet"
    pd.DataFrame(
        {"patient_id": ["1", "2\x00", "3"], "age": ["50", "6\x001", "70"], "sex": ["F", "M", "F\x00"]}
    ).to_parquet(path)
    batch = patients_pm.domain("patients").read(path)
    errors = batch[READ_ERROR_COLUMN].tolist()
    assert errors[0] is None
    assert (
        "patient_id='2\\x00' holds a NUL byte" in errors[1] and "age='6\\x001' is not a number" in errors[1]
    )
    assert "sex='F\\x00' holds a NUL byte" in errors[2]
    out = validate_batch(patients_pm.domain("patients"), batch, patients_pm.rules("patients"))
    assert out.valid.tolist() == [True, False, False]
