"""Malformed patient files (CSV, Parquet, FHIR JSON): each class is read and validated without a crash.

Every case ends one of two ways: the file is refused with a one-line
:class:`InvalidDataError` naming it (a file that is not a patient table at
all), or every record in it is accounted for, valid or rejected with a reason
naming the rule and the patient (or the row).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')
pytest.importorskip("fhir.resources", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from typer.testing import CliRunner

from synthgenesis.cli import app
from synthgenesis.errors import InvalidDataError
from synthgenesis.pipeline import validate_batch

HEADER = "patient_id,age,sex,heart_rate,weight_kg,height_cm,glucose,diagnosis,birth_date\n"
GOOD = "1,54,F,72,60,165,95,E11.9,1970-05-01\n"
GOOD2 = "2,61,M,80,82,178,101,I10,1963-01-02\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(rows)).encode()


def parquet(frame: pd.DataFrame) -> Callable[[Path], None]:
    return lambda path: frame.to_parquet(path)


def bundle(entries: list[object], **extra: object) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries, **extra}).encode()


def patient(pid: str, **fields: object) -> dict:
    return {"resource": {"resourceType": "Patient", "id": pid, **fields}}


def observation(pid: str, oid: str, text: str, value: object) -> dict:
    return {
        "resource": {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"text": text},
            "valueQuantity": {"value": value},
        }
    }


@dataclass(frozen=True)
class Case:
    suffix: str
    content: bytes | Callable[[Path], None]
    refused: str | None = None  # regex the refusal must match
    records: int = 0  # records in the file, when it is read
    invalid: int | None = 0  # of which rejected (None: the table reader decides)
    reasons: tuple[str, ...] = ()  # text each expected in some rejection reason
    # A CSV record the table reader may refuse whole (naming its line) or hand over for the rules.
    either: bool = False


DEEP = b'{"resourceType": "Bundle", "entry": ' + b"[" * 5000 + b"]" * 5000 + b"}"

CASES: dict[str, Case] = {
    "empty-file": Case(".csv", b"", refused="cannot be read"),
    "header-only": Case(".csv", csv(), refused="no rows"),
    "blank-lines-only": Case(".csv", csv("\n\n\n"), refused="no rows"),
    "binary-garbage": Case(".csv", bytes(range(256)) * 8, refused="cannot be read|missing required"),
    "utf16-encoding": Case(".csv", csv(GOOD).decode().encode("utf-16"), refused="cannot be read|missing"),
    "latin1-value": Case(
        ".csv",
        csv(GOOD, GOOD2).replace(b"F,72", "é,72".encode("latin-1")),
        refused="cannot be|UTF-8",
        records=2,
        invalid=1,
        reasons=("not UTF-8",),
        either=True,
    ),
    "utf8-bom": Case(".csv", b"\xef\xbb\xbf" + csv(GOOD, GOOD2), records=2),
    "semicolon-delimiter": Case(".csv", HEADER.replace(",", ";").encode(), refused="delimiter looks wrong"),
    "tab-delimiter": Case(".csv", (HEADER + GOOD).replace(",", "\t").encode(), refused="delimiter looks"),
    "no-age-column": Case(".csv", b"patient_id,sex\n1,F\n", refused=r"missing required column\(s\): age"),
    "unrelated-table": Case(".csv", b"a,b\n1,2\n", refused="missing required"),
    "missing-age-values": Case(
        ".csv", csv(GOOD, "2,,M,80,82,178,101,I10,\n"), records=2, invalid=1, reasons=("age is missing",)
    ),
    "missing-id": Case(".csv", csv(GOOD, ",61,M,,,,,,\n"), records=2, invalid=1, reasons=("patient_id",)),
    "empty-optional-fields": Case(".csv", csv(GOOD, "2,61,,,,,,,\n"), records=2),
    "not-a-number": Case(
        ".csv", csv(GOOD, "2,abc,M,80,82,178,101,I10,\n"), records=2, invalid=1, reasons=("age='abc'",)
    ),
    "nan-literal": Case(".csv", csv(GOOD, "2,nan,M,80,,,,,\n"), records=2, invalid=1, reasons=("age is",)),
    "infinite-value": Case(
        ".csv", csv(GOOD, "2,61,M,inf,,,,,\n"), records=2, invalid=1, reasons=("heart_rate=inf outside",)
    ),
    "negative-weight": Case(
        ".csv", csv(GOOD, "2,61,M,80,-5,,,,\n"), records=2, invalid=1, reasons=("weight_kg=-5 outside",)
    ),
    "zero-height": Case(
        ".csv", csv(GOOD, "2,61,M,80,,0,,,\n"), records=2, invalid=1, reasons=("height_cm=0 outside",)
    ),
    "huge-number": Case(
        ".csv", csv(GOOD, "2,61,M,80,,,1e308,,\n"), records=2, invalid=1, reasons=("glucose=1e+308",)
    ),
    "negative-age": Case(".csv", csv("1,-3,F,,,,,,\n"), records=1, invalid=1, reasons=("age=-3 outside",)),
    "bad-date": Case(
        ".csv", csv(GOOD, "2,61,M,,,,,,1963-13-45\n"), records=2, invalid=1, reasons=("is not a date",)
    ),
    "wrong-type-sex": Case(".csv", csv("1,54,1,,,,,,\n"), records=1, invalid=1, reasons=("sex=1",)),
    "bad-icd10": Case(
        ".csv", csv("1,54,F,,,,,250.00,\n"), records=1, invalid=1, reasons=("are not ICD-10 codes",)
    ),
    "duplicate-ids": Case(
        ".csv", csv(GOOD, GOOD, GOOD2), records=3, invalid=1, reasons=("patient_id 1 is in 2 rows",)
    ),
    "extra-columns": Case(".csv", csv("1,54,F,,,,,,,x\n", header=HEADER.strip() + ",notes\n"), records=1),
    "too-many-fields": Case(
        ".csv",
        csv(GOOD, "2,61,M,80,82,178,101,I10,1963-01-02,extra\n"),
        refused="row 2|line 3",
        records=2,
        invalid=1,
        either=True,
    ),
    "too-few-fields": Case(
        ".csv", csv(GOOD, "2,61\n"), refused="row 2", records=2, invalid=None, either=True
    ),
    "truncated-last-line": Case(
        ".csv", csv(GOOD) + b"2,6", refused="row 2", records=2, invalid=None, either=True
    ),
    "whitespace-values": Case(".csv", csv(GOOD, "2,  ,M,,,,,,\n"), records=2, invalid=1, reasons=("age",)),
    "huge-value": Case(
        ".csv",
        csv(GOOD, '2,61,M,,,,,"' + "C" * 1_200_000 + '",\n'),
        refused="over the limit",
        records=2,
        invalid=1,
        reasons=("over the limit",),
        either=True,
    ),
    "unterminated-quote": Case(
        ".csv",
        csv(GOOD, '2,61,"M,80\n', "3,70,F,,,,,,\n"),
        refused="cannot be read|quote",
        records=3,
        invalid=1,
        either=True,
    ),
    "parquet-truncated": Case(".parquet", b"PAR1\x00\x01garbage", refused="cannot be read"),
    "parquet-empty": Case(
        ".parquet", parquet(pd.DataFrame({"patient_id": [], "age": []})), refused="no rows"
    ),
    "parquet-text-numbers": Case(
        ".parquet",
        parquet(pd.DataFrame({"patient_id": [1, 2], "age": ["54", "old"]})),
        records=2,
        invalid=1,
        reasons=("age='old' is not a number",),
    ),
    "parquet-nul-byte": Case(
        ".parquet",
        parquet(pd.DataFrame({"patient_id": [1, 2], "age": [54, 61], "race": ["a", "b\x00"]})),
        records=2,
        invalid=1,
        reasons=("holds a NUL byte",),
    ),
    "json-not-json": Case(".json", b"{not json", refused="not a JSON file"),
    "json-not-a-bundle": Case(".json", b'[{"resourceType": "Patient"}]', refused="expected a FHIR Bundle"),
    "json-deep-nesting": Case(".json", DEEP, refused="levels deep, over the limit"),
    "json-empty-bundle": Case(".json", bundle([]), refused="no patients"),
    "json-entry-not-object": Case(
        ".json",
        bundle([patient("1"), observation("1", "o1", "age", 54), 7, "x"]),
        records=3,
        invalid=2,
        reasons=("not a resource",),
    ),
    "json-invalid-value": Case(
        ".json",
        bundle(
            [
                patient("1"),
                observation("1", "o1", "age", 54),
                patient("2"),
                observation("2", "o2", "age", "x"),
            ]
        ),
        records=2,
        invalid=1,
        reasons=("Observation",),
    ),
    "json-unsupported-resource": Case(
        ".json",
        bundle([patient("1"), observation("1", "o1", "age", 54), {"resource": {"resourceType": "Claim"}}]),
        records=2,
        invalid=1,
        reasons=("unsupported resource 'Claim'",),
    ),
    "json-date-out-of-range": Case(
        ".json",
        bundle([patient("1", birthDate="0001-01-01"), observation("1", "o1", "age", 54)]),
        records=1,
        invalid=1,
        reasons=("birth_date=",),
    ),
    "json-utf8-bom": Case(
        ".json", b"\xef\xbb\xbf" + bundle([patient("1"), observation("1", "o", "age", 5)]), records=1
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_input(tmp_path: Path, patients_pm, name: str) -> None:
    case = CASES[name]
    path = tmp_path / f"{name}{case.suffix}"
    if callable(case.content):
        case.content(path)
    else:
        path.write_bytes(case.content)
    dom = patients_pm.domain("patients")
    if case.refused is not None and not case.either:
        with pytest.raises(InvalidDataError, match=case.refused) as info:
            dom.read(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value).strip()
        return
    try:
        batch = dom.read(path)
    except InvalidDataError as exc:
        assert case.either and case.refused is not None, exc
        assert str(path) in str(exc)
        assert __import__("re").search(case.refused, str(exc)), exc
        return
    out = validate_batch(dom, batch, patients_pm.rules("patients"))
    assert len(out.valid) == case.records  # every record in the file is accounted for
    if case.invalid is not None:
        assert int((~out.valid).sum()) == case.invalid, [r for r in out.reasons if r]
    rejected = [r for r, ok in zip(out.reasons, out.valid, strict=True) if not ok]
    rules = {"read", *patients_pm.rules("patients")}
    for reasons in rejected:
        for reason in reasons:
            rule, _, rest = reason.partition(": ")
            # the record is named by its patient, its row, or (when it could not be read) its CSV line
            assert rule in rules and rest.startswith(("patient ", "row ", "CSV line ")), reason
            assert len(reason) <= 1_200
    for expected in case.reasons:
        assert any(expected in r for reasons in rejected for r in reasons), (expected, rejected)


def test_corpus_size() -> None:
    assert len(CASES) >= 25


def test_nul_byte_in_a_csv_value_is_not_read_as_a_shorter_value(tmp_path: Path, patients_pm) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(csv(GOOD, "2,6\x001,M,,,,,,\n"))
    dom = patients_pm.domain("patients")
    try:
        batch = dom.read(path)
    except InvalidDataError:
        return
    out = validate_batch(dom, batch, patients_pm.rules("patients"))
    assert len(out.valid) == 2 and not out.valid[1]


@pytest.mark.parametrize(
    ("args", "content", "code", "text"),
    [
        (("validate",), HEADER.replace(",", ";").encode(), 2, "delimiter looks wrong"),
        (("validate",), b"patient_id,sex\n1,F\n", 2, "missing required column(s): age or birth_date"),
        (("validate",), csv(GOOD, "2,,M,,,,,,\n"), 6, ""),
        (("convert",), b"patient_id,age\nA 1,50\nA-2,60\n", 6, "wrote 1 of 2 patients"),
    ],
)
def test_cli_exit_codes_without_traceback(
    tmp_path: Path, args: tuple[str, ...], content: bytes, code: int, text: str
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    extra = [str(tmp_path / "out.json")] if args[0] == "convert" else []
    os.environ.pop("SYNTHGENESIS_TRACEBACK", None)
    result = CliRunner().invoke(app, [*args, "patients", str(source), *extra])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert text in result.output
