"""Malformed scenario files: every record is accounted for, named, and nothing crashes.

Each case is one class of malformed input for JSON Lines or ``.json``
scenario files. It is read whole (``read``) and streamed (``read_chunks``),
which must agree, and then checked with every default driving rule through
``validate_batch``: the file's records are all there (valid or rejected,
blank lines aside), every read error names its line or list index, and every
rejection starts with its rule and names the record. Files that cannot be read
at all are refused with one clear error instead. A few cases also go through
``synthgenesis validate driving``.
"""

from __future__ import annotations

import copy
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app
from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import override_limits
from synthgenesis.pipeline import validate_batch
from synthgenesis.types import READ_ERROR_COLUMN

BOM = b"\xef\xbb\xbf"
VALID = "valid"


def _scenario(sid: str, **changes: Any) -> dict[str, Any]:
    """A valid two-vehicle scenario; ``changes`` set top-level keys, ``v0__key`` those of vehicle 0."""
    scenario: dict[str, Any] = {
        "schema_version": 1,
        "id": sid,
        "road": {"lanes": 3, "lane_width": 3.5, "length": 500.0, "speed_limit": 30.0},
        "vehicles": [
            {"id": "ego", "lane": 1, "x": 100.0, "speed": 25.0, "heading": 0.0, "length": 4.5, "width": 1.8,
             "is_ego": True},
            {"id": "car-1", "lane": 1, "x": 160.0, "speed": 25.0, "heading": 0.0, "length": 4.5,
             "width": 1.8, "is_ego": False},
        ],
    }  # fmt: skip
    for key, value in changes.items():
        if key.startswith("v0__"):
            scenario["vehicles"][0][key[4:]] = value
        else:
            scenario[key] = value
    return scenario


def _line(sid: str, **changes: Any) -> bytes:
    return json.dumps(_scenario(sid, **changes)).encode()


def _jsonl(*lines: bytes, end: bytes = b"\n") -> bytes:
    return b"\n".join(lines) + end


GOOD = _line("good")
LAST = _line("last")


@dataclass
class Case:
    """A malformed file and what reading and checking it must give.

    ``expect`` has one entry per record, in file order: ``VALID``, or
    ``(rule, text)``, the rule that rejects it (``read`` for a read error)
    and a piece of its reason. ``refused`` instead: the file is refused with
    an error containing this text.
    """

    suffix: str
    data: bytes
    expect: list[Any] = field(default_factory=list)
    refused: str | None = None
    limits: dict[str, int] = field(default_factory=dict)


