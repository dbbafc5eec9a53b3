"""Read and write scenario files: ``.json`` (one scenario or a list) and ``.jsonl`` (one per line).

Every record becomes a row: ``record_id`` (the scenario id), ``scenario``
(the normalised dict) and ``_read_error``. A record that cannot be read
becomes a row with no scenario and a reason naming the record (its id, or
its line or list index) and what is wrong, so the rest of the file is still
read. Records over the input-size limits (:func:`synthgenesis.limits.limits`)
are such rows too: a line or list element bigger than ``max_record_bytes``
or nested deeper than ``max_json_depth`` is never handed to the JSON parser,
and a scenario with more than ``max_vehicles`` vehicles is refused before
any vehicle is looked at.

JSON Lines files are streamed line by line (:func:`read_chunks` holds one
chunk of records at a time). Lines are split at ``\\n`` only (a ``\\r``
before it is dropped); blank lines are skipped; a UTF-8 byte-order mark at
the start of the file is ignored. Each other line is one record: a line that
is not UTF-8, holds a NUL byte, is not JSON, repeats a key within an object,
or does not follow the scenario format is a row with a read error naming its
line. A ``.json`` file is read whole: a list is cut into its elements, each
one record under the same limits, so one bad element never hides the
others. Refused whole: a file that holds no scenario at all (empty, only
blank lines, ``[]``, a bare number), a ``.json`` file that is not UTF-8, and
a file that starts like UTF-16/32 text or a compressed archive.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import write_text
from synthgenesis.limits import check_json_record, check_record_bytes, json_depth, limits
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN, is_missing
from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario, scenario_id
from synthgenesis.types import READ_ERROR_COLUMN

FORMATS = (".json", ".jsonl")
RECORD_ID = "record_id"

#: (where the record is in the file, the parsed JSON value or None, why it could not be read or None)
Item = tuple[str, Any, str | None]

_BOM = b"\xef\xbb\xbf"
#: Leading bytes of files that are not UTF-8 JSON text, with what they are.
_NOT_TEXT = (
    (b"\x1f\x8b", "gzip-compressed; decompress it first"),
    (b"PK\x03\x04", "a zip archive; extract the scenario file first"),
    (b"\x00\x00\xfe\xff", "UTF-32 text; save it as UTF-8"),
    (b"\xff\xfe\x00\x00", "UTF-32 text; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save it as UTF-8"),
    (b"\xff\xfe", "UTF-16 text; save it as UTF-8"),
)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: The rest of a JSON string after its opening quote, through the closing quote.
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_STRUCTURE = re.compile(r'["\[\]{},]')


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a key twice in one object (parsers disagree on which one wins)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"key {key[:100]!r} appears twice in one object")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _decode(text: str, *, lines: bool = False) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, reason)`` if ``text`` is not one JSON value with unique keys.

    Errors give the column, and the line too with ``lines`` (text of several lines).
    """
    try:
        return _DECODER.decode(text), None
    except _DuplicateKey as exc:
        return None, f"not valid scenario JSON: {exc}"
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if lines else f"column {exc.colno}"
        return None, f"not valid JSON ({where}): {exc.msg}"
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits
        return None, f"not valid JSON: {exc}"


def _rows(items: Iterable[Item], seen: dict[str, str]) -> pd.DataFrame:
    """Build a batch from items; ``seen`` maps scenario ids read so far to where (kept across chunks)."""
    records, scenarios, errors = [], [], []
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


def _check_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(f"{path}: unsupported scenario format {suffix!r}; use .json or .jsonl")
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    if not path.is_file():
        raise InvalidDataError(f"{path}: not a file")
    return suffix


def _refuse_non_text(path: Path, head: bytes) -> None:
    for magic, what in _NOT_TEXT:
        if head.startswith(magic):
            raise InvalidDataError(f"{path}: the file is {what}")


