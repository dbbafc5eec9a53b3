"""Atomic file writes and table I/O shared by the core and the domains.

Every file synthgenesis writes goes through :func:`atomic_write`: the content
is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a crash never leaves a half-written file and a file
that already existed stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import check_record_bytes, limits, shown
from synthgenesis.types import READ_ERROR_COLUMN


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(
    path: str | os.PathLike[str], writer: Callable[[IO[Any]], object], *, binary: bool = False
) -> Path:
    """Call ``writer(fileobj)`` on a temporary file and move it to ``path``."""
    with (
        atomic_path(path) as tmp,
        open(tmp, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh,
    ):
        writer(fh)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda fh: fh.write(text))


def to_jsonable(value: Any, *, strict: bool = False) -> Any:
    """Plain-Python copy of ``value`` that :func:`json.dumps` can write.

    NumPy scalars and arrays, tuples, paths and timestamps are converted; keys become
    text; any other object is written as its text. With ``strict``, NaN and infinities
    become ``None`` (null), as strict JSON readers require; otherwise they stay floats,
    which Python's ``json`` writes and reads back as ``NaN`` and ``Infinity`` (generator
    states rely on that round trip).
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, strict=strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, strict=strict) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v, strict=strict) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return None if strict and not math.isfinite(number) else number
    if value is None or isinstance(value, str):
        return value
    if value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)  # paths and anything else


def json_text(data: Any, *, strict: bool = False) -> str:
    """``data`` as indented JSON text with a final newline (see :func:`to_jsonable`)."""
    return json.dumps(to_jsonable(data, strict=strict), indent=2, allow_nan=not strict) + "\n"


