"""Read and write transaction tables (CSV, Parquet) without losing a file to one bad row.

:func:`parse_table` turns a raw table into a batch: identifiers and codes as
text, ``timestamp`` as UTC, amounts and balances as floats, ``is_fraud`` as a
nullable 0/1 integer. A row whose fields cannot be parsed keeps what could be
read and gets a ``_read_error`` naming the transaction and the field, so
validation reports it next to the rows that read fine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import iter_table, read_table, write_table
from synthgenesis.limits import check_record_bytes, limits, shown
from synthgenesis.plugins.fraud.schema import (
    OPTIONAL,
    RECORD_ID,
    REQUIRED,
    TEXT,
    as_float,
    as_text,
    as_utc,
    show,
)
from synthgenesis.readers import require_records, wrong_delimiter
from synthgenesis.types import READ_ERROR_COLUMN

FORMATS = (".csv", ".parquet", ".pq")

# CSV fields as text: identifiers and codes keep their leading zeros; only empty fields are missing.
_CSV_TEXT: dict[str, Any] = {"dtype": str, "keep_default_na": False, "na_values": [""]}
_LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


def read(path: str | Path) -> pd.DataFrame:
    """Read a transaction table; records that cannot be read come back with a ``_read_error``.

    CSV is cut into records by :func:`synthgenesis.io.read_table`, which names
    each record it cannot read (an unterminated quote, a wrong number of
    fields, a NUL byte, bytes that are not UTF-8, a record over the size
    limit) by its line and reads the others; every field is read as text.
    """
    path = Path(path)
    batch = parse_table(_read_raw(path), source=str(path))
    if batch.empty:
        raise InvalidDataError(f"{path}: the transaction table has no records")
    return batch


def read_chunks(path: str | Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read`, ``size`` rows at a time (memory bounded by ``size``), rows named as by ``read``."""
    path = Path(path)
    yield from require_records(_chunks(path, size), lambda: f"{path}: the transaction table has no records")


