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

JSON Lines files are streamed line by line by
:func:`synthgenesis.readers.file_lines` (:func:`read_chunks` holds one chunk
of records at a time). Lines are split at ``\\n`` only (a ``\\r`` before it is
dropped); blank lines are skipped; a UTF-8 byte-order mark at the start of
the file is ignored. Each other line is one record: a line that
is not UTF-8, holds a NUL byte, is not JSON, repeats a key within an object,
or does not follow the scenario format is a row with a read error naming its
line. A ``.json`` file is read whole: a list is cut into its elements, each
one record under the same limits, so one bad element never hides the
others. Refused whole: a file that holds no scenario at all (empty, only
blank lines, ``[]``, a bare number), a ``.json`` file that is not UTF-8, and
a file that starts like UTF-16/32 text or a compressed archive
(:func:`synthgenesis.readers.refuse_non_text`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import check_data_file, write_text
from synthgenesis.limits import check_json_record, check_record_bytes, json_depth, limits
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN, is_missing
from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario, plain_json, scenario_id
from synthgenesis.readers import (
    Line,
    batched,
    file_lines,
    format_of,
    read_text,
    record_frame,
    require_records,
    text_problem,
)
from synthgenesis.types import READ_ERROR_COLUMN

FORMATS = (".json", ".jsonl")
RECORD_ID = "record_id"

#: (where the record is in the file, the parsed JSON value or None, why it could not be read or None)
Item = tuple[str, Any, str | None]

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
    rows = []
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
        rows.append(
            {
                RECORD_ID: record,
                SAMPLE_COLUMN: scenario,
                READ_ERROR_COLUMN: None if error is None else f"{where}: {error}",
            }
        )
    return record_frame(rows, (RECORD_ID, SAMPLE_COLUMN, READ_ERROR_COLUMN))


def _check_path(path: Path) -> str:
    suffix = format_of(path, FORMATS, "scenario")
    check_data_file(path)
    return suffix


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
    seen: dict[str, str] = {}
    frames = (_rows(chunk, seen) for chunk in batched(_items(path), size))
    yield from require_records(frames, lambda: f"{path}: holds no scenarios")


# ----------------------------------------------------------------------------- JSON Lines


def _jsonl_items(path: Path) -> Iterator[Item]:
    """One item per non-blank line, read with at most ``max_record_bytes`` bytes in memory per line.

    Each line is handled once the next one is read, so the last line is known:
    if the file does not end with a line break, a last line that is not JSON
    is said to be cut off.
    """
    held: Line | None = None
    for line in file_lines(path, newlines="lf"):
        if held is not None:
            yield from _jsonl_item(held, terminated=True)
        held = line
    if held is not None:
        yield from _jsonl_item(held, terminated=_ends_with_newline(path))


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def _jsonl_item(line: Line, terminated: bool) -> Iterator[Item]:
    """The item of one line; none for a blank line."""
    number, body, size = line
    if body is None:
        yield f"line {number}", None, check_record_bytes(size, "the line")
    elif body.strip():
        value, reason = _jsonl_line(body)
        if reason is not None and not terminated:
            reason += "; the file ends in the middle of this line (truncated?)"
        yield f"line {number}", value, reason


def _jsonl_line(body: bytes) -> tuple[Any, str | None]:
    """The value of one non-blank line, or why it cannot be read."""
    problem = text_problem(body, "the line")
    if problem is not None:
        return None, problem
    text = body.decode("utf-8")
    # A line nests at most as deep as it has brackets: count them (fast) before the full depth scan.
    if text.count("{") + text.count("[") > limits().max_json_depth:
        reason = check_json_record(text, "the line")
        if reason is not None:
            return None, reason
    return _decode(text)


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
    text = read_text(path)
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
    deep = json_depth(text) > limits().max_json_depth + 1  # + 1: the list itself
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
        stop, _ = _element_end(text, start)
        if isinstance(exc, _DuplicateKey):
            reason = f"not valid scenario JSON: {exc}"
        elif isinstance(exc, json.JSONDecodeError):
            reason = f"not valid JSON at {_position(text, exc.pos)}: {exc.msg}"
        else:
            reason = f"not valid JSON: {exc}"
        if stop is None:
            reason += "; the file ends inside this element (truncated?)"
        elif stop == start:
            reason = f"empty element at {_position(text, start)}"
        return (what, None, reason), stop
    too_big = check_record_bytes(_utf8_size(text, start, end), "the scenario")
    return (what, None if too_big else value, too_big), end


# ----------------------------------------------------------------------------- writing


def _dumps(scenario: Any, **kwargs: Any) -> str:
    return json.dumps(scenario, default=plain_json, allow_nan=False, **kwargs)


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write the scenarios of ``batch`` as ``.json`` (a list) or ``.jsonl`` (one per line), atomically.

    Rows without a scenario (read errors) cannot be written; drop them first.
    """
    path = Path(path)
    suffix = format_of(path, FORMATS, "scenario")
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
        [None if is_missing(s) else json.dumps(s, default=plain_json) for s in batch[SAMPLE_COLUMN].tolist()],
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
