"""Reading and writing scenario files: bad records isolated, round trips exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.driving import files
from synthgenesis.types import READ_ERROR_COLUMN


def test_valid_example_reads_clean(examples: Path) -> None:
    batch = files.read(examples / "scenarios.json")
    assert batch["record_id"].tolist() == [
        "motorway-free-flow-001",
        "urban-arterial-002",
        "merge-congestion-003",
    ]
    assert batch[READ_ERROR_COLUMN].isna().all()
    first = batch["scenario"].iat[0]
    assert first["road"]["lanes"] == 3 and len(first["vehicles"]) == 8


def test_invalid_example_isolates_bad_records(examples: Path) -> None:
    batch = files.read(examples / "scenarios_invalid.jsonl")
    assert len(batch) == 12
    errors = dict(zip(batch["record_id"], batch[READ_ERROR_COLUMN], strict=True))
    assert errors["line 2"].startswith("scenario at line 2 (no id): not valid JSON (column")
    assert (
        errors["missing-speed-003"]
        == "scenario 'missing-speed-003' (line 3): vehicles[1] is missing key(s) 'speed'"
    )
    assert errors["future-version-009"].endswith("schema_version 2 is not supported (known: 1)")
    assert "unknown key(s) 'sped'" in errors["typo-010"]
    assert sum(e is not None for e in errors.values()) == 4
    for rid in ("ok-001", "overlap-004", "speeding-005", "off-road-006", "dimensions-007", "two-egos-008"):
        assert errors[rid] is None
        assert batch.loc[batch["record_id"] == rid, "scenario"].item()["id"] == rid
    assert batch.loc[batch["record_id"] == "line 2", "scenario"].item() is None


def test_single_scenario_object(tmp_path: Path, scenario) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(scenario(sid="only")))
    batch = files.read(path)
    assert batch["record_id"].tolist() == ["only"] and batch[READ_ERROR_COLUMN].item() is None


def test_record_without_id_is_named_by_position(tmp_path: Path, scenario) -> None:
    bad = scenario()
    del bad["id"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps([scenario(sid="a"), bad]))
    batch = files.read(path)
    assert batch["record_id"].tolist() == ["a", "index 1"]
    assert batch[READ_ERROR_COLUMN].iat[1] == "scenario at index 1 (no id): scenario is missing key(s) 'id'"


def test_duplicate_scenario_ids(tmp_path: Path, scenario) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(scenario(sid="a")) + "\n\n" + json.dumps(scenario(sid="a")) + "\n")
    batch = files.read(path)
    assert batch[READ_ERROR_COLUMN].tolist() == [
        None,
        "scenario 'a' (line 3): scenario id repeats the one at line 1",
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "num.json").write_text("3")
    with pytest.raises(InvalidDataError, match="expected a scenario object or a list"):
        files.read(tmp_path / "num.json")
    with pytest.raises(InvalidDataError, match="no such file"):
        files.read(tmp_path / "missing.json")
    (tmp_path / "s.yaml").write_text("a: 1")
    with pytest.raises(InvalidDataError, match="unsupported scenario format"):
        files.read(tmp_path / "s.yaml")
    (tmp_path / "latin1.json").write_bytes(b'[{"id": "\xe9"}]')
    with pytest.raises(InvalidDataError, match=r"not UTF-8 text \(byte 0xe9 on line 1\)"):
        files.read(tmp_path / "latin1.json")
    for empty in ("", "  \n", "[]"):
        (tmp_path / "empty.json").write_text(empty)
        with pytest.raises(InvalidDataError, match="holds no scenarios"):
            files.read(tmp_path / "empty.json")


def test_bad_records_are_rows_not_refused_files(tmp_path: Path) -> None:
    (tmp_path / "cut.json").write_text('[{"id": ')
    batch = files.read(tmp_path / "cut.json")
    assert batch[READ_ERROR_COLUMN].tolist() == [
        "scenario at index 0 (no id): not valid JSON at line 1, column 9: Expecting value; "
        "the file ends inside this element (truncated?)"
    ]
    (tmp_path / "latin1.jsonl").write_bytes(b'{"id": "\xe9"}\n')
    assert files.read(tmp_path / "latin1.jsonl")[READ_ERROR_COLUMN].tolist() == [
        "scenario at line 1 (no id): the line is not UTF-8 text "
        "(byte 0xe9 at column 9: invalid continuation byte)"
    ]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_write_read_round_trip(examples: Path, tmp_path: Path, suffix: str) -> None:
    batch = files.read(examples / "scenarios.json")
    files.write(batch, tmp_path / f"s{suffix}")
    again = files.read(tmp_path / f"s{suffix}")
    pd.testing.assert_frame_equal(batch, again)


def test_write_accepts_numpy_values_and_refuses_missing_samples(
    tmp_path: Path, scenario, vehicle, batch_of
) -> None:
    sample = scenario(vehicle("ego", 1, np.float64(120.5), is_ego=True, speed=np.float32(20.0)))
    files.write(batch_of(sample), tmp_path / "np.jsonl")
    assert files.read(tmp_path / "np.jsonl")["scenario"].item()["vehicles"][0]["x"] == 120.5
    with pytest.raises(InvalidDataError, match=r"1 row\(s\) without a scenario \(#1\)"):
        files.write(batch_of(sample, None), tmp_path / "s.json")
    bad = scenario()
    bad["vehicles"][0]["x"] = float("nan")
    with pytest.raises(InvalidDataError, match="cannot write scenarios as JSON"):
        files.write(batch_of(bad), tmp_path / "nan.json")


def test_storage_round_trip(examples: Path, tmp_path: Path) -> None:
    batch = files.read(examples / "scenarios_invalid.jsonl")
    stored = files.to_storage(batch)
    assert all(isinstance(s, str) or s is None for s in stored["scenario"])
    stored.to_parquet(tmp_path / "s.parquet")
    again = files.from_storage(pd.read_parquet(tmp_path / "s.parquet"))
    pd.testing.assert_frame_equal(batch, again)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet='{}[]",:0123456789abc \\', max_size=30), min_size=1, max_size=5))
def test_garbled_jsonl_lines_never_lose_the_good_record(tmp_path_factory, lines: list[str]) -> None:
    good = {
        "schema_version": 1,
        "id": "good",
        "road": {"lanes": 1, "lane_width": 3.5, "length": 100.0, "speed_limit": 20.0},
        "vehicles": [],
    }
    path = tmp_path_factory.mktemp("jsonl") / "s.jsonl"
    path.write_text(json.dumps(good) + "\n" + "\n".join(line.replace("\n", " ") for line in lines) + "\n")
    batch = files.read(path)
    assert batch["record_id"].iat[0] == "good" and batch[READ_ERROR_COLUMN].iat[0] is None
    assert all(e is None or isinstance(e, str) for e in batch[READ_ERROR_COLUMN])
