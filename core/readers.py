"""What every domain reader does to an untrusted data file before it parses a record.

The domain readers (SMILES/SDF/CSV molecules, CIF/JSON crystals, scenario
JSON Lines, transaction and patient tables) each cut a file into records and
turn a record that cannot be read into a row with a
:data:`~synthgenesis.types.READ_ERROR_COLUMN` naming it. The jobs they share
live here, once:

- :func:`refuse_non_text`: a file that starts like UTF-16/UTF-32 text or a
  compressed archive is refused whole, with what to do about it;
- :func:`file_lines`: a text file streamed line by line, a UTF-8 byte-order
  mark skipped, a line over ``limits().max_record_bytes`` measured and dropped
  without being held whole (:func:`split_lines` does the cutting);
- :func:`read_text`: a small file read whole, byte-order mark dropped;
- :func:`text_problem`: why the bytes of one record are not text (a NUL byte,
  bytes that are not UTF-8), naming the column;
- :func:`unique_ids`: record ids made unique with ``#2``, ``#3``...;
- :func:`record_frame`: the rows of a batch as a frame whose id, sample and
  read-error columns hold Python objects;
- :func:`batched` and :func:`require_records`: ``read_chunks`` in chunks of
  records, a file that holds none refused as ``read`` refuses it;
- :func:`format_of`: a file's format by its suffix, or an error listing the formats read;
- :func:`wrong_delimiter`: which delimiter a one-column table header holds,
  for the hint that the file is not comma-separated.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, TypeVar

import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import check_data_file
from synthgenesis.limits import limits

T = TypeVar("T")

UTF8_BOM = b"\xef\xbb\xbf"
#: Bytes read from a file at a time; memory per line stays bounded by this and the record limit.
BLOCK_BYTES = 1 << 20
#: Starts of files that are not UTF-8 text: (leading bytes, what the file is, what to do).
NOT_TEXT: tuple[tuple[bytes, str, str], ...] = (
    (b"\x00\x00\xfe\xff", "UTF-32 text", "save it as UTF-8 (it starts with a big-endian byte-order mark)"),
    (b"\xff\xfe\x00\x00", "UTF-32 text", "save it as UTF-8 (it starts with a little-endian byte-order mark)"),
    (b"\xff\xfe", "UTF-16 text", "save it as UTF-8 (it starts with a little-endian byte-order mark)"),
    (b"\xfe\xff", "UTF-16 text", "save it as UTF-8 (it starts with a big-endian byte-order mark)"),
    (b"\x1f\x8b", "gzip-compressed", "decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive", "extract the data file from it first"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it first (unxz)"),
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
#: Line breaks: ``\n``, ``\r\n`` or ``\r`` (as :meth:`bytes.splitlines`), or ``\n`` only (JSON Lines).
_BREAKS = {"any": re.compile(rb"\r\n|\r|\n"), "lf": re.compile(rb"\r?\n")}

Newlines = Literal["any", "lf"]
#: One physical line: its number (from 1), its bytes without the line break (``None`` if over
#: the record limit: measured and dropped) and its size in bytes.
Line = tuple[int, bytes | None, int]


def format_of(path: str | os.PathLike[str], formats: Sequence[str], kind: str) -> str:
    """The lower-case suffix of ``path`` if it is one of ``formats``, else an error naming them.

    ``kind`` names what the files hold ("molecule", "crystal"...): the error
    reads ``x.txt: unsupported molecule format '.txt'; use one of .smi, .sdf``.
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in formats:
        raise InvalidDataError(
            f"{path}: unsupported {kind} format {suffix!r}; use one of {', '.join(formats)}"
        )
    return suffix


def refuse_non_text(path: str | os.PathLike[str], head: bytes) -> None:
    """Raise :class:`InvalidDataError` if ``head``, a file's first bytes, are not those of UTF-8 text."""
    for magic, what, todo in NOT_TEXT:
        if head.startswith(magic):
            raise InvalidDataError(f"{path}: the file is {what}; {todo}")
    if _BZIP2.match(head):
        raise InvalidDataError(f"{path}: the file is bzip2-compressed; decompress it first (bunzip2)")


def file_lines(path: str | os.PathLike[str], *, newlines: Newlines = "any") -> Iterator[Line]:
    """The lines of a text file, streamed with at most ``max_record_bytes`` plus one block in memory.

    Only a regular file is read; a UTF-8 byte-order mark at the start is
    skipped and a file that starts like UTF-16/UTF-32 text or an archive is
    refused (:func:`refuse_non_text`). ``newlines="any"`` ends a line at
    ``\\n``, ``\\r\\n`` or ``\\r``; ``"lf"`` at ``\\n`` only, a ``\\r`` just
    before it (or at the very end of the file) dropped. A file that cannot be
    read is an :class:`InvalidDataError` naming it.
    """
    path = check_data_file(path)
    limit = limits().max_record_bytes
    try:
        with open(path, "rb") as fh:
            head = fh.read(BLOCK_BYTES)
            refuse_non_text(path, head)
            head = head.removeprefix(UTF8_BOM)
            blocks = itertools.chain([head], iter(lambda: fh.read(BLOCK_BYTES), b""))
            yield from split_lines(blocks, limit, newlines=newlines)
    except OSError as exc:
        raise InvalidDataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def split_lines(blocks: Iterable[bytes], limit: int, *, newlines: Newlines = "any") -> Iterator[Line]:
    """Cut a stream of byte blocks into lines (see :func:`file_lines` for ``newlines``).

    A line longer than ``limit`` bytes comes back as ``None`` with its size:
    it is counted while it streams past and never held whole.
    """
    brk = _BREAKS[newlines]
    number = 0
    buf = bytearray()
    skipped = -1  # bytes of an over-limit line counted so far; -1 when none is open
    scan = 0  # where the search for a line break resumes (the bytes before it hold none)
    for block in itertools.chain(blocks, [None]):
        final = block is None
        if block is not None:
            buf += block
        pos = 0
        while True:
            m = brk.search(buf, max(pos, scan))
            if m is None or (not final and m.end() == len(buf) and buf[-1] == 0x0D):
                break  # no break left, or a "\r" that may be the first half of "\r\n"
            number += 1
            yield _line(number, buf, pos, m.start(), skipped, limit)
            skipped = -1
            pos = m.end()
        if final:
            end = len(buf) - (newlines == "lf" and buf.endswith(b"\r"))
            if skipped >= 0 or end > pos:
                yield _line(number + 1, buf, pos, end, skipped, limit)
            return
        del buf[:pos]
        if skipped >= 0 or len(buf) > limit:
            keep = 1 if buf and buf[-1] == 0x0D else 0  # a trailing "\r" is a line break to come
            skipped = max(skipped, 0) + len(buf) - keep
            del buf[: len(buf) - keep]
        scan = max(0, len(buf) - 1)


