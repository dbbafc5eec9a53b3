"""Read and write scenario files: ``.json`` (one scenario or a list) and ``.jsonl`` (one per line).

Every scenario becomes a row: ``record_id`` (the scenario id), ``scenario``
(the normalised dict) and ``_read_error``. A scenario that does not follow
the format, or a JSON Lines line that is not JSON, becomes a row with no
scenario and a reason naming it and the key, so the rest of the file is
still read. A ``.json`` file that is not JSON at all cannot be split into
records and is refused whole; use JSON Lines to keep records independent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import write_text
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN, is_missing
from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario, scenario_id
from synthgenesis.types import READ_ERROR_COLUMN

FORMATS = (".json", ".jsonl")
RECORD_ID = "record_id"


def _rows(items: list[tuple[str, Any, str | None]]) -> pd.DataFrame:
    """Build a batch from (fallback record id, object or None, error) triples."""
    records, scenarios, errors = [], [], []
    seen: dict[str, str] = {}
    for fallback, obj, error in items:
        sid = scenario_id(obj)
        record = sid if sid is not None else fallback
        scenario = None
        if error is None:
            try:
                scenario = parse_scenario(obj)
            except ScenarioError as exc:
                error = str(exc)
        if error is None and record in seen:
            error, scenario = f"scenario id repeats the one at {seen[record]}", None
        if error is None:
            seen[record] = fallback
        where = f"scenario {sid!r} ({fallback})" if sid is not None else f"scenario at {fallback} (no id)"
        records.append(record)
        scenarios.append(scenario)
        errors.append(None if error is None else f"{where}: {error}")
    return pd.DataFrame(
        {
            RECORD_ID: pd.Series(records, dtype=object),
            SAMPLE_COLUMN: pd.Series(scenarios, dtype=object),
            READ_ERROR_COLUMN: pd.Series(errors, dtype=object),
        }
    )


def read(path: str | Path) -> pd.DataFrame:
    """Read scenarios from ``path``; bad records come back as rows with a ``_read_error``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(f"{path}: unsupported scenario format {suffix!r}; use .json or .jsonl")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidDataError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as UTF-8 text: {exc}") from exc
    return _rows(_jsonl_items(text) if suffix == ".jsonl" else _json_items(text, path))


def _json_items(text: str, path: Path) -> list[tuple[str, Any, str | None]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDataError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}; "
            f"to read past bad records, store one scenario per line in a .jsonl file"
        ) from exc
    if isinstance(data, dict):
        return [("index 0", data, None)]
    if isinstance(data, list):
        return [(f"index {i}", item, None) for i, item in enumerate(data)]
    raise InvalidDataError(f"{path}: expected a scenario object or a list of them, got {type(data).__name__}")


def _jsonl_items(text: str) -> list[tuple[str, Any, str | None]]:
    items: list[tuple[str, Any, str | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"line {number}", json.loads(line), None))
        except json.JSONDecodeError as exc:
            items.append((f"line {number}", None, f"not valid JSON (column {exc.colno}): {exc.msg}"))
    return items


def _plain(value: Any) -> Any:
    """numpy scalars and arrays from generators, as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(scenario: Any, **kwargs: Any) -> str:
    return json.dumps(scenario, default=_plain, allow_nan=False, **kwargs)


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write the scenarios of ``batch`` as ``.json`` (a list) or ``.jsonl`` (one per line), atomically.

    Rows without a scenario (read errors) cannot be written; drop them first.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(f"{path}: unsupported scenario format {suffix!r}; use .json or .jsonl")
    if SAMPLE_COLUMN not in batch.columns:
        raise InvalidDataError(f"cannot write scenarios: the batch has no {SAMPLE_COLUMN!r} column")
    scenarios = batch[SAMPLE_COLUMN].tolist()
    empty = [i for i, s in enumerate(scenarios) if is_missing(s)]
    if empty:
        ids = (
            batch[RECORD_ID].tolist()
            if RECORD_ID in batch.columns
            else [f"row {i}" for i in range(len(batch))]
        )
        names = ", ".join(str(ids[i]) for i in empty[:5]) + (" ..." if len(empty) > 5 else "")
        raise InvalidDataError(
            f"cannot write {len(empty)} row(s) without a scenario ({names}); drop them first"
        )
    try:
        if suffix == ".jsonl":
            text = "".join(_dumps(s) + "\n" for s in scenarios)
        else:
            text = _dumps(scenarios, indent=2) + "\n"
    except (TypeError, ValueError) as exc:
        raise InvalidDataError(f"cannot write scenarios as JSON: {exc}") from exc
    write_text(path, text)


def to_storage(batch: pd.DataFrame) -> pd.DataFrame:
    """A Parquet-safe copy: each scenario as its JSON text (``None`` stays ``None``)."""
    out = batch.copy()
    out[SAMPLE_COLUMN] = pd.Series(
        [None if is_missing(s) else json.dumps(s, default=_plain) for s in batch[SAMPLE_COLUMN].tolist()],
        index=batch.index,
        dtype=object,
    )
    return out


def from_storage(table: pd.DataFrame) -> pd.DataFrame:
    """Rebuild a batch from :func:`to_storage` output: JSON text back to scenario dicts."""
    out = table.copy()
    out[SAMPLE_COLUMN] = pd.Series(
        [json.loads(s) if isinstance(s, str) else None for s in table[SAMPLE_COLUMN].tolist()],
        index=table.index,
        dtype=object,
    )
    return out
