"""Money and output of the fraud simulator: balances in whole minor units, pay days, the table.

Balances are kept in whole minor units of the currency (cents, yen, fils),
so ``balance_after = balance_before - amount`` holds exactly and
``balance_before`` of the next purchase equals ``balance_after`` of the
previous one plus any income paid in between.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from synthgenesis.plugins.fraud.agents import Market
from synthgenesis.plugins.fraud.currencies import minor_unit
from synthgenesis.plugins.fraud.fraud_patterns import GENUINE, SCENARIOS
from synthgenesis.plugins.fraud.schema import OPTIONAL, REQUIRED

#: Output columns, in order: the domain's columns, then what the simulator knows besides.
COLUMNS: tuple[str, ...] = (*REQUIRED, *OPTIONAL, "channel", "fraud_scenario")


def concat_rows(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rows of ``a`` followed by those of ``b`` (the keys of ``a``)."""
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def sorted_rows(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows by customer, then time (stable: equal times keep their order)."""
    order = np.lexsort((rows["t"], rows["cust"]))
    return {k: v[order] for k, v in rows.items()}


def minor_units(values: np.ndarray) -> np.ndarray:
    """Amounts rounded to whole minor units, at least one."""
    return np.maximum(1, np.rint(values)).astype(np.int64)


class Paydays:
    """How many pay days (midnight UTC of the customer's day of the month) fall in (start, start + t]."""

    def __init__(self, start_seconds: int, payday: np.ndarray) -> None:
        self.start = start_seconds
        self.payday = payday
        self.at_start = self._index(np.zeros(len(payday), dtype=np.int64), payday)

    def _index(self, t: np.ndarray, payday: np.ndarray) -> np.ndarray:
        moment = (self.start + t).astype("datetime64[s]")
        month = moment.astype("datetime64[M]")
        day = (moment.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) + 1
        return month.astype(np.int64) + (day >= payday)

    def count(self, t: np.ndarray, cust: np.ndarray) -> np.ndarray:
        """Pay days of each customer ``cust`` from the start through ``t`` seconds after it."""
        return self._index(t, self.payday[cust]) - self.at_start[cust]


def balance_at(
    rows: dict[str, np.ndarray],
    who: np.ndarray,
    t: np.ndarray,
    opening: np.ndarray,
    income: np.ndarray,
    pay: Paydays,
) -> np.ndarray:
    """Balance (minor units) of each customer ``who`` just after ``t``; ``rows`` sorted by customer, time."""
    if len(who) == 0:
        return np.zeros(0)
    shift = np.int64(1) << 34  # above any time offset in seconds (3660 days < 2**34 s)
    key = rows["cust"] * shift + rows["t"]
    lo = np.searchsorted(key, who * shift, side="left")
    hi = np.searchsorted(key, who * shift + t, side="right")
    spent = np.r_[0, np.cumsum(rows["amount"])]
    return (opening[who] + income[who] * pay.count(t, who) - (spent[hi] - spent[lo])).astype(float)


def empty_frame() -> pd.DataFrame:
    """No rows, with the columns and dtypes of :func:`transaction_frame`."""
    out = {c: pd.Series([], dtype=object) for c in COLUMNS}
    out["timestamp"] = pd.Series([], dtype="datetime64[ns, UTC]")
    for c in ("amount", "balance_before", "balance_after"):
        out[c] = pd.Series([], dtype=float)
    out["is_fraud"] = pd.Series([], dtype="Int8")
    return pd.DataFrame(out)


def transaction_frame(
    rows: Mapping[str, np.ndarray],
    market: Market,
    account_ids: list[str],
    codes: list[str],
    currency: np.ndarray,
    start_seconds: int,
) -> pd.DataFrame:
    """The transaction table, in time order (each account's rows keep their order)."""
    order = np.lexsort((np.arange(len(rows["t"])), rows["t"]))
    cust = rows["cust"][order]
    merchant = rows["merchant"][order]
    scenario = rows["scenario"][order]
    seq = rows["seq"][order]
    cur = currency[cust]
    unit = np.array([10.0 ** int(minor_unit(c) or 0) for c in codes])[cur]
    amount = rows["amount"][order]
    before = rows["before"][order]
    accounts = np.array(account_ids, dtype=object)[cust]
    ns = (start_seconds + rows["t"][order]) * 1_000_000_000
    return pd.DataFrame(
        {
            "transaction_id": pd.Series(
                [f"{a}-{s:05d}" for a, s in zip(accounts.tolist(), seq.tolist(), strict=True)], dtype=object
            ),
            "account_id": pd.Series(accounts, dtype=object),
            "timestamp": pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC"),
            "amount": amount / unit,
            "currency": pd.Series(np.array(codes, dtype=object)[cur], dtype=object),
            "merchant_id": pd.Series(market.ids[merchant], dtype=object),
            "merchant_category": pd.Series(market.mcc[merchant], dtype=object),
            "is_fraud": pd.array((scenario != GENUINE).astype(np.int8), dtype="Int8"),
            "balance_before": before / unit,
            "balance_after": (before - amount) / unit,
            "channel": pd.Series(market.channel[merchant], dtype=object),
            "fraud_scenario": pd.Series(np.array(SCENARIOS, dtype=object)[scenario], dtype=object),
        }
    )