def _chunks(path: Path, size: int) -> Iterator[pd.DataFrame]:
    start = 0
    csv = path.suffix.lower() == ".csv"
    for raw in iter_table(path, size, bad_records="mark", **(_CSV_TEXT if csv else {})):
        yield parse_table(raw if csv else _mark_oversized(raw), source=str(path), first_row=start)
        start += len(raw)


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write ``batch`` as CSV or Parquet (by suffix), atomically, in the native columns."""
    write_table(batch.drop(columns=[RECORD_ID, READ_ERROR_COLUMN], errors="ignore"), path)


def to_storage(batch: pd.DataFrame) -> pd.DataFrame:
    """A Parquet-safe copy: identifier and code columns as text, times as UTC."""
    out = batch.copy()
    for col in TEXT:
        if col in out.columns:
            out[col] = as_text(out[col], pad=4 if col == "merchant_category" else 0)
    if "timestamp" in out.columns:
        out["timestamp"] = as_utc(out["timestamp"])
    return out


def from_storage(table: pd.DataFrame) -> pd.DataFrame:
    """Rebuild a batch from :func:`to_storage` output.

    The values are coerced as the reader does; a stored ``_read_error`` and
    ``record_id`` are kept as they were (the stored error names the original
    text that could not be parsed, and a batch that had no errors keeps none).
    """
    batch = parse_table(table, source="stored table")
    for col in (RECORD_ID, READ_ERROR_COLUMN):
        if col in table.columns:
            values = [
                None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
                for v in table[col].tolist()
            ]
            # The reader's own dtype for the column (object, or str under pandas 3).
            dtype = batch[col].dtype if col in batch.columns else object
            batch[col] = pd.Series(values, index=batch.index, dtype=dtype)
    return batch


def _read_raw(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return read_table(path, bad_records="mark", **_CSV_TEXT)
    return _mark_oversized(read_table(path, bad_records="mark"))


def _mark_oversized(raw: pd.DataFrame) -> pd.DataFrame:
    """Mark the rows of a Parquet table whose text is over ``limits().max_record_bytes``.

    A CSV record over the limit is marked as it is cut from the file; a
    Parquet row holds its values already, so their UTF-8 size is added up.
    """
    cap = limits().max_record_bytes
    chars = np.zeros(len(raw), dtype=np.int64)
    text_columns = [
        c
        for c in raw.columns
        if c != READ_ERROR_COLUMN and (raw[c].dtype == object or isinstance(raw[c].dtype, pd.StringDtype))
    ]
    for col in text_columns:
        chars += np.fromiter(
            (len(v) if isinstance(v, str) else 0 for v in raw[col].tolist()), np.int64, len(raw)
        )
    for i in np.flatnonzero(chars * 4 > cap).tolist():  # a character is at most 4 bytes
        row = raw.iloc[i]
        size = sum(
            len(row[c].encode("utf-8", "surrogatepass")) for c in text_columns if isinstance(row[c], str)
        )
        reason = check_record_bytes(size, "the record's text")
        if reason is not None and pd.isna(raw[READ_ERROR_COLUMN].iat[i]):
            raw.loc[raw.index[i], READ_ERROR_COLUMN] = reason
    return raw


def parse_table(raw: pd.DataFrame, source: str = "table", first_row: int = 0) -> pd.DataFrame:
    """Coerce a raw transaction table into a batch with ``record_id`` and ``_read_error``.

    ``first_row`` is the position in its file of the table's first row (for a
    chunk of a large file), so rows without a transaction id are named by
    their row in the file. A ``_read_error`` already in ``raw`` (set by the
    reader for a record it could not read) is kept, after the row's name.

    Raises :class:`InvalidDataError` naming the missing columns if a required
    column is absent: without it no row can be a transaction.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        columns = [str(c) for c in raw.columns if c != READ_ERROR_COLUMN]
        raise InvalidDataError(_missing_columns(source, missing, columns))
    out = raw.drop(columns=[RECORD_ID, READ_ERROR_COLUMN], errors="ignore").reset_index(drop=True)
    n = len(out)
    problems: list[list[str]] = [[] for _ in range(n)]

    def flag(mask: np.ndarray, text: str, values: pd.Series | None = None) -> None:
        """Add ``text`` to each masked row; ``{value}`` becomes that row's raw value."""
        for i in np.flatnonzero(mask).tolist():
            problems[i].append(text if values is None else text.format(value=show(values.iat[i])))

    unread = np.zeros(n, dtype=bool)
    if READ_ERROR_COLUMN in raw.columns:
        errors = raw[READ_ERROR_COLUMN].reset_index(drop=True)
        unread = errors.notna().to_numpy(dtype=bool)
        for i in np.flatnonzero(unread).tolist():
            problems[i].append(str(errors.iat[i]))
    for col in TEXT:
        out[col] = as_text(out[col], pad=4 if col == "merchant_category" else 0)
        flag(out[col].isna().to_numpy() & ~unread, f"{col} is missing")

    raw_ts = raw["timestamp"].reset_index(drop=True)
    given_ts = _given(raw_ts) & ~unread
    out["timestamp"] = as_utc(raw_ts)
    flag(
        given_ts & out["timestamp"].isna().to_numpy(),
        "timestamp {value} cannot be parsed as an ISO 8601 time",
        raw_ts,
    )
    flag(~given_ts & ~unread, "timestamp is missing")

    for col in ("amount", *[c for c in OPTIONAL if c in out.columns]):
        raw_col = raw[col].reset_index(drop=True)
        out[col] = as_float(raw_col)
        given = _given(raw_col) & ~unread
        bad = given & ~np.isfinite(out[col].to_numpy())
        flag(bad, col + " {value} is not a finite number", raw_col)
        out.loc[bad, col] = np.nan
        if col == "amount":
            flag(~given & ~unread, "amount is missing")

    raw_label = raw["is_fraud"].reset_index(drop=True)
    labels = [_label(v) for v in raw_label.tolist()]
    out["is_fraud"] = pd.array(labels, dtype="Int8")
    unlabelled = np.array([lab is None for lab in labels], dtype=bool) & ~unread
    given_label = _given(raw_label)
    flag(unlabelled & given_label, "is_fraud {value} is not 0 or 1", raw_label)
    flag(unlabelled & ~given_label, "is_fraud is missing")

    ids = out["transaction_id"].tolist()
    out[RECORD_ID] = [t if t is not None else f"row {first_row + i + 1}" for i, t in enumerate(ids)]
    out[READ_ERROR_COLUMN] = pd.Series(
        [
            None if not p else f"{_who(ids[i], first_row + i, bool(unread[i]))}: {'; '.join(p)}"
            for i, p in enumerate(problems)
        ],
        dtype=object,
    )
    return out


def _missing_columns(source: str, missing: list[str], columns: list[str]) -> str:
    """The error for a table without some required columns, with a hint when its delimiter looks wrong."""
    message = (
        f"{source}: missing required column(s) {', '.join(missing)}; the table has {shown(columns)}, "
        f"a transaction table needs {', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})"
    )
    if wrong_delimiter(columns):
        message += (
            f". The file has one column, {shown(columns[0])}: its delimiter may be wrong "
            "(transaction CSV files are comma-separated)"
        )
    return message


def _who(transaction_id: str | None, i: int, unread: bool) -> str:
    if unread:
        return f"row {i + 1}"
    if transaction_id is None:
        return f"row {i + 1} (no transaction_id)"
    return f"transaction {transaction_id}"


def _given(series: pd.Series) -> np.ndarray:
    """Which values hold something (not missing, not blank text)."""
    return np.array([_present(v) for v in series.tolist()], dtype=bool)


def _present(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _label(value: object) -> int | None:
    """0 or 1 from a 0/1 number, a boolean or its text; ``None`` otherwise."""
    if isinstance(value, bool | np.bool_):
        return int(bool(value))
    if isinstance(value, int | np.integer | float | np.floating):
        return int(value) if value in (0, 1) else None
    if isinstance(value, str):
        return _LABELS.get(value.strip().lower())
    return None
