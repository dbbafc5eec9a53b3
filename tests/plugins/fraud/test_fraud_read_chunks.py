"""Reading transaction files in chunks gives what reading them whole gives, row names included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthgenesis.plugins.fraud import table
from synthgenesis.plugins.fraud.simulator import FraudSimulator


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return FraudSimulator().sample(5000, seed=3)


def damaged_csv(batch: pd.DataFrame, path: Path) -> Path:
    table.write(batch, path)
    lines = path.read_text().splitlines()
    lines[3210] += ",x,y"  # too many fields
    lines[777] = "," + lines[777].split(",", 1)[1]  # no transaction id
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_chunks_equal_the_whole_read_even_past_a_malformed_line(
    transactions: pd.DataFrame, tmp_path: Path
) -> None:
    path = damaged_csv(transactions, tmp_path / "tx.csv")
    whole = table.read(path)
    chunks = list(table.read_chunks(path, 700))
    assert [len(c) for c in chunks] == [700] * 7 + [100]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    errors = whole["_read_error"].dropna().tolist()
    assert errors[0] == "row 777 (no transaction_id): transaction_id is missing"
    assert errors[1].startswith("row 3210: CSV line 3211 has 14 fields, the header has 12")


def test_parquet_chunks_equal_the_whole_read(transactions: pd.DataFrame, tmp_path: Path) -> None:
    table.write(transactions, tmp_path / "tx.parquet")
    whole = table.read(tmp_path / "tx.parquet")
    chunks = list(table.read_chunks(tmp_path / "tx.parquet", 1200))
    assert len(chunks) == 5
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