def _line(number: int, buf: bytearray, start: int, end: int, skipped: int, limit: int) -> Line:
    """The line ``buf[start:end]``, after ``skipped`` bytes of it already counted and dropped (or -1)."""
    size = end - start
    if skipped >= 0:
        return number, None, skipped + size
    if size > limit:
        return number, None, size
    return number, bytes(buf[start:end]), size


def read_text(path: str | os.PathLike[str], *, errors: Literal["strict", "replace"] = "strict") -> str:
    """The text of a regular file read whole, a UTF-8 byte-order mark dropped.

    A file that starts like UTF-16/UTF-32 text or an archive is refused. With
    ``errors="strict"`` bytes that are not UTF-8 refuse the file, naming the
    byte and its line; with ``"replace"`` they become U+FFFD (formats such as
    CIF, whose free text is often Latin-1, are read that way).
    """
    path = check_data_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidDataError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    refuse_non_text(path, data[:8])
    data = data.removeprefix(UTF8_BOM)
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidDataError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8"
        ) from None


def text_problem(raw: bytes, subject: str = "") -> str | None:
    """Why the bytes of one record are not text (a NUL byte, not UTF-8), else ``None``.

    Columns count bytes from 1. ``subject`` starts the sentence ("the line"):
    ``"the line holds a NUL byte at column 3 (binary data, not text)"``,
    ``"the line is not UTF-8 text (byte 0xe9 at column 9: ...)"``; without it
    the reason reads ``"holds a NUL byte ..."``, ``"not UTF-8 text ..."``.
    """
    nul = raw.find(b"\x00")
    if nul >= 0:
        problem = f"holds a NUL byte at column {nul + 1} (binary data, not text)"
        return f"{subject} {problem}" if subject else problem
    if raw.isascii():
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}: {exc.reason})"
        return f"{subject} is {problem}" if subject else problem
    return None


def unique_ids(ids: Iterable[str], seen: Counter[str] | None = None) -> list[str]:
    """Keep ids, suffixing repeats with ``#2``, ``#3``... so every record id is unique.

    ``seen`` carries the counts over from earlier chunks of the same file.
    """
    seen = Counter() if seen is None else seen
    out = []
    for rid in ids:
        seen[rid] += 1
        out.append(rid if seen[rid] == 1 else f"{rid}#{seen[rid]}")
    return out


def record_frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame of reader rows: ``columns`` first, as Python objects, then any other keys the rows have.

    ``columns`` are the record id, the sample and the read-error columns of a
    domain; other keys (SD data items, extra CSV columns) follow in the order
    they first appear.
    """
    names = list(columns)
    for row in rows:
        names.extend(c for c in row if c not in names)
    frame = pd.DataFrame(list(rows), columns=names)
    for c in columns:  # built as objects: pandas would turn None into NaN in a column of numbers
        frame[c] = pd.Series([row.get(c) for row in rows], index=frame.index, dtype=object)
    return frame


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last one shorter), read lazily from ``items``."""
    if size <= 0:
        raise ValueError(f"size must be a positive number of records, got {size}")
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def require_records(chunks: Iterable[pd.DataFrame], empty: Callable[[], str]) -> Iterator[pd.DataFrame]:
    """The chunks that hold records; :class:`InvalidDataError` with ``empty()`` if none did.

    This is how ``read_chunks`` refuses a file that holds no record, as
    ``read`` does, after streaming it.
    """
    any_read = False
    for chunk in chunks:
        if len(chunk):
            any_read = True
            yield chunk
    if not any_read:
        raise InvalidDataError(empty())


#: Delimiters a table file is written with by mistake, by the name a hint gives them.
OTHER_DELIMITERS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


def wrong_delimiter(columns: Sequence[str], delimiters: str = ";\t|") -> str | None:
    """The name of the delimiter (``"semicolons"``...) a one-column header holds, else ``None``.

    A comma-separated reader sees a semicolon- or tab-separated file as one
    column whose name holds the other delimiter: the hint that says so saves
    the user from reading "missing column" errors for columns that are there.
    """
    if len(columns) != 1:
        return None
    return next((name for sep, name in OTHER_DELIMITERS if sep in delimiters and sep in columns[0]), None)