def _vehicles(n: int) -> list[dict[str, Any]]:
    return [
        {"id": k, "lane": k % 3, "x": 10.0 + 8.0 * (k // 3), "speed": 20.0, "heading": 0.0, "length": 4.0,
         "width": 1.8, "is_ego": k == 0}
        for k in range(n)
    ]  # fmt: skip


def _dup_key_line() -> bytes:
    text = GOOD.decode().replace('"speed": 25.0', '"speed": 25.0, "speed": 99.0', 1)
    return text.replace('"good"', '"dup-key"').encode()


CASES: dict[str, Case] = {
    # --- the file as a whole
    "jsonl-empty-file": Case(".jsonl", b"", refused="holds no scenarios"),
    "jsonl-blank-lines-only": Case(".jsonl", b"\n  \n\t\r\n", refused="holds no scenarios"),
    "jsonl-utf16": Case(".jsonl", GOOD.decode().encode("utf-16"), refused="UTF-16 text; save it as UTF-8"),
    "jsonl-gzip": Case(".jsonl", gzip.compress(GOOD + b"\n"), refused="gzip-compressed"),
    "jsonl-bom-at-start": Case(".jsonl", BOM + _jsonl(GOOD, LAST), [VALID, VALID]),
    "jsonl-crlf-and-blank-lines": Case(".jsonl", GOOD + b"\r\n\r\n\r\n" + LAST + b"\r\n", [VALID, VALID]),
    "jsonl-binary-garbage": Case(
        ".jsonl",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n",
        [
            ("read", "line 1 (no id): the line is not UTF-8"),
            ("read", "line 2 (no id): not valid JSON"),
            ("read", "line 3 (no id): the line holds a NUL byte at column 1"),
        ],
    ),
    # --- one line
    "jsonl-truncated-last-line": Case(
        ".jsonl", GOOD + b"\n" + LAST[:80], [VALID, ("read", "line 2 (no id): not valid JSON")]
    ),
    "jsonl-bom-mid-file": Case(
        ".jsonl", _jsonl(GOOD, BOM + LAST), [VALID, ("read", "line 2 (no id): not valid JSON (column 1)")]
    ),
    "jsonl-nul-byte": Case(
        ".jsonl",
        _jsonl(GOOD, _line("nul").replace(b'"nul"', b'"n\x00ul"'), LAST),
        [VALID, ("read", "line 2 (no id): the line holds a NUL byte at column"), VALID],
    ),
    "jsonl-latin1-bytes": Case(
        ".jsonl",
        _jsonl(GOOD, _line("cafe").replace(b'"cafe"', b'"caf\xe9"')),  # Latin-1 "é"
        [VALID, ("read", "line 2 (no id): the line is not UTF-8 text (byte 0xe9")],
    ),
    "jsonl-not-json": Case(
        ".jsonl",
        _jsonl(GOOD, b"id: not-json, lanes: 3", LAST),
        [VALID, ("read", "line 2 (no id): not valid JSON (column 1)"), VALID],
    ),
    "jsonl-two-objects-on-a-line": Case(
        ".jsonl", _jsonl(GOOD + b" " + LAST), [("read", "line 1 (no id): not valid JSON (column")]
    ),
    "jsonl-unterminated-string": Case(
        ".jsonl",
        _jsonl(b'{"schema_version": 1, "id": "open', LAST),
        [("read", "line 1 (no id): not valid JSON (column 29): Unterminated string"), VALID],
    ),
    "jsonl-line-over-byte-limit": Case(
        ".jsonl",
        _jsonl(GOOD, _line("long", metadata={"blob": "x" * 6_000}), LAST),
        [VALID, ("read", "line 2 (no id): the line is 6,"), VALID],
        limits={"max_record_bytes": 5_000},
    ),
    "jsonl-deep-nesting": Case(
        ".jsonl",
        _jsonl(GOOD, b"[" * 10_000 + b"]" * 10_000, LAST),
        [
            VALID,
            ("read", "line 2 (no id): the line nests JSON 10,000 levels deep, over the limit of 64"),
            VALID,
        ],
    ),
    "jsonl-too-many-vehicles": Case(
        ".jsonl",
        _jsonl(_line("crowd", vehicles=_vehicles(1_001)), LAST),
        [("read", "scenario 'crowd' (line 1): has 1,001 vehicles, over the limit of 1,000"), VALID],
    ),
    "jsonl-scalar-and-array-lines": Case(
        ".jsonl",
        _jsonl(b"3", b"null", b"[1, 2]", b'"text"'),
        [
            ("read", f"line {k} (no id): scenario must be a JSON object, got {t}")
            for k, t in ((1, "int"), (2, "NoneType"), (3, "list"), (4, "str"))
        ],
    ),
    # --- numbers
    "jsonl-nan-speed": Case(
        ".jsonl",
        _jsonl(_line("nan-speed").replace(b'"speed": 25.0', b'"speed": NaN', 1)),
        [("read", "scenario 'nan-speed' (line 1): vehicles[0].speed must be a finite number, got nan")],
    ),
    "jsonl-infinite-lane-width": Case(
        ".jsonl",
        _jsonl(_line("inf").replace(b'"lane_width": 3.5', b'"lane_width": -Infinity')),
        [("read", "scenario 'inf' (line 1): road.lane_width must be a finite number, got -inf")],
    ),
    "jsonl-overflowing-exponent": Case(
        ".jsonl",
        _jsonl(_line("1e400").replace(b'"x": 100.0', b'"x": 1e400', 1)),
        [("read", "scenario '1e400' (line 1): vehicles[0].x must be a finite number, got inf")],
    ),
    "jsonl-integer-of-5000-digits": Case(
        ".jsonl",
        _jsonl(_line("digits").replace(b'"lanes": 3', b'"lanes": ' + b"9" * 5_000), LAST),
        [("read", "line 1 (no id): not valid JSON: Exceeds the limit"), VALID],
    ),
    "jsonl-speed-as-string": Case(
        ".jsonl",
        _jsonl(_line("text-speed", v0__speed="25")),
        [("read", "scenario 'text-speed' (line 1): vehicles[0].speed must be a number, got '25'")],
    ),
    "jsonl-fractional-lane": Case(
        ".jsonl",
        _jsonl(_line("half-lane", v0__lane=1.5)),
        [("read", "scenario 'half-lane' (line 1): vehicles[0].lane must be an integer, got 1.5")],
    ),
    "jsonl-negative-length": Case(
        ".jsonl",
        _jsonl(_line("neg-length", v0__length=-4.5)),
        [("read", "scenario 'neg-length' (line 1): vehicles[0].length must be > 0, got -4.5")],
    ),
    "jsonl-zero-width": Case(
        ".jsonl",
        _jsonl(_line("zero-width", v0__width=0)),
        [("read", "scenario 'zero-width' (line 1): vehicles[0].width must be > 0, got 0")],
    ),
    "jsonl-negative-speed": Case(
        ".jsonl",
        _jsonl(_line("reversing", v0__speed=-3.0), LAST),
        [("driving-speed-limits", "scenario 'reversing': vehicle 'ego' speed -3.0 m/s is negative"), VALID],
    ),
    # --- structure
    "jsonl-vehicles-not-a-list": Case(
        ".jsonl",
        _jsonl(_line("dict-vehicles", vehicles={"ego": {}})),
        [("read", "scenario 'dict-vehicles' (line 1): vehicles must be a list, got dict")],
    ),
    "jsonl-missing-required-field": Case(
        ".jsonl",
        _jsonl(json.dumps({k: v for k, v in _scenario("no-road").items() if k != "road"}).encode(), LAST),
        [("read", "scenario 'no-road' (line 1): scenario is missing key(s) 'road'"), VALID],
    ),
    "jsonl-missing-vehicle-field": Case(
        ".jsonl",
        _jsonl(_line("no-speed").replace(b'"speed": 25.0, ', b"", 1)),
        [("read", "scenario 'no-speed' (line 1): vehicles[0] is missing key(s) 'speed'")],
    ),
    "jsonl-unknown-field": Case(
        ".jsonl",
        _jsonl(_line("typo", v0__sped=3.0)),
        [("read", "scenario 'typo' (line 1): vehicles[0] has unknown key(s) 'sped'")],
    ),
    "jsonl-duplicate-json-key": Case(
        ".jsonl",
        _jsonl(_dup_key_line(), LAST),
        [("read", "line 1 (no id): not valid scenario JSON: key 'speed' appears twice in one object"), VALID],
    ),
    "jsonl-duplicate-vehicle-ids": Case(
        ".jsonl",
        _jsonl(_line("twins").replace(b'"id": "car-1"', b'"id": "ego"')),
        [("read", "scenario 'twins' (line 1): vehicles[1].id 'ego' repeats vehicles[0].id")],
    ),
    "jsonl-duplicate-scenario-ids": Case(
        ".jsonl",
        _jsonl(GOOD, GOOD),
        [VALID, ("read", "scenario 'good' (line 2): scenario id repeats the one at line 1")],
    ),
    "jsonl-huge-id": Case(
        ".jsonl",
        _jsonl(_line("x" * 10_000), LAST),
        [("read", "line 1 (no id): id must be non-empty text of at most 200 characters"), VALID],
    ),
    "jsonl-id-with-control-characters": Case(
        ".jsonl",
        _jsonl(_line("a\nb\u0007"), _line("\ud800")),
        [("read", "line 1 (no id): id must be"), ("read", "line 2 (no id): id must be")],
    ),
    "jsonl-nan-in-metadata": Case(
        ".jsonl",
        _jsonl(_line("nan-meta", metadata={"score": 1.0}).replace(b'"score": 1.0', b'"score": NaN')),
        [("read", "scenario 'nan-meta' (line 1): metadata must be JSON data: Out of range float values")],
    ),
    "jsonl-future-schema-version": Case(
        ".jsonl",
        _jsonl(_line("v2", schema_version=2), LAST),
        [("read", "scenario 'v2' (line 1): schema_version 2 is not supported (known: 1)"), VALID],
    ),
    # --- physics the rules reject (the file is fine)
    "jsonl-overlapping-vehicles": Case(
        ".jsonl",
        _jsonl(_line("crash").replace(b'"x": 160.0', b'"x": 102.0')),
        [("driving-no-overlap", "scenario 'crash': vehicles 'ego' and 'car-1' overlap by 1.80 m")],
    ),
    "jsonl-no-ego": Case(
        ".jsonl",
        _jsonl(_line("no-ego", v0__is_ego=False)),
        [("driving-single-ego", "scenario 'no-ego': no vehicle is the ego")],
    ),
    # --- .json files
    "json-empty-file": Case(".json", b"", refused="holds no scenarios (the file is empty)"),
    "json-empty-list": Case(".json", b"[ ]\n", refused="holds no scenarios"),
    "json-scalar": Case(".json", b"42\n", refused="expected a scenario object or a list of them, found '42"),
    "json-latin1": Case(".json", b'[{"id": "caf\xe9"}]', refused="not UTF-8 text (byte 0xe9 on line 1)"),
    "json-bom": Case(".json", BOM + b"[" + GOOD + b", " + LAST + b"]", [VALID, VALID]),
    "json-truncated-list": Case(
        ".json",
        b"[" + GOOD + b",\n" + LAST[:60],
        [
            VALID,
            (
                "read",
                "index 1 (no id): not valid JSON at line 2, column 58: Unterminated string starting at; "
                "the file ends inside this element (truncated?)",
            ),
        ],
    ),
    "json-trailing-comma": Case(
        ".json",
        b"[" + GOOD + b", " + LAST + b",]",
        [VALID, VALID, ("read", "index 2 (no id): empty element at line 1")],
    ),
    "json-missing-comma": Case(
        ".json",
        b"[" + GOOD + b"\n" + LAST + b"]",
        [VALID, ("read", "after index 0 (no id): expected ',' or ']' at line 2, column 1"), VALID],
    ),
    "json-text-after-the-list": Case(
        ".json",
        b"[" + GOOD + b"]\n[" + LAST + b"]",
        [VALID, ("read", "after the list (no id): unexpected text after the list at line 2, column 1")],
    ),
    "json-deep-element": Case(
        ".json",
        b"[" + GOOD + b", " + b"[" * 5_000 + b"]" * 5_000 + b", " + LAST + b"]",
        [VALID, ("read", "index 1 (no id): the scenario nests JSON 5,000 levels deep"), VALID],
    ),
    "json-element-not-an-object": Case(
        ".json",
        b"[" + GOOD + b", 7, " + LAST + b"]",
        [VALID, ("read", "index 1 (no id): scenario must be a JSON object, got int"), VALID],
    ),
    "json-element-over-byte-limit": Case(
        ".json",
        b"[" + GOOD + b", " + _line("fat", metadata={"blob": "y" * 6_000}) + b", " + LAST + b"]",
        [VALID, ("read", "index 1 (no id): the scenario is 6,"), VALID],
        limits={"max_record_bytes": 5_000},
    ),
    "json-single-object-too-big": Case(
        ".json",
        _line("huge", metadata={"blob": "z" * 6_000}),
        [("read", "index 0 (no id): the file is 6,")],
        limits={"max_record_bytes": 5_000},
    ),
}


@pytest.fixture(scope="module")
def domain_and_rules(pm):
    return pm.domain("driving"), pm.rules("driving")


def _record_named(reason: str, record_id: str) -> bool:
    return record_id in reason


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_input(name: str, tmp_path: Path, domain_and_rules) -> None:
    case = CASES[name]
    domain, rules = domain_and_rules
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.data)
    with override_limits(**case.limits):
        if case.refused is not None:
            with pytest.raises(InvalidDataError) as info:
                domain.read(path)
            message = str(info.value)
            assert case.refused in message and "\n" not in message and str(path) in message
            with pytest.raises(InvalidDataError, match=r"\S"):
                list(domain.read_chunks(path, 2))
            return
        batch = domain.read(path)
        chunks = pd.concat(list(domain.read_chunks(path, 1)), ignore_index=True)
    pd.testing.assert_frame_equal(batch, chunks)  # streamed and whole reads agree
    assert len(batch) == len(case.expect), batch[READ_ERROR_COLUMN].tolist()
    outcome = validate_batch(domain, batch, rules)
    assert int(outcome.valid.sum()) + int((~outcome.valid).sum()) == len(case.expect)
    rule_names = {"read", *rules}
    for index, expected in enumerate(case.expect):
        reasons = outcome.reasons[index]
        if expected == VALID:
            assert outcome.valid[index] and not reasons, reasons
            continue
        rule, text = expected
        assert not outcome.valid[index]
        assert all(r.split(":", 1)[0] in rule_names for r in reasons), reasons
        assert any(r.startswith(f"{rule}: ") and text in r for r in reasons), reasons
        record = str(batch["record_id"].iat[index])
        assert all(_record_named(r, record) for r in reasons), (record, reasons)
    for stats in outcome.stats.values():
        for example in stats.examples:  # examples name the record they are about
            assert example.startswith(("scenario ", "record_id=")), example


