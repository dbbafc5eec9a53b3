"""The ``patients`` domain record: reading, writing and featurizing patient tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import iter_table, read_table, write_table
from synthgenesis.limits import check_record_bytes, limits, shown
from synthgenesis.plugins.patients import schema
from synthgenesis.plugins.patients.datasets import REFERENCE_DATASETS
from synthgenesis.plugins.patients.mapping import apply_mapping, load_mapping, sidecar
from synthgenesis.readers import require_records, wrong_delimiter
from synthgenesis.types import READ_ERROR_COLUMN, Domain


def read(path: Path) -> pd.DataFrame:
    """Read a CSV/Parquet patient table or a FHIR Bundle (``.json``).

    A schema file next to the table (``cohort.schema.toml`` for ``cohort.csv``)
    maps its columns, codes and units onto the contract first.

    Contract columns that should be numbers are converted; a value that is not
    a number marks its row with a read error naming the patient and the value,
    and the other rows are kept. A table without the required columns (see
    :data:`schema.REQUIRED_ANY`) is refused with an error naming them.
    """
    if Path(path).suffix.lower() == ".json":
        from synthgenesis.plugins.patients.fhir import read_bundle

        table = read_bundle(Path(path))
        errors_from_fhir = table.pop(READ_ERROR_COLUMN)
        ids = pd.to_numeric(table[schema.ID_COLUMN], errors="coerce")
        if ids.notna().all():
            table[schema.ID_COLUMN] = ids.astype("int64")
    else:
        table = _mapped(read_table(path, bad_records="mark"), Path(path))
        errors_from_fhir = pd.Series([None] * len(table))
    _check_columns(table, Path(path))
    if table.empty:
        raise InvalidDataError(f"{path}: the patient table has no rows")
    return _coerce(table, errors_from_fhir)


def read_chunks(path: Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read` ``size`` rows at a time for CSV/Parquet (a FHIR Bundle is read whole)."""
    if Path(path).suffix.lower() == ".json":
        table = read(path)
        for k in range(0, len(table), size):
            yield table.iloc[k : k + size].reset_index(drop=True)
        return
    yield from require_records(
        _table_chunks(Path(path), size), lambda: f"{path}: the patient table has no rows"
    )


def _table_chunks(path: Path, size: int) -> Iterator[pd.DataFrame]:
    """The chunks of a CSV/Parquet table, mapped and coerced; rows numbered from the file's first."""
    start = 0
    for k, chunk in enumerate(iter_table(path, size, bad_records="mark")):
        if k == 0:
            _check_columns(_mapped(chunk.head(0), path), path)
        if chunk.empty:
            continue
        chunk = _mapped(chunk, path).reset_index(drop=True)
        yield _coerce(chunk, pd.Series([None] * len(chunk)), first_row=start)
        start += len(chunk)


