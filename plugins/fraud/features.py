"""Per-transaction features: amount, time of day and week, merchant, and account velocity.

Fraud shows up as unusual amounts, unusual hours, unusual merchants and
bursts of activity on one account, so the features cover each. Velocity
features (time since the account's previous transaction, transactions per
account) are computed over the batch in time order, not file order, so a
file that lists an account's transactions out of order gives the same
features as a sorted one. Rows that could not be read get missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.fraud.schema import as_float, as_text, as_utc
from synthgenesis.types import READ_ERROR_COLUMN

#: Feature columns, in order, with what each one is.
FEATURES: dict[str, str] = {
    "amount": "transaction amount in its own currency",
    "log_amount": "natural log of (1 + amount); amounts span orders of magnitude",
    "hour": "hour of day, UTC (0-23)",
    "day_of_week": "day of week, UTC (0 = Monday)",
    "currency": "ISO 4217 code (categorical)",
    "merchant_category": "merchant category code (categorical)",
    "seconds_since_prev": "seconds since the account's previous transaction in the batch (NaN for its first)",
    "account_txn_count": "number of transactions of the account in the batch",
    "is_fraud": "label: 1 fraudulent, 0 genuine",
}

_NEEDED = ("account_id", "timestamp", "amount", "currency", "merchant_category", "is_fraud")


def featurize(batch: pd.DataFrame) -> pd.DataFrame:
    """One feature row per transaction, same index as ``batch``."""
    missing = [c for c in _NEEDED if c not in batch.columns]
    if missing:
        raise InvalidDataError(f"fraud features need column(s) {', '.join(missing)}")
    ok = np.ones(len(batch), dtype=bool)
    if READ_ERROR_COLUMN in batch.columns:
        ok = batch[READ_ERROR_COLUMN].isna().to_numpy()

    amount = as_float(batch["amount"]).where(ok)
    ts = as_utc(batch["timestamp"]).where(ok)
    account = as_text(batch["account_id"]).where(ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_amount = np.log1p(amount.where(amount >= 0))

    features = pd.DataFrame(
        {
            "amount": amount,
            "log_amount": log_amount,
            "hour": ts.dt.hour.astype(float),
            "day_of_week": ts.dt.dayofweek.astype(float),
            "currency": as_text(batch["currency"]).where(ok),
            "merchant_category": as_text(batch["merchant_category"], pad=4).where(ok),
            "seconds_since_prev": _seconds_since_previous(account, ts),
            "account_txn_count": _account_counts(account),
            "is_fraud": as_float(batch["is_fraud"]).where(ok),
        },
        index=batch.index,
    )
    return features


def _seconds_since_previous(account: pd.Series, ts: pd.Series) -> pd.Series:
    """Gap to the same account's previous transaction in time order (stable for equal times)."""
    frame = pd.DataFrame({"account": account.to_numpy(), "ts": ts.to_numpy()})
    usable = frame["account"].notna() & frame["ts"].notna()
    result = np.full(len(frame), np.nan)
    if usable.any():
        sub = frame[usable].sort_values(["account", "ts"], kind="stable")
        gaps = sub.groupby("account", sort=False)["ts"].diff().dt.total_seconds()
        result[gaps.index.to_numpy()] = gaps.to_numpy(dtype=float)
    return pd.Series(result, index=account.index)


def _account_counts(account: pd.Series) -> pd.Series:
    counts = account.map(account.value_counts(dropna=True))
    return pd.Series(counts.to_numpy(dtype=float), index=account.index)