def test_corpus_is_broad() -> None:
    assert len(CASES) >= 25
    assert {case.suffix for case in CASES.values()} == {".json", ".jsonl"}
    assert sum(case.suffix == ".json" for case in CASES.values()) >= 10


def test_corpus_scenarios_are_otherwise_valid(domain_and_rules) -> None:
    """The base scenario passes every rule, so each case's rejection comes from its defect."""
    domain, rules = domain_and_rules
    batch = pd.DataFrame(
        {"record_id": ["good"], "scenario": pd.Series([copy.deepcopy(_scenario("good"))], dtype=object)}
    )
    assert validate_batch(domain, batch, rules).valid.all()


# ----------------------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "exit_code", "text"),
    [
        ("jsonl-bom-at-start", 0, "2 of 2 records valid"),
        ("jsonl-deep-nesting", 6, "2 of 3 records valid"),
        ("jsonl-too-many-vehicles", 6, "1 of 2 records valid"),
        ("jsonl-truncated-last-line", 6, "1 of 2 records valid"),
        ("jsonl-nan-speed", 6, "0 of 1 records valid"),
        ("json-deep-element", 6, "2 of 3 records valid"),
        ("jsonl-utf16", 2, "UTF-16 text"),
        ("json-empty-list", 2, "holds no scenarios"),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_cli_validate(name: str, exit_code: int, text: str, chunked: bool, tmp_path: Path) -> None:
    case = CASES[name]
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.data)
    args = ["validate", "driving", str(path)] + (["--block-size", "1"] if chunked else [])
    result = runner.invoke(app, args)
    output = " ".join(result.output.split())
    assert result.exit_code == exit_code, result.output
    assert text in output
    assert "Traceback" not in result.output