def _mapped(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    schema_file = sidecar(path)
    if schema_file.exists():
        table = apply_mapping(table, load_mapping(schema_file), str(path))
    return table


def _check_columns(table: pd.DataFrame, path: Path) -> None:
    """Refuse a table that lacks a required column, naming the file and the columns."""
    missing = schema.missing_required(table.columns)
    if not missing:
        return
    columns = [str(c) for c in table.columns if c != READ_ERROR_COLUMN]
    name = wrong_delimiter(columns)
    if name is not None:
        raise InvalidDataError(
            f"{path}: the header is one column {columns[0][:80]!r}, which holds {name}: the "
            f"delimiter looks wrong; patient tables are comma-separated CSV (re-save the file with "
            f"commas, or convert it to Parquet)"
        )
    need = "; ".join(" or ".join(group) for group in missing)
    raise InvalidDataError(
        f"{path}: missing required column(s): {need}; the table has {', '.join(columns)[:300] or 'none'} "
        f"(map your column names with a schema file, {Path(path).stem}.schema.toml)"
    )


def _coerce(table: pd.DataFrame, errors_from_fhir: pd.Series, first_row: int = 0) -> pd.DataFrame:
    """Numbers and dates of the contract parsed; values that do not parse become read errors.

    A read error the table already carries (the CSV reader's, for a line it
    could not read) is kept, ahead of any found here: a record is never
    passed as read because its numbers happen to parse. Without a patient id
    column, a row is named by its position in the file (``first_row`` is the
    position of this table's first row).
    """
    earlier = (
        table.pop(READ_ERROR_COLUMN).reset_index(drop=True)
        if READ_ERROR_COLUMN in table.columns
        else pd.Series([None] * len(table), dtype=object)
    )
    errors_from_fhir = errors_from_fhir.reset_index(drop=True)
    errors: dict[int, list[str]] = {}
    limit = limits().max_record_bytes
    for col in table.columns:  # a NUL byte is never part of a clinical value: the text was cut or corrupt
        values = table[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            for i, v in enumerate(values.tolist()):
                if not isinstance(v, str):
                    continue
                if len(v) > limit // 4 and (reason := check_record_bytes(len(v.encode()), f"{col}")):
                    errors.setdefault(i, []).append(reason)
                elif "\x00" in v:
                    errors.setdefault(i, []).append(f"{col}={shown(v)} holds a NUL byte")
    for col in schema.numeric_columns(table):
        raw = table[col]
        parsed = pd.to_numeric(raw, errors="coerce")
        bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        for j in np.flatnonzero(bad.to_numpy()).tolist():
            errors.setdefault(j, []).append(f"{col}={shown(raw.iat[j])} is not a number")
        table[col] = parsed
    for col in schema.DATES:
        if col in table.columns:
            parsed = pd.to_datetime(table[col], errors="coerce", format="mixed")
            bad = parsed.isna() & table[col].notna()
            for j in np.flatnonzero(bad.to_numpy()).tolist():
                errors.setdefault(j, []).append(f"{col}={shown(table[col].iat[j])} is not a date")
            table[col] = parsed
    ids = (
        table[schema.ID_COLUMN]
        if schema.ID_COLUMN in table.columns
        else pd.Series(range(first_row, first_row + len(table)))
    )
    combined: list[str | None] = []
    for i in range(len(table)):
        parts = [str(e) for e in (earlier.iat[i], errors_from_fhir.iat[i]) if _present(e)]
        if i in errors:
            parts.append(f"patient {ids.iat[i]}: " + "; ".join(errors[i]))
        combined.append("; ".join(parts) if parts else None)
    table[READ_ERROR_COLUMN] = combined
    return table


def _present(error: object) -> bool:
    return error is not None and not (isinstance(error, float) and np.isnan(error)) and str(error) != ""


def write(batch: pd.DataFrame, path: Path) -> None:
    """Write CSV/Parquet, or a FHIR R4 Bundle for ``.json``."""
    if Path(path).suffix.lower() == ".json":
        from synthgenesis.plugins.patients.fhir import write_bundle

        write_bundle(batch, Path(path))
        return
    write_table(batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore"), path)


def featurize(batch: pd.DataFrame) -> pd.DataFrame:
    """Model-ready features: identifiers dropped, dates as days since 1970, codes as categories."""
    features = batch.drop(columns=[schema.ID_COLUMN, READ_ERROR_COLUMN], errors="ignore").copy()
    for col in features.columns:
        s = features[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            features[col] = (s - pd.Timestamp("1970-01-01")).dt.days.astype(float)
        elif pd.api.types.is_bool_dtype(s):
            features[col] = s.astype(object)
        elif pd.api.types.is_extension_array_dtype(s) and pd.api.types.is_numeric_dtype(s):
            features[col] = s.astype(float)
    return features


DOMAIN = Domain(
    name="patients",
    description="Clinical tables: demographics, vitals, labs, ICD-10 diagnoses, treatments and "
    "outcomes including time-to-event with censoring",
    featurize=featurize,
    read=read,
    read_chunks=read_chunks,
    write=write,
    formats=(".csv", ".parquet", ".json"),
    sample_column=None,
    sample_type="table row (one patient)",
    id_column=schema.ID_COLUMN,
    default_generator="patients-gaussian-copula",
    schema=schema.describe(),
    reference_datasets=REFERENCE_DATASETS,
    privacy_sensitive=True,
)
