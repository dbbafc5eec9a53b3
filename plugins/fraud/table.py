"""Read and write transaction tables (CSV, Parquet) without losing a file to one bad row.

:func:`parse_table` turns a raw table into a batch: identifiers and codes as
text, ``timestamp`` as UTC, amounts and balances as floats, ``is_fraud`` as a
nullable 0/1 integer. A row whose fields cannot be parsed keeps what could be
read and gets a ``_read_error`` naming the transaction and the field, so
validation reports it next to the rows that read fine.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import iter_table, read_table, write_table
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
from synthgenesis.types import READ_ERROR_COLUMN

FORMATS = (".csv", ".parquet", ".pq")

# Marks a CSV line with the wrong number of fields so that it becomes an error row.
_BAD_LINE = "\x00malformed-line\x00"
_LABELS = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


def read(path: str | Path) -> pd.DataFrame:
    """Read a transaction table; malformed rows come back with a ``_read_error``."""
    path = Path(path)
    raw = _read_csv_as_text(path) if path.suffix.lower() == ".csv" else read_table(path)
    return parse_table(raw, source=str(path))


def read_chunks(path: str | Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read`, ``size`` rows at a time (memory bounded by ``size``).

    CSV is read with pandas' C parser; if a line with too many fields stops
    it, reading goes on with the Python parser, which keeps such lines as
    error rows, skipping the rows already given.
    """
    path = Path(path)
    start = 0
    if path.suffix.lower() != ".csv":
        for raw in iter_table(path, size):
            yield parse_table(raw, source=str(path), first_row=start)
            start += len(raw)
        return
    text = {"dtype": str, "keep_default_na": False, "na_values": [""]}
    try:
        for raw in iter_table(path, size, **text):
            yield parse_table(raw, source=str(path), first_row=start)
            start += len(raw)
        return
    except InvalidDataError as exc:
        if not isinstance(exc.__cause__, pd.errors.ParserError):
            raise
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
    except (OSError, UnicodeDecodeError, StopIteration) as exc:
        raise InvalidDataError(f"{path}: cannot be read as csv: {exc}") from exc
    seen = 0
    tolerant = {**text, "engine": "python", "on_bad_lines": _keep_bad_line(len(header))}
    for raw in iter_table(path, size, **tolerant):
        skip = min(len(raw), max(start - seen, 0))
        seen += len(raw)
        raw = raw.iloc[skip:]
        if len(raw):
            yield parse_table(raw, source=str(path), first_row=start)
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


def _read_csv_as_text(path: Path) -> pd.DataFrame:
    """Read a CSV with every field as text, turning lines with extra fields into marked rows.

    Text keeps identifiers exact (``"00123"``, ``"0742"``); a line with too
    many fields would stop pandas' parser for the whole file, so it is kept
    as a row whose fields are the marker and the original line.
    """
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError:
        pass  # a line with too many fields: read again, keeping such lines as error rows
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as csv: {exc}") from exc
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            engine="python",
            on_bad_lines=_keep_bad_line(len(header)),
        )
    except (ValueError, OSError, UnicodeDecodeError, StopIteration, pd.errors.ParserError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as csv: {exc}") from exc


def _keep_bad_line(n_columns: int) -> Callable[[list[str]], list[str]]:
    def keep(fields: list[str]) -> list[str]:
        text = ",".join(fields)
        return [f"{_BAD_LINE}{len(fields)} fields: {text}"] + [""] * (n_columns - 1)

    return keep


def parse_table(raw: pd.DataFrame, source: str = "table", first_row: int = 0) -> pd.DataFrame:
    """Coerce a raw transaction table into a batch with ``record_id`` and ``_read_error``.

    ``first_row`` is the position in its file of the table's first row (for a
    chunk of a large file), so rows without a transaction id are named by
    their row in the file.

    Raises :class:`InvalidDataError` naming the missing columns if a required
    column is absent: without it no row can be a transaction.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InvalidDataError(
            f"{source}: missing required column(s) {', '.join(missing)}; a transaction table needs "
            f"{', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})"
        )
    out = raw.drop(columns=[RECORD_ID, READ_ERROR_COLUMN], errors="ignore").reset_index(drop=True)
    n = len(out)
    problems: list[list[str]] = [[] for _ in range(n)]

    def flag(mask: np.ndarray, text: str, values: pd.Series | None = None) -> None:
        """Add ``text`` to each masked row; ``{value}`` becomes that row's raw value."""
        for i in np.flatnonzero(mask).tolist():
            problems[i].append(text if values is None else text.format(value=show(values.iat[i])))

    malformed = (
        out["transaction_id"].map(lambda v: isinstance(v, str) and v.startswith(_BAD_LINE)).to_numpy(bool)
    )
    for i in np.flatnonzero(malformed).tolist():
        problems[i].append(f"CSV line has {str(out['transaction_id'].iat[i])[len(_BAD_LINE) :]}")
    for col in TEXT:
        out[col] = as_text(out[col], pad=4 if col == "merchant_category" else 0)
        out.loc[malformed, col] = None
        flag(out[col].isna().to_numpy() & ~malformed, f"{col} is missing")

    raw_ts = raw["timestamp"].reset_index(drop=True)
    given_ts = _given(raw_ts) & ~malformed
    out["timestamp"] = as_utc(raw_ts)
    flag(
        given_ts & out["timestamp"].isna().to_numpy(),
        "timestamp {value} cannot be parsed as an ISO 8601 time",
        raw_ts,
    )
    flag(~given_ts & ~malformed, "timestamp is missing")

    for col in ("amount", *[c for c in OPTIONAL if c in out.columns]):
        raw_col = raw[col].reset_index(drop=True)
        out[col] = as_float(raw_col)
        given = _given(raw_col) & ~malformed
        bad = given & ~np.isfinite(out[col].to_numpy())
        flag(bad, col + " {value} is not a finite number", raw_col)
        out.loc[bad, col] = np.nan
        if col == "amount":
            flag(~given & ~malformed, "amount is missing")

    raw_label = raw["is_fraud"].reset_index(drop=True)
    labels = [_label(v) for v in raw_label.tolist()]
    out["is_fraud"] = pd.array(labels, dtype="Int8")
    flag(
        np.array([lab is None for lab in labels], dtype=bool) & ~malformed,
        "is_fraud {value} is not 0 or 1",
        raw_label,
    )

    ids = out["transaction_id"].tolist()
    out[RECORD_ID] = [t if t is not None else f"row {first_row + i + 1}" for i, t in enumerate(ids)]
    out[READ_ERROR_COLUMN] = pd.Series(
        [
            None if not p else f"{_who(ids[i], first_row + i, bool(malformed[i]))}: {'; '.join(p)}"
            for i, p in enumerate(problems)
        ],
        dtype=object,
    )
    return out


def _who(transaction_id: str | None, i: int, malformed: bool) -> str:
    if malformed:
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