def write_json(path: str | os.PathLike[str], data: Any, *, strict: bool = False) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (see :func:`to_jsonable` for ``strict``)."""
    return write_text(path, json_text(data, strict=strict))


#: Largest settings file (study, rule or schema TOML) read, in bytes: they are written by hand.
MAX_SETTINGS_FILE_BYTES = 5_000_000


def check_data_file(path: str | os.PathLike[str], what: str = "") -> Path:
    """``path`` if it is a regular file (symbolic links followed), else an error naming it.

    Devices, pipes and folders are refused before anything is read: ``/dev/zero``
    behind a symbolic link would otherwise feed a reader forever.
    """
    path = Path(path)
    label = f"{what} {path}" if what else str(path)
    if not path.exists():
        raise InvalidDataError(f"{label}: no such file")
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file (a device, pipe or socket)"
        raise InvalidDataError(f"{label}: {kind}; give a data file")
    return path


def read_settings_toml(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """Parse a hand-written TOML file (``what``: "study file", "rule file"...), every failure a ConfigError.

    Only a regular file is read, and at most :data:`MAX_SETTINGS_FILE_BYTES`
    of it; a UTF-8 byte-order mark is fine; text that is not UTF-8 or not
    TOML is refused with the file named.
    """
    import tomllib

    from synthgenesis.errors import ConfigError

    path = Path(path)
    try:
        check_data_file(path, what)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_SETTINGS_FILE_BYTES + 1)
    except InvalidDataError as exc:
        raise ConfigError("(file)", str(exc).replace(": no such file", " does not exist")) from exc
    except OSError as exc:
        raise ConfigError("(file)", f"{what} {path} cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_SETTINGS_FILE_BYTES:
        raise ConfigError(
            "(file)", f"{what} {path} is larger than {MAX_SETTINGS_FILE_BYTES:,} bytes; it is not read"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "(encoding)",
            f"{what} {path} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8",
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", f"{path} is not valid TOML: {exc}") from exc


def read_table(path: str | os.PathLike[str], *, bad_records: str = "raise", **options: Any) -> pd.DataFrame:
    """Read a CSV or Parquet table, with an error naming the file (and the line) if it cannot be read.

    ``options`` go to :func:`pandas.read_csv` or :func:`pandas.read_parquet`
    (for example ``dtype=str`` to keep codes such as ``"0742"`` as text).

    CSV records are cut by :func:`csv_records` before pandas parses them, so
    every record of the file is accounted for. A record that cannot be read
    (an unterminated quote, a wrong number of fields, a NUL byte, bytes that
    are not text in the file's encoding, a record over
    ``limits().max_record_bytes``) stops the reading with an error naming its
    row and line (``bad_records="raise"``), or, with ``bad_records="mark"``,
    becomes a row whose :data:`~synthgenesis.types.READ_ERROR_COLUMN` says
    why (its other values are missing) while the other records are read as
    usual. In ``"mark"`` mode the table always has that column (``None`` for
    records read fine), replacing any column of that name in the file.
    """
    path = _table_path(path)
    suffix = path.suffix.lower()
    _check_bad_records(bad_records)
    try:
        if suffix == ".csv":
            return next(_csv_frames(path, None, bad_records, options))
        table = pd.read_parquet(path, **options)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as {suffix[1:]}: {exc}") from exc
    if bad_records == "mark":
        table[READ_ERROR_COLUMN] = pd.Series([None] * len(table), index=table.index, dtype=object)
    return table


def iter_table(
    path: str | os.PathLike[str], size: int, *, bad_records: str = "raise", **options: Any
) -> Iterator[pd.DataFrame]:
    """Read a CSV or Parquet table ``size`` rows at a time (memory bounded by ``size``).

    CSV records are cut as :func:`read_table` cuts them (quoted fields may
    span lines), ``size`` records a chunk, and each chunk is parsed by
    :func:`pandas.read_csv` with ``options``; records that cannot be read are
    handled by ``bad_records`` as in :func:`read_table` (with ``"raise"`` the
    error names the rows read before it: the chunks already given stay good).
    Parquet is read batch by batch with
    :meth:`pyarrow.parquet.ParquetFile.iter_batches`. Each chunk's index
    continues from the previous chunk's, so row positions stay those of the
    file (records that could not be read count); column types are inferred
    per chunk.
    """
    if size <= 0:
        raise ValueError(f"size must be a positive number of rows, got {size}")
    path = _table_path(path)
    suffix = path.suffix.lower()
    _check_bad_records(bad_records)
    start = 0
    try:
        if suffix == ".csv":
            for chunk in _csv_frames(path, size, bad_records, options):
                yield chunk
                start += len(chunk)
            return
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
            chunk = batch.to_pandas()
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            if bad_records == "mark":
                chunk[READ_ERROR_COLUMN] = pd.Series([None] * len(chunk), index=chunk.index, dtype=object)
            yield chunk
            start += len(chunk)
    except (ValueError, OSError, pd.errors.ParserError, csv.Error, UnicodeDecodeError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as {suffix[1:]} after row {start}: {exc}") from exc


def _table_path(path: str | os.PathLike[str]) -> Path:
    path = check_data_file(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InvalidDataError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    return path


def _check_bad_records(bad_records: str) -> None:
    if bad_records not in ("raise", "mark"):
        raise ValueError(f"bad_records must be 'raise' or 'mark', got {bad_records!r}")


#: ``read_csv`` options that change where records start and end or which line is the header:
#: the reader cuts records itself, so it refuses them rather than disagree with pandas.
_CUTTING_OPTIONS = frozenset(
    {
        "chunksize",
        "comment",
        "compression",
        "delim_whitespace",
        "doublequote",
        "escapechar",
        "header",
        "index_col",
        "iterator",
        "lineterminator",
        "memory_map",
        "nrows",
        "quoting",
        "skip_blank_lines",
        "skipfooter",
        "skipinitialspace",
        "skiprows",
    }
)
# Byte-order marks of encodings other than UTF-8: such a file is not read as UTF-8 text.
_OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_UTF8_BOM = b"\xef\xbb\xbf"
# Bytes read at a time; lines are cut from them, so memory stays bounded by this and the record limit.
_BLOCK_BYTES = 1 << 20


class _ReadStop(ValueError):
    """A CSV record that cannot be read, with ``bad_records="raise"``."""


def _csv_frames(
    path: Path, size: int | None, bad_records: str, options: dict[str, Any]
) -> Iterator[pd.DataFrame]:
    """Frames of ``size`` records (``None``: one frame, even with no records) of a CSV file."""
    options = dict(options)
    refused = sorted(_CUTTING_OPTIONS & options.keys())
    if refused:
        raise TypeError(
            f"read_table/iter_table cut CSV records themselves; not supported: {', '.join(refused)}"
        )
    delimiter = options.get("sep", options.get("delimiter", ","))
    quotechar = options.get("quotechar", '"')
    for name, value in (("delimiter", delimiter), ("quotechar", quotechar)):
        if not (isinstance(value, str) and len(value) == 1 and value.isascii() and value not in "\r\n"):
            raise TypeError(f"the CSV {name} must be one ASCII character, got {value!r}")
    encoding = options.pop("encoding", None) or "utf-8"
    with open(path, "rb") as fh:
        records = csv_records(fh, delimiter=delimiter, quotechar=quotechar, encoding=encoding)
        start = 0
        buffer, good, errors = io.BytesIO(), 0, {}
        buffer.write(records.header)
        for k, (first, last, data, problem) in enumerate(records):
            n = k - start
            if problem is not None:
                fragment, text = problem
                where = _lines(first, last)
                if bad_records == "raise":
                    raise _ReadStop(f"row {k + 1} {fragment} ({where}){text}")
                errors[n] = f"{where} {fragment}{text}"
            else:
                buffer.write(data)
                if not data.endswith((b"\n", b"\r")):
                    buffer.write(b"\n")
                good += 1
            if size is not None and n + 1 == size:
                yield _csv_frame(buffer, good, size, errors, start, bad_records, encoding, options)
                start += size
                buffer, good, errors = io.BytesIO(), 0, {}
                buffer.write(records.header)
        n = records.count - start
        if n or (size is None and start == 0):
            yield _csv_frame(buffer, good, n, errors, start, bad_records, encoding, options)


def _lines(first: int, last: int) -> str:
    return f"CSV line {first}" if first == last else f"CSV lines {first}-{last}"


def _csv_frame(
    buffer: io.BytesIO,
    good: int,
    n: int,
    errors: dict[int, str],
    start: int,
    bad_records: str,
    encoding: str,
    options: dict[str, Any],
) -> pd.DataFrame:
    """Parse the ``good`` records in ``buffer`` and put the ``n - good`` unreadable ones in place."""
    buffer.seek(0)
    frame = pd.read_csv(buffer, encoding=encoding, **options)
    if len(frame) != good:  # the records were cut and counted; pandas must agree
        raise pd.errors.ParserError(
            f"rows {start + 1}-{start + n}: pandas read {len(frame)} rows from {good} records"
        )
    if bad_records == "mark":
        frame = frame.drop(columns=[READ_ERROR_COLUMN], errors="ignore")
        if errors:
            frame.index = pd.Index([k for k in range(n) if k not in errors])
            frame = frame.reindex(pd.RangeIndex(n))
        frame[READ_ERROR_COLUMN] = pd.Series(
            [errors.get(k) for k in range(n)], index=frame.index, dtype=object
        )
    frame.index = pd.RangeIndex(start, start + n)
    return frame


def csv_records(
    fh: IO[bytes], *, delimiter: str = ",", quotechar: str = '"', encoding: str = "utf-8"
) -> _CsvRecords:
    """The header and the records of a CSV file open in binary, each record checked.

    Records are cut where their quotes balance (RFC 4180: a field that starts
    with a quote runs to the closing quote, ``""`` inside it is a quote, and it
    may span lines). Iterating gives ``(first line, last line, bytes, None)``
    for each record, or ``(first line, last line, b"", (reason, quoted text))``
    for one that cannot be read; blank lines are skipped. A record cannot be
    read when:

    - it has more or fewer fields than the header (the missing ones are named);
    - a quoted field opened on its line is never closed, or not within
      ``limits().max_record_bytes``, or closes on a later line but leaves the
      record with the wrong number of fields: an unterminated quote that would
      swallow the lines after it. The record is reported at the line where the
      quote opened and the lines after it are read again as records;
    - it holds a NUL byte (which pandas' C parser would silently cut the value at);
    - it is not text in ``encoding``;
    - it is longer than ``limits().max_record_bytes`` (one unreadable record;
      the line is skipped without being held in memory).

    A UTF-8 byte-order mark is dropped; the header line must be readable, else
    :class:`InvalidDataError` says why (an empty file, a UTF-16 file, ...).
    """
    return _CsvRecords(fh, delimiter, quotechar, encoding)


class _CsvRecords:
    """See :func:`csv_records`."""

    def __init__(self, fh: IO[bytes], delimiter: str, quotechar: str, encoding: str) -> None:
        self._fh = fh
        self._delimiter, self._quotechar = delimiter, quotechar
        self._delim, self._quote = delimiter.encode("ascii"), quotechar.encode("ascii")
        self._blank = b" \t\r\n\x0b\x0c".replace(self._delim, b"")
        self._encoding = encoding
        import codecs

        self._encoding_name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
        self._cap = limits().max_record_bytes
        self._back: list[tuple[int, bytes | int]] = []  # lines to read again, the next one last
        self._lines = self._physical_lines()
        #: Records given so far (those that could not be read included).
        self.count = 0
        self.header, self.names = self._read_header()
        self.width = len(self.names)

    # -- lines

    def _physical_lines(self) -> Iterator[tuple[int, bytes | int]]:
        """``(number, bytes)`` per line (a lone ``\\r`` ends a line too, as for pandas);
        ``(number, size)`` for a line over the size limit, which is not kept in memory."""
        read, cap = self._fh.read, self._cap
        number, carry = 0, b""
        while True:
            block = read(_BLOCK_BYTES)
            if not block:
                if carry:
                    yield number + 1, (carry if len(carry) <= cap else len(carry))
                return
            data = carry + block
            end = data.rfind(b"\n")
            if end < 0:
                end = data.rfind(b"\r", 0, len(data) - 1)  # a lone-CR file; a last \r may start \r\n
            if end < 0:
                if len(data) <= cap:
                    carry = data
                    continue
                size = len(data)  # a line over the limit: measure it without keeping it
                while True:
                    block = read(_BLOCK_BYTES)
                    j = block.find(b"\n")
                    if not block or j >= 0:
                        break
                    size += len(block)
                number += 1
                yield number, size + (j + 1 if block else 0)
                carry = block[j + 1 :] if block else b""
                continue
            carry = data[end + 1 :]
            for line in data[: end + 1].splitlines(keepends=True):
                number += 1
                yield number, (line if len(line) <= cap else len(line))

    def _next_line(self) -> tuple[int, bytes | int] | None:
        if self._back:
            return self._back.pop()
        return next(self._lines, None)

    def _scan(self, line: bytes, inside: bool) -> tuple[bool, int]:
        """Scan one line of a record: whether it ends inside a quoted field; its delimiters outside quotes."""
        quote, delim, q = self._quote, self._delim, self._quote[0]
        find, n = line.find, len(line)
        pos = delims = 0
        if not inside and n and line[0] == q:
            inside, pos = True, 1
        while True:
            if inside:
                j = find(quote, pos)
                if j < 0:
                    return True, delims
                if j + 1 < n and line[j + 1] == q:  # "" is a quote inside the field
                    pos = j + 2
                    continue
                inside, pos = False, j + 1
            j = find(delim, pos)  # the rest of the field is unquoted: quotes in it are plain text
            if j < 0:
                return False, delims
            delims, pos = delims + 1, j + 1
            if pos < n and line[pos] == q:
                inside, pos = True, pos + 1

    # -- records

    def _cut(self, width: int | None) -> tuple[int, int, bytes, int, tuple[str, str] | None] | None:
        """The next non-blank record: (first line, last line, bytes, fields, problem), ``None`` at the end."""
        cap = self._cap
        while True:
            item = self._next_line()
            if item is None:
                return None
            first, line = item
            if isinstance(line, int):
                return first, first, b"", 0, (_too_big(line), "")
            if not line.strip(self._blank):
                continue
            if self._quote not in line:
                return first, first, line, line.count(self._delim) + 1, None
            inside, delims = self._scan(line, False)
            if not inside:
                return first, first, line, delims + 1, None
            parts: list[tuple[int, bytes | int]] = [item]
            size, last, problem = len(line), first, None
            while inside:
                more = self._next_line()
                if more is None:
                    problem = "opens a quoted field that is never closed (the file ends inside it)"
                    break
                if isinstance(more[1], int):
                    self._back.append(more)
                    problem = _unclosed(cap)
                    break
                parts.append(more)
                size += len(more[1])
                last = more[0]
                inside, d = self._scan(more[1], True)
                delims += d
                if inside and size > cap:
                    problem = _unclosed(cap)
                    break
            if problem is None and width is not None and delims + 1 != width:
                problem = (
                    f"opens a quoted field that closes only on line {last}, leaving {delims + 1} fields "
                    f"against the header's {width} (an unterminated quote)"
                )
            if problem is None:
                data = b"".join(p for _, p in parts)  # type: ignore[misc]
                if size > cap:
                    return first, last, b"", delims + 1, (_too_big(size), "")
                return first, last, data, delims + 1, None
            # An unterminated quote: report its line and read the lines after it again.
            self._back.extend(reversed(parts[1:]))
            return first, first, b"", 0, (problem, f": {shown(_text(line))}")

    def _problem(self, data: bytes, fields: int, width: int) -> tuple[str, str] | None:
        """Why a cut record cannot be read, or ``None``."""
        if fields != width:
            missing = self.names[fields:] if fields < width else []
            unnamed = f" (no value for {', '.join(missing)})" if missing else ""
            return f"has {fields} fields, the header has {width}{unnamed}", f": {shown(_text(data))}"
        if b"\x00" in data:
            return f"has a NUL byte in field {self._nul_field(data)!r}", f": {shown(_text(data))}"
        if not data.isascii():
            try:
                data.decode(self._encoding)
            except UnicodeDecodeError as exc:
                return (
                    f"is not {self._encoding_name} text (byte 0x{data[exc.start]:02x} at position "
                    f"{exc.start}: {exc.reason}); save the file as {self._encoding_name}",
                    f": {shown(_text(data))}",
                )
        return None

    def _nul_field(self, data: bytes) -> str:
        row = next(csv.reader(io.StringIO(_text(data)), delimiter=self._delimiter, quotechar=self._quotechar))
        k = next((i for i, v in enumerate(row) if "\x00" in v), 0)
        names = getattr(self, "names", [])  # none yet while the header is read
        return names[k] if k < len(names) else f"#{k + 1}"

    def _read_header(self) -> tuple[bytes, list[str]]:
        peek = self._fh.peek(4)[:4] if hasattr(self._fh, "peek") else b""
        for bom, name in _OTHER_BOMS.items():
            if peek.startswith(bom):
                raise InvalidDataError(
                    f"the file is {name} text (it starts with a {name} byte-order mark); save it as UTF-8"
                )
        if peek.startswith(_UTF8_BOM):
            self._fh.read(len(_UTF8_BOM))
        cut = self._cut(None)
        if cut is None:
            raise InvalidDataError("the file is empty: there is no header line")
        first, last, data, fields, problem = cut
        if problem is None:
            problem = self._problem(data, fields, fields)
        if problem is not None:
            raise InvalidDataError(f"the header ({_lines(first, last)}) {problem[0]}{problem[1]}")
        text = data.decode(self._encoding).rstrip("\r\n")
        names = next(csv.reader(io.StringIO(text), delimiter=self._delimiter, quotechar=self._quotechar), [])
        names += [f"#{k + 1}" for k in range(len(names), fields)]
        seen: dict[str, int] = {}
        for k, name in enumerate(names[:fields]):
            if name.strip() and name in seen:  # pandas would rename the second one ("amount.1")
                raise InvalidDataError(
                    f"the header ({_lines(first, last)}) names column {shown(name)} twice "
                    f"(columns {seen[name] + 1} and {k + 1}): which one holds the values is ambiguous"
                )
            seen.setdefault(name, k)
        if not data.endswith((b"\n", b"\r")):
            data += b"\n"
        return data, names[:fields]

    def __iter__(self) -> Iterator[tuple[int, int, bytes, tuple[str, str] | None]]:
        width, back, lines = self.width, self._back, self._lines
        delim, quote, wanted = self._delim, self._quote, self.width - 1
        fast = width > 1  # with one column a blank line has as many delimiters as a record
        while True:
            if fast:
                # The common record: one ASCII line without quotes or NUL and with the header's fields.
                item = back.pop() if back else next(lines, None)
                if item is None:
                    return
                line = item[1]
                if (
                    type(line) is bytes
                    and line.count(delim) == wanted
                    and quote not in line
                    and b"\x00" not in line
                    and line.isascii()
                ):
                    self.count += 1
                    yield item[0], item[0], line, None
                    continue
                back.append(item)
            cut = self._cut(width)
            if cut is None:
                return
            first, last, data, fields, problem = cut
            if problem is None:
                problem = self._problem(data, fields, width)
            self.count += 1
            yield first, last, (data if problem is None else b""), problem


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").rstrip("\r\n")


def _too_big(size: int) -> str:
    return (check_record_bytes(size, "") or "").strip()


def _unclosed(cap: int) -> str:
    return (
        f"opens a quoted field that is not closed within {cap:,} bytes (an unterminated quote; raise "
        "SYNTHGENESIS_MAX_RECORD_BYTES if the field is really that long)"
    )


#: Set to ``keep`` to write text cells that start like a spreadsheet formula unchanged.
CSV_FORMULAS_ENV = "SYNTHGENESIS_CSV_FORMULAS"
#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_formula_policy: str | None = None


def keep_csv_formulas() -> bool:
    """Whether CSV exports leave formula-like text as it is (``SYNTHGENESIS_CSV_FORMULAS=keep``)."""
    if _formula_policy is not None:
        return _formula_policy == "keep"
    return os.environ.get(CSV_FORMULAS_ENV, "").strip().lower() == "keep"


@contextlib.contextmanager
def csv_formula_policy(policy: str) -> Iterator[None]:
    """Inside the block, CSV exports ``"neutralise"`` formula-like text (the default) or ``"keep"`` it."""
    global _formula_policy
    if policy not in ("neutralise", "keep"):
        raise ValueError(f"CSV formula policy must be 'neutralise' or 'keep', got {policy!r}")
    previous, _formula_policy = _formula_policy, policy
    try:
        yield
    finally:
        _formula_policy = previous


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as spreadsheet formulas.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe, which spreadsheets show as text instead
    of evaluating (``=HYPERLINK(...)`` stays visible and inert). Numeric
    columns are left alone: a negative number is not a formula. Parquet keeps
    the exact values; only CSV exports are changed.
    """
    out = df
    for column in df.columns:
        values = df[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        risky = np.fromiter(
            (isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values), bool, len(values)
        )
        if risky.any():
            if out is df:
                out = df.copy()
            out.loc[risky, column] = "'" + values[risky].astype(str)
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *, formulas: str | None = None) -> Path:
    """Write ``df`` to CSV or Parquet (by suffix), atomically.

    CSV text that would run as a spreadsheet formula is neutralised
    (:func:`neutralise_formulas`) unless ``formulas="keep"`` or the
    environment sets ``SYNTHGENESIS_CSV_FORMULAS=keep``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        keep = formulas == "keep" or (formulas is None and keep_csv_formulas())
        with atomic_path(path) as tmp:
            (df if keep else neutralise_formulas(df)).to_csv(tmp, index=False)
    elif suffix in (".parquet", ".pq"):
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
    else:
        raise InvalidDataError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    return path
