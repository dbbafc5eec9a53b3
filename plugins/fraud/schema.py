"""The transaction table: its columns and the coercions every fraud module shares.

A sample is one card or account transaction, one row of a table. Reader,
rules and featurizer all see batches that may come from a file, from storage
or straight from a generator, so the coercions here never raise: a value that
cannot be turned into the column's type becomes missing (``NaN``/``NaT``/
``None``) and the caller decides whether that is an error.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

import numpy as np
import pandas as pd

#: Columns every transaction table must have.
REQUIRED: tuple[str, ...] = (
    "transaction_id",
    "account_id",
    "timestamp",
    "amount",
    "currency",
    "merchant_id",
    "merchant_category",
    "is_fraud",
)
#: Columns a table may have; the balance rule applies only when both are present.
OPTIONAL: tuple[str, ...] = ("balance_before", "balance_after")
#: Identifier and code columns, kept as text so leading zeros ("0742") survive.
TEXT: tuple[str, ...] = ("transaction_id", "account_id", "currency", "merchant_id", "merchant_category")
#: Column holding the stable record id the reader adds (the transaction id).
RECORD_ID = "record_id"

# Whitespace just after a NUL: the start of a value in values joined by NUL (\s is str.strip's whitespace).
_SPACE_AFTER_NUL = re.compile(r"\x00\s")
# A UTC designator or numeric offset after a time of day: "10:00Z", "10:00:00+02:00", "100000-0500".
_OFFSET = r"\d{2}(?::?\d{2}){1,2}(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"

SCHEMA: dict[str, str] = {
    "transaction_id": "unique transaction identifier (text)",
    "account_id": "account or card the transaction was charged to (text)",
    "timestamp": "time of the transaction, ISO 8601; read as UTC (naive times are taken as UTC)",
    "amount": "amount charged to the account, in `currency` (a debit; 0 for an authorisation)",
    "currency": "ISO 4217 alphabetic code, e.g. USD, EUR, JPY",
    "merchant_id": "merchant identifier (text)",
    "merchant_category": "ISO 18245 merchant category code (MCC): 4 digits as text, e.g. '5411'",
    "is_fraud": "label: 1 if the transaction is fraudulent, else 0",
    "balance_before": "optional: account balance before the transaction, in `currency`",
    "balance_after": "optional: account balance after the transaction, in `currency`",
    RECORD_ID: "record id added by the reader: the transaction id (or 'row N' when it is missing)",
}


def is_text(series: pd.Series) -> bool:
    """Whether every value of ``series`` is a string or missing (a string column, or all-``str`` objects)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string"


def _needs_strip(values: list[str]) -> bool:
    """Whether any of ``values`` starts or ends with whitespace, in a few passes over the joined text."""
    joined = "\x00".join(values)
    if joined.split(maxsplit=1) == [joined]:
        return False  # no whitespace anywhere (the common case: ids and codes)
    ends = joined[:1].isspace() or joined[-1:].isspace()
    return bool(ends or _SPACE_AFTER_NUL.search(joined) or _SPACE_AFTER_NUL.search(joined[::-1]))


def _text_value(value: Any, pad: int = 0) -> str | None:
    """One value as stripped text; integers print without '.0' and are zero-padded to ``pad``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            value = int(value)
    if isinstance(value, int | np.integer):
        return str(int(value)).zfill(pad) if int(value) >= 0 else str(int(value))
    text = str(value).strip()
    return text or None


def as_text(series: pd.Series, pad: int = 0) -> pd.Series:
    """``series`` as an object column of stripped strings or ``None``.

    Numbers read from Parquet (``742``) become ``"742"``, or ``"0742"`` with
    ``pad=4``: merchant category codes are 4-digit codes whose leading zeros
    a numeric column loses.
    """
    if is_text(series):
        # text already (what readers and generators give): strip; blanks and missing become None
        missing = series.isna().to_numpy(dtype=bool)
        values = series.to_numpy(dtype=object, copy=True)  # a copy: the caller's column stays as it is
        values[missing] = None
        if _needs_strip(values[~missing].tolist()):
            values = np.array([v.strip() if v is not None else None for v in values.tolist()], dtype=object)
        values[values == ""] = None
        return pd.Series(values, index=series.index, dtype=object)
    return pd.Series([_text_value(v, pad) for v in series.tolist()], index=series.index, dtype=object)


def as_float(series: pd.Series) -> pd.Series:
    """``series`` as float64; anything that is not a number becomes ``NaN``."""
    try:
        out = pd.to_numeric(series, errors="coerce")
        return pd.Series(np.asarray(out, dtype=float), index=series.index)
    except (TypeError, ValueError):
        values = []
        for v in series.tolist():
            try:
                values.append(float(v))
            except (TypeError, ValueError):
                values.append(math.nan)
        return pd.Series(values, index=series.index, dtype=float)


def as_utc(series: pd.Series) -> pd.Series:
    """``series`` as ``datetime64[ns, UTC]``; naive times are taken as UTC.

    Text must be ISO 8601 (``2024-03-01T09:15:00Z``, ``2024-03-01 10:15:00+01:00``);
    bare numbers are refused rather than guessed as epoch seconds or
    nanoseconds. Times with and without an offset are parsed apart: pandas
    parsing them together applies the offset of one to the others.
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
    values = series.tolist()
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns, UTC]")
    text = pd.Series(
        [v.strip() if isinstance(v, str) else None for v in values], index=series.index, dtype=object
    )
    has_offset = text.str.contains(_OFFSET, regex=True, na=False).to_numpy(dtype=bool)
    is_text = text.notna().to_numpy()
    for mask, aware in ((is_text & has_offset, True), (is_text & ~has_offset, False)):
        if not mask.any():
            continue
        try:
            parsed = pd.to_datetime(text[mask], format="ISO8601", errors="coerce", utc=aware)
            out[mask] = parsed if aware else parsed.dt.tz_localize("UTC")
        except (TypeError, ValueError, OverflowError):
            out[mask] = [_one_utc(v) for v in text[mask]]
    # date-time objects (datetime, date, numpy datetime64) in an object column
    for i, v in enumerate(values):
        if not isinstance(v, str) and isinstance(v, datetime.date | np.datetime64):
            out.iat[i] = _one_utc(v)
    return out


def _one_utc(value: Any) -> Any:
    """One value as a nanosecond UTC timestamp, or ``NaT`` (including outside 1677-2262)."""
    try:
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            return pd.NaT
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.as_unit("ns")
    except (TypeError, ValueError, OverflowError):
        return pd.NaT


def show(value: Any) -> str:
    """``repr`` of a cell value for a reason, without numpy's ``np.float64(...)`` wrapping."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def reason_prefixes(batch: pd.DataFrame, rows: list[int] | None = None) -> list[str]:
    """How reasons start for each row (or for ``rows``, by position): ``"transaction <id>: "``.

    Without an id there is nothing stable to name, so the prefix is empty; the
    caller (the validation pipeline) then labels the reason with the row's
    record id or position.
    """
    count = len(batch) if rows is None else len(rows)
    if "transaction_id" not in batch.columns:
        return [""] * count
    ids = (
        batch["transaction_id"]
        if rows is None
        else batch["transaction_id"].iloc[np.asarray(rows, dtype=np.int64)]
    )
    return [f"transaction {t}: " if t is not None else "" for t in as_text(ids).tolist()]
