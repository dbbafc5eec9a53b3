"""Schema files map a site's own table onto the patient contract: names, codes, units."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from synthgenesis.errors import ConfigError, InvalidDataError
from synthgenesis.plugins.patients.domain import read

DATA = Path(__file__).resolve().parents[3] / "examples" / "patients" / "data"


def test_site_export_is_mapped(tmp_path: Path) -> None:
    table = read(DATA / "site_export.csv")
    assert "NOTES" not in table.columns and "MRN" not in table.columns
    assert table["sex"].tolist() == ["M", "F", "F", "M", "F"]
    assert table["temperature"].iloc[0] == pytest.approx((98.4 - 32) * 5 / 9)
    assert table["weight_kg"].iloc[0] == pytest.approx(176 * 0.45359237)
    assert table["height_cm"].iloc[0] == pytest.approx(70 * 2.54)
    assert table["glucose"].iloc[0] == pytest.approx(6.1 * 18.0156)
    assert table["patient_id"].tolist()[0] == "A-001"


def copy_with_schema(tmp_path: Path, schema: str) -> Path:
    shutil.copy(DATA / "site_export.csv", tmp_path / "t.csv")
    (tmp_path / "t.schema.toml").write_text(schema)
    return tmp_path / "t.csv"


@pytest.mark.parametrize(
    ("schema", "error", "message"),
    [
        ('[columns]\nage = "AGE"\n', InvalidDataError, r"maps column\(s\) 'AGE', which the table lacks"),
        ('[units]\ntemperature = "furlongs"\n', ConfigError, r"no conversion from 'furlongs'"),
        ('[colums]\nage = "AGE_YRS"\n', ConfigError, r"colums: unknown key"),
        ("[columns\n", ConfigError, "not valid TOML"),
        ('[values.sex]\nF = ["f"]\n', InvalidDataError, r"\[values.sex\] names a column the table lacks"),
    ],
)
def test_bad_schema_files(tmp_path: Path, schema: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        read(copy_with_schema(tmp_path, schema))
