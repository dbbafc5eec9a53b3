"""Transaction features: known values, time-order velocity, read errors."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.fraud.features import FEATURES, featurize


def test_known_values(make_batch, transaction) -> None:
    batch = make_batch(
        # Friday 2024-03-01 23:30 UTC (00:30 in Paris)
        transaction(transaction_id="a", account_id="A", timestamp="2024-03-02T00:30:00+01:00", amount="99"),
        transaction(
            transaction_id="b",
            account_id="B",
            timestamp="2024-03-04T08:00:00Z",
            amount="0.5",
            currency="EUR",
            merchant_category="0742",
            is_fraud="1",
        ),
        transaction(transaction_id="c", account_id="A", timestamp="2024-03-01T23:40:00Z", amount="1"),
    )
    feats = featurize(batch)
    assert list(feats.columns) == list(FEATURES)
    assert feats["amount"].tolist() == [99.0, 0.5, 1.0]
    assert feats["log_amount"].iat[0] == pytest.approx(math.log(100.0))
    assert feats["hour"].tolist() == [23.0, 8.0, 23.0]
    assert feats["day_of_week"].tolist() == [4.0, 0.0, 4.0]  # Friday, Monday, Friday
    assert feats["currency"].tolist() == ["USD", "EUR", "USD"]
    assert feats["merchant_category"].iat[1] == "0742"
    assert feats["account_txn_count"].tolist() == [2.0, 1.0, 2.0]
    assert feats["is_fraud"].tolist() == [0.0, 1.0, 0.0]


def test_velocity_follows_time_not_file_order(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="late", timestamp="2024-03-01T10:10:00Z"),
        transaction(transaction_id="early", timestamp="2024-03-01T10:00:00Z"),
        transaction(transaction_id="other", account_id="A2", timestamp="2024-03-01T10:05:00Z"),
        transaction(transaction_id="latest", timestamp="2024-03-01T11:10:00Z"),
    )
    gaps = featurize(batch)["seconds_since_prev"].tolist()
    assert math.isnan(gaps[1]) and math.isnan(gaps[2])  # first of their account
    assert gaps[0] == 600.0 and gaps[3] == 3600.0


def test_unreadable_rows_get_missing_features(make_batch, transaction) -> None:
    batch = make_batch(transaction(transaction_id="ok"), transaction(transaction_id="bad", amount="x"))
    batch.index = [10, 20]
    feats = featurize(batch)
    assert list(feats.index) == [10, 20]
    assert feats.loc[20].isna().all()
    assert feats.loc[10, "account_txn_count"] == 1.0  # the unreadable row does not count


def test_generator_batch_without_reader_columns() -> None:
    batch = pd.DataFrame(
        {
            "account_id": ["A", "A"],
            "timestamp": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 10:01"]),
            "amount": [5.0, -1.0],
            "currency": ["USD", "USD"],
            "merchant_category": ["5411", "5411"],
            "is_fraud": [0, 1],
        }
    )
    feats = featurize(batch)
    assert feats["seconds_since_prev"].iat[1] == 60.0
    assert math.isnan(feats["log_amount"].iat[1])  # no log of a negative amount


def test_missing_columns_are_named() -> None:
    with pytest.raises(InvalidDataError, match="account_id, timestamp"):
        featurize(pd.DataFrame({"amount": [1.0]}))