def _items(path: Path) -> Iterator[Item]:
    """Every record of ``path`` as an item; raises only for a file that cannot be read at all."""
    suffix = _check_path(path)
    try:
        if suffix == ".jsonl":
            yield from _jsonl_items(path)
        else:
            yield from _json_items(path)
    except OSError as exc:
        raise InvalidDataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def read(path: str | Path) -> pd.DataFrame:
    """Read scenarios from ``path``; bad records come back as rows with a ``_read_error``."""
    path = Path(path)
    batch = _rows(_items(path), {})
    if batch.empty:
        raise InvalidDataError(f"{path}: holds no scenarios")
    return batch


def read_chunks(path: str | Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read`, ``size`` records at a time; JSON Lines files are streamed, never held whole.

    Scenario ids read in earlier chunks are remembered, so a repeated id is a
    read error in whichever chunk it comes, as with :func:`read`.
    """
    path = Path(path)
    items = _items(path)
    seen: dict[str, str] = {}
    any_read = False
    while chunk := list(itertools.islice(items, size)):
        any_read = True
        yield _rows(chunk, seen)
    if not any_read:
        raise InvalidDataError(f"{path}: holds no scenarios")


# ----------------------------------------------------------------------------- JSON Lines


def _jsonl_items(path: Path) -> Iterator[Item]:
    """One item per non-blank line, read with at most ``max_record_bytes`` (+2) bytes in memory per line."""
    lim = limits()
    with open(path, "rb") as fh:
        _refuse_non_text(path, fh.read(4))
        fh.seek(0)
        number = 0
        while raw := fh.readline(lim.max_record_bytes + 2):  # +2: room for "\r\n"
            number += 1
            what = f"line {number}"
            terminated = raw.endswith(b"\n")
            if not terminated and len(raw) == lim.max_record_bytes + 2:
                size = len(raw)  # over the limit: count the rest of the line without keeping it
                while more := fh.readline(1 << 20):
                    size += len(more)
                    if more.endswith(b"\n"):
                        size -= 2 if more.endswith(b"\r\n") else 1
                        break
                yield what, None, check_record_bytes(size, "the line")
                continue
            parsed = _jsonl_line(raw, number, terminated)
            if parsed is not None:  # None: a blank line
                yield what, *parsed


def _jsonl_line(raw: bytes, number: int, terminated: bool) -> tuple[Any, str | None] | None:
    """The value of one line or why it cannot be read; ``None`` for a blank line."""
    body = raw[:-1] if terminated else raw
    if body.endswith(b"\r"):
        body = body[:-1]
    if number == 1 and body.startswith(_BOM):
        body = body[len(_BOM) :]
    if not body.strip():
        return None
    reason = check_record_bytes(len(body), "the line")
    if reason is not None:
        return None, reason
    nul = body.find(b"\x00")
    if nul >= 0:
        return None, f"the line holds a NUL byte at column {nul + 1} (binary data, not JSON text)"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"the line is not UTF-8 text (byte 0x{body[exc.start]:02x} at byte {exc.start + 1})"
    # A line nests at most as deep as it has brackets: count them (fast) before the full depth scan.
    if text.count("{") + text.count("[") > limits().max_json_depth:
        reason = check_json_record(text, "the line")
        if reason is not None:
            return None, reason
    value, reason = _decode(text)
    if reason is not None and not terminated:
        reason += "; the file ends in the middle of this line (truncated?)"
    return value, reason


# ----------------------------------------------------------------------------- .json


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - text.rfind(chr(10), 0, pos)}"


def _utf8_size(text: str, start: int, end: int) -> int:
    if (end - start) * 4 <= limits().max_record_bytes:
        return end - start  # cannot be over the limit whatever the characters
    return len(text[start:end].encode("utf-8", "surrogatepass"))


def _element_end(text: str, start: int) -> tuple[int | None, int]:
    """Where the list element starting at ``start`` ends (its ``,`` or ``]``), and its depth.

    ``None`` if the text ends first (an unclosed bracket or string). Bracket
    kinds are not matched: a broken element is cut where its brackets balance.
    """
    depth = deepest = 0
    pos = start
    while m := _STRUCTURE.search(text, pos):
        ch, at = m.group(), m.start()
        pos = at + 1
        if ch == '"':
            s = _STRING_REST.match(text, pos)
            if s is None:
                return None, deepest
            pos = s.end()
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth == 0:  # "," or a closer of the enclosing list: the element ends here
            return at, deepest
        elif ch != ",":
            depth -= 1
    return None, deepest


def _json_items(path: Path) -> Iterator[Item]:
    data = path.read_bytes()
    _refuse_non_text(path, data[:4])
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidDataError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None
    start = _WHITESPACE.match(text).end()  # type: ignore[union-attr]
    if start == len(text):
        raise InvalidDataError(f"{path}: holds no scenarios (the file is empty)")
    if text[start] == "{":
        reason = check_json_record(text, "the file")
        if reason is not None:
            yield "index 0", None, f"{reason}; store scenarios one per line in a .jsonl file"
            return
        yield "index 0", *_decode(text, lines=True)
        return
    if text[start] != "[":
        raise InvalidDataError(
            f"{path}: expected a scenario object or a list of them, found {text[start : start + 20]!r} "
            f"at {_position(text, start)}"
        )
    # Only a file nested deeper than the limit needs each element's depth before it is decoded.
    deep = json_depth(data) > limits().max_json_depth + 1  # + 1: the list itself
    del data
    yield from _list_items(text, start + 1, deep)


def _list_items(text: str, pos: int, deep: bool) -> Iterator[Item]:
    """Each element of the list whose ``[`` is just before ``pos``: one item, under the record limits.

    ``deep``: the file nests deeper than the limit, so each element's depth is
    measured before it is decoded.
    """
    pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        pos += 1
    else:
        for index in itertools.count():
            what = f"index {index}"
            item, end = _deep_element(text, pos, what) if deep else _one_element(text, pos, what)
            yield item
            if end is None:
                return
            pos = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("]", pos):
                pos += 1
                break
            if pos == len(text):
                yield f"after {what}", None, "the file ends before the list is closed with ']' (truncated?)"
                return
            yield f"after {what}", None, f"expected ',' or ']' at {_position(text, pos)}"
            # Go on as if the comma were there: the next element is read on its own. A stray "}"
            # would end that element where it starts, so it is skipped to make progress.
            if text.startswith("}", pos):
                pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
                if text.startswith("]", pos):
                    pos += 1
                    break
    rest = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
    if rest < len(text):
        yield "after the list", None, f"unexpected text after the list at {_position(text, rest)}"


def _deep_element(text: str, start: int, what: str) -> tuple[Item, int | None]:
    """:func:`_one_element` after measuring the element's depth, for files nested over the limit."""
    end, depth = _element_end(text, start)
    lim = limits().max_json_depth
    if depth > lim:
        reason = (
            f"the scenario nests JSON {depth:,} levels deep, over the limit of {lim} "
            f"(raise SYNTHGENESIS_MAX_JSON_DEPTH to accept it)"
        )
        return (what, None, reason), end
    return _one_element(text, start, what)


def _one_element(text: str, start: int, what: str) -> tuple[Item, int | None]:
    """Decode the element at ``start``: its item and where it ends (``None``: the text ends inside it)."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        end, _ = _element_end(text, start)
        if isinstance(exc, _DuplicateKey):
            reason = f"not valid scenario JSON: {exc}"
        elif isinstance(exc, json.JSONDecodeError):
            reason = f"not valid JSON at {_position(text, exc.pos)}: {exc.msg}"
        else:
            reason = f"not valid JSON: {exc}"
        if end is None:
            reason += "; the file ends inside this element (truncated?)"
        elif end == start:
            reason = f"empty element at {_position(text, start)}"
        return (what, None, reason), end
    reason = check_record_bytes(_utf8_size(text, start, end), "the scenario")
    return (what, None if reason else value, reason), end


# ----------------------------------------------------------------------------- writing


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
