"""Reading and writing transaction tables: parsing, bad rows, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.fraud import table
from synthgenesis.plugins.fraud.schema import REQUIRED
from synthgenesis.types import READ_ERROR_COLUMN


def test_valid_example_reads_clean(examples: Path) -> None:
    batch = table.read(examples / "transactions.csv")
    assert len(batch) == 22
    assert batch[READ_ERROR_COLUMN].isna().all()
    assert list(batch["record_id"]) == list(batch["transaction_id"])
    assert str(batch["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert batch["amount"].dtype == float
    # the veterinary MCC keeps its leading zero because codes are read as text
    assert batch.loc[batch["transaction_id"] == "TX-000013", "merchant_category"].item() == "0742"
    assert batch.loc[batch["transaction_id"] == "TX-000003", "amount"].item() == 1280.0


def test_invalid_example_keeps_good_rows_and_names_bad_ones(examples: Path) -> None:
    batch = table.read(examples / "transactions_invalid.csv")
    assert len(batch) == 23
    errors = dict(zip(batch["record_id"], batch[READ_ERROR_COLUMN], strict=True))
    assert errors["TX-000003"] == (
        "transaction TX-000003: timestamp '2024-03-01T25:61:00Z' cannot be parsed as an ISO 8601 time"
    )
    assert errors["TX-000005"] == "transaction TX-000005: amount '12,750' is not a finite number"
    assert errors["TX-000012"] == "transaction TX-000012: account_id is missing"
    assert errors["TX-000015"] == "transaction TX-000015: is_fraud 'yes' is not 0 or 1"
    assert errors["row 22"].startswith("row 22: CSV line 23 has 11 fields, the header has 10: 'TX-000021,")
    assert batch[READ_ERROR_COLUMN].notna().sum() == 5
    # the row after the malformed line is intact
    assert batch["transaction_id"].iat[22] == "TX-000022" and batch[READ_ERROR_COLUMN].iat[22] is None


def test_missing_required_columns_are_named(tmp_path: Path, transaction) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame([transaction()]).drop(columns=["currency", "is_fraud"]).to_csv(path, index=False)
    with pytest.raises(InvalidDataError, match="missing required column\\(s\\) currency, is_fraud"):
        table.read(path)


def test_timestamps_become_utc(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="a", timestamp="2024-03-01T10:00:00Z"),
        transaction(transaction_id="b", timestamp="2024-03-01 12:00:00+02:00"),
        transaction(transaction_id="c", timestamp="2024-03-01T10:00:00"),
    )
    assert batch[READ_ERROR_COLUMN].isna().all()
    assert (batch["timestamp"] == pd.Timestamp("2024-03-01T10:00:00Z")).all()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timestamp", "yesterday", "timestamp 'yesterday' cannot be parsed as an ISO 8601 time"),
        ("timestamp", "1709287200", "timestamp '1709287200' cannot be parsed as an ISO 8601 time"),
        ("timestamp", None, "timestamp is missing"),
        ("amount", "ten", "amount 'ten' is not a finite number"),
        ("amount", "inf", "amount 'inf' is not a finite number"),
        ("amount", None, "amount is missing"),
        ("is_fraud", "2", "is_fraud '2' is not 0 or 1"),
        ("merchant_id", "  ", "merchant_id is missing"),
    ],
)
def test_one_bad_field_is_one_named_error(
    make_batch, transaction, field: str, value: object, message: str
) -> None:
    batch = make_batch(
        transaction(transaction_id="good"), transaction(transaction_id="bad", **{field: value})
    )
    assert batch[READ_ERROR_COLUMN].iat[0] is None
    assert batch[READ_ERROR_COLUMN].iat[1] == f"transaction bad: {message}"


def test_row_without_id_is_named_by_position(make_batch, transaction) -> None:
    batch = make_batch(transaction(), transaction(transaction_id=None))
    assert batch["record_id"].tolist() == ["T1", "row 2"]
    assert batch[READ_ERROR_COLUMN].iat[1] == "row 2 (no transaction_id): transaction_id is missing"


def test_parquet_numbers_become_text(tmp_path: Path, transaction) -> None:
    raw = pd.DataFrame([transaction()])
    raw["transaction_id"] = [123]
    raw["merchant_category"] = [742]
    raw["amount"] = [10.5]
    raw["is_fraud"] = [True]
    raw["timestamp"] = pd.to_datetime(raw["timestamp"])
    path = tmp_path / "t.parquet"
    raw.to_parquet(path)
    batch = table.read(path)
    assert batch["transaction_id"].item() == "123"
    assert batch["merchant_category"].item() == "0742"
    assert batch["is_fraud"].item() == 1
    assert batch[READ_ERROR_COLUMN].item() is None


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_read_round_trip(examples: Path, tmp_path: Path, suffix: str) -> None:
    batch = table.read(examples / "transactions.csv")
    table.write(batch, tmp_path / f"t{suffix}")
    again = table.read(tmp_path / f"t{suffix}")
    pd.testing.assert_frame_equal(batch, again)


def test_written_file_has_native_columns_only(examples: Path, tmp_path: Path) -> None:
    table.write(table.read(examples / "transactions.csv"), tmp_path / "t.csv")
    header = (tmp_path / "t.csv").read_text().splitlines()[0].split(",")
    assert header[: len(REQUIRED)] == list(REQUIRED)
    assert "record_id" not in header and READ_ERROR_COLUMN not in header


def test_storage_round_trip_keeps_read_errors(examples: Path, tmp_path: Path) -> None:
    batch = table.read(examples / "transactions_invalid.csv")
    stored = table.to_storage(batch)
    stored.to_parquet(tmp_path / "s.parquet")
    again = table.from_storage(pd.read_parquet(tmp_path / "s.parquet"))
    pd.testing.assert_frame_equal(batch, again)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="no such file"):
        table.read(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidDataError, match="cannot be read as csv"):
        table.read(tmp_path / "empty.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(InvalidDataError, match="unsupported table format"):
        table.read(tmp_path / "t.xlsx")


_cell = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({c: _cell for c in REQUIRED}), min_size=1, max_size=6))
def test_garbled_rows_never_abort_parsing(rows: list[dict[str, object]]) -> None:
    batch = table.parse_table(pd.DataFrame(rows), source="garbled")
    assert len(batch) == len(rows)
    for error, record in zip(batch[READ_ERROR_COLUMN], batch["record_id"], strict=True):
        assert error is None or (isinstance(error, str) and str(record) in error)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet='ab,"\n\r0123456789.-:TZ ', max_size=40), min_size=1, max_size=4))
def test_garbled_csv_lines_never_lose_the_good_row(tmp_path_factory, lines: list[str]) -> None:
    good = "GOOD,A1,2024-03-01T10:00:00Z,10.50,USD,M1,5411,0"
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(",".join(REQUIRED) + "\n" + good + "\n" + "\n".join(lines) + "\n")
    try:
        batch = table.read(path)
    except InvalidDataError:
        return  # a garbled line can break the CSV quoting of the whole rest of the file; that is reported
    first = batch.iloc[0]
    assert first["transaction_id"] == "GOOD" and first[READ_ERROR_COLUMN] is None


def test_storage_keeps_the_batch_error_column_as_it_was(make_batch, transaction) -> None:
    batch = make_batch(transaction(), transaction(transaction_id="T2", amount="x"))
    batch[READ_ERROR_COLUMN] = None  # e.g. a generated batch: nothing was read, so nothing failed reading
    again = table.from_storage(table.to_storage(batch))
    assert again[READ_ERROR_COLUMN].tolist() == [None, None]
    assert again["amount"].isna().tolist() == [False, True]
