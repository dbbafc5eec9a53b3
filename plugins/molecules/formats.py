"""Reading and writing molecules: SMILES files, SDF and CSV with a ``smiles`` column.

A batch holds one SMILES string per row in ``smiles`` and a record id in
``record_id``. Readers keep chemically invalid molecules (the rules report
them) and turn only records that cannot be read at all into rows with no
sample and a ``_read_error`` naming the record: an SDF record RDKit cannot
parse, text that is not SMILES (a syntax error, an empty cell), a line that is
not UTF-8 text or holds a NUL byte, a CSV row with the wrong number of fields
or an unterminated quote, a record over ``limits().max_record_bytes``.

Files are streamed line by line with at most one record (bounded by the
record limit) in memory: a line over the limit is measured and dropped, never
kept whole. A UTF-8 byte-order mark at the start of a file is skipped; files
that are UTF-16/UTF-32 text or compressed are refused with what to do.
Lines end with ``\n``, ``\r\n`` or ``\r``. These jobs, shared by every domain
reader, are :mod:`synthgenesis.readers`'.
Writers write canonical SMILES (RDKit), atomically.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from rdkit import Chem
from rdkit.Chem import rdDepictor

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import atomic_path
from synthgenesis.limits import check_record_bytes, limits
from synthgenesis.plugins.molecules.parsing import (
    MAX_SMILES_ATOMS_ENV,
    canonical_smiles,
    captured_rdkit_log,
    is_missing,
    max_smiles_atoms,
    parse_smiles,
)
from synthgenesis.readers import (
    Line,
    batched,
    file_lines,
    format_of,
    record_frame,
    require_records,
    split_lines,  # noqa: F401  (part of this module's interface: tests cut lines with it)
    text_problem,
    unique_ids,
    wrong_delimiter,
)
from synthgenesis.types import READ_ERROR_COLUMN

SAMPLE_COLUMN = "smiles"
ID_COLUMN = "record_id"
SMILES_SUFFIXES = (".smi", ".smiles")
FORMATS = (*SMILES_SUFFIXES, ".sdf", ".csv")
#: First tokens that mark a header line in a SMILES file.
SMILES_HEADER_TOKENS = frozenset({"smiles", "smi", "canonical_smiles", "smiles_string"})
_RESERVED = (ID_COLUMN, SAMPLE_COLUMN, READ_ERROR_COLUMN)


# ----------------------------------------------------------------------------- lines

_RDKIT_LINE = re.compile(r"\bon line (\d+)")


# ----------------------------------------------------------------------------- SMILES files


def read_smiles_file(path: Path) -> pd.DataFrame:
    """One row per non-blank line: ``SMILES [name...]``; ``#`` comment lines and a header are skipped."""
    return _frame(_no_empty(list(_smiles_rows(path)), path))


def _smiles_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a SMILES file: every line that is not blank, a comment or the header is one record.

    The header is recognised on the first line that is not blank or a comment
    only, by its first word (:data:`SMILES_HEADER_TOKENS`, any letter case);
    none of those words is SMILES, so no molecule can be mistaken for it.
    """
    first_content = True
    for lineno, raw, size in file_lines(path):
        where = f"line {lineno}"
        if raw is None:
            first_content = False
            yield _row(where, None, f"{where}: {check_record_bytes(size, 'the line')}")
            continue
        if not raw.strip():
            continue
        problem = text_problem(raw)
        if problem is not None:
            first_content = False
            yield _row(where, None, f"{where}: {problem}")
            continue
        line = raw.decode("utf-8").strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if first_content and parts[0].lower() in SMILES_HEADER_TOKENS:
            first_content = False
            continue
        first_content = False
        name = parts[1].strip() if len(parts) > 1 else ""
        yield _smiles_row(name or where, parts[0], where)


def _smiles_line(smiles: str, record_id: Any) -> str:
    name = " ".join(str(record_id).split()) if not is_missing(record_id) else ""
    return f"{smiles}\t{name}" if name else smiles


# ----------------------------------------------------------------------------- SDF


def read_sdf(path: Path) -> pd.DataFrame:
    """One row per SDF record; SD data items become string columns.

    Records are read with ``sanitize=False`` so that invalid chemistry
    reaches the rules; a record RDKit cannot parse at all becomes a read error
    naming its index (1-based), title and first line.
    """
    return _frame(_no_empty(list(_sdf_rows(path)), path))


def _sdf_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of an SDF file, one record in memory at a time.

    Records end at a line starting with ``$$$$``; a last record without one
    is read too. A record over ``max_record_bytes`` is measured and dropped
    without being parsed.
    """
    limit = limits().max_record_bytes
    index = 0
    lines: list[bytes] = []
    first = last = 0
    size = 0
    over = False
    title: bytes | None = None
    for lineno, raw, n in file_lines(path):
        end = raw is not None and raw[:4] == b"$$$$"
        if not first:
            first, title = lineno, None if end else raw
        last = lineno
        if end:
            index += 1
            yield _sdf_record(index, (first, lineno), title, None if over else lines, size)
            lines, first, size, over, title = [], 0, 0, False, None
            continue
        size += n + 1
        if over:
            continue
        if raw is None or size > limit:
            over, lines = True, []
            continue
        lines.append(raw)
    if first and (over or any(line.strip() for line in lines)):
        yield _sdf_record(index + 1, (first, last), title, None if over else lines, size)


def _sdf_record(
    index: int, span: tuple[int, int], title_raw: bytes | None, lines: list[bytes] | None, size: int
) -> dict[str, Any]:
    """The row of one SDF record given as its lines (``None``: over the record limit)."""
    title = title_raw.decode("utf-8", "replace").strip() if title_raw is not None else ""
    rid = title or f"record {index}"
    label = f"SDF record {index}" + (f" ({_cut(title)})" if title else "")
    where = f"line {span[0]}" if span[0] == span[1] else f"lines {span[0]}-{span[1]}"
    if lines is None:
        return _row(rid, None, f"{label}, {where}: {check_record_bytes(size, 'the record')}")
    for offset, raw in enumerate(lines):
        problem = text_problem(raw)
        if problem is not None:
            return _row(rid, None, f"{label}, line {span[0] + offset}: {problem}")
    text = b"\n".join(lines).decode("utf-8")
    try:
        with captured_rdkit_log() as log:
            supplier = Chem.SDMolSupplier()
            supplier.SetData(text + "\n$$$$\n", sanitize=False, removeHs=False)
            mol = supplier[0] if len(supplier) else None
    except Exception as exc:
        return _row(rid, None, f"{label}, {where}: {type(exc).__name__}: {exc}")
    if mol is None:
        detail = log.summary() or "RDKit could not parse the molfile"
        # RDKit counts lines from the start of the record; name the line of the file.
        detail = _RDKIT_LINE.sub(lambda m: f"on line {span[0] + int(m.group(1)) - 1}", detail)
        return _row(rid, None, f"{label}, {where}: {detail}")
    atom_limit = max_smiles_atoms()
    if mol.GetNumAtoms() > atom_limit:
        return _row(
            rid,
            None,
            f"{label}, {where}: {mol.GetNumAtoms():,} atoms, over the limit of {atom_limit:,} "
            f"(raise {MAX_SMILES_ATOMS_ENV} to accept it)",
        )
    try:
        smiles = _mol_to_smiles(mol)
    except Exception as exc:
        return _row(rid, None, f"{label}, {where}: no SMILES: {type(exc).__name__}: {exc}")
    row = _row(rid, smiles, None)
    for prop in mol.GetPropNames():
        if prop not in _RESERVED:
            row[prop] = mol.GetProp(prop)
    return row


def _mol_to_smiles(mol: Chem.Mol) -> str:
    """Canonical SMILES of a molecule read unsanitized: sanitized form if possible, else as is."""
    with captured_rdkit_log():
        try:
            clean = Chem.RemoveHs(mol, sanitize=False)
        except Exception:
            clean = Chem.Mol(mol)
        trial = Chem.Mol(clean)
        if Chem.SanitizeMol(trial, catchErrors=True) == Chem.SanitizeFlags.SANITIZE_NONE:
            return Chem.MolToSmiles(trial)
        clean.UpdatePropertyCache(strict=False)
        return Chem.MolToSmiles(clean)


def _sdf_text(batch: pd.DataFrame, smiles: list[str], ids: list[Any]) -> str:
    buffer = io.StringIO()
    extra = [c for c in batch.columns if c not in _RESERVED]
    writer = Chem.SDWriter(buffer)
    try:
        for k, (smi, rid) in enumerate(zip(smiles, ids, strict=True)):
            mol = _mol_for_sdf(smi)
            mol.SetProp("_Name", "" if is_missing(rid) else " ".join(str(rid).split()))
            for col in extra:
                value = batch[col].iat[k]
                if not is_missing(value):
                    mol.SetProp(str(col), " ".join(str(value).splitlines()))
            with captured_rdkit_log():
                try:
                    writer.write(mol)
                except Exception:  # an unkekulizable ring can still be written with aromatic bond orders
                    writer.SetKekulize(False)
                    writer.write(mol)
                    writer.SetKekulize(True)
    finally:
        writer.close()
    return buffer.getvalue()


def _mol_for_sdf(smiles: str) -> Chem.Mol:
    with captured_rdkit_log():
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            mol = Chem.MolFromSmiles(smiles, sanitize=False)
            if mol is None:
                raise InvalidDataError(f"SMILES {smiles!r} cannot be written to SDF: RDKit cannot parse it")
            mol.UpdatePropertyCache(strict=False)
        # Coordinates are a convenience; the connection table is what matters.
        with contextlib.suppress(Exception):
            rdDepictor.Compute2DCoords(mol)
    return mol


# ----------------------------------------------------------------------------- CSV


def read_csv(path: Path) -> pd.DataFrame:
    """One row per CSV data row; needs a ``smiles`` column (any case); ``record_id`` is used if present."""
    return _numeric_extras(_frame(_no_empty(list(_csv_rows(path)), path)))


#: One CSV record: first and last line, its fields (``None`` if it cannot be read) and the reason.
CsvRecord = tuple[int, int, list[str] | None, str | None]


def split_csv_record(text: str) -> tuple[list[str], bool]:
    """Fields of one comma-separated record as :mod:`csv` reads them; ``False`` if a quote is left open.

    ``"`` opens a quoted field only at the start of a field; ``""`` inside
    one is a quote; after the closing quote the field goes on to the next
    comma (the default, non-strict :mod:`csv` dialect).
    """
    if '"' not in text:
        return text.split(","), True
    fields: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            parts = []
            i += 1
            while True:
                j = text.find('"', i)
                if j < 0:
                    parts.append(text[i:])
                    fields.append("".join(parts))
                    return fields, False
                parts.append(text[i:j])
                if j + 1 < n and text[j + 1] == '"':
                    parts.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            k = text.find(",", i)
            parts.append(text[i : n if k < 0 else k])
            fields.append("".join(parts))
        else:
            k = text.find(",", i)
            fields.append(text[i : n if k < 0 else k])
        if k < 0:
            return fields, True
        i = k + 1


def _csv_records(path: Path) -> Iterator[CsvRecord]:
    """CSV records, a quoted field may span lines; a record is never larger than the record limit.

    A quote left open at the end of the file, or still open when the record
    reaches ``max_record_bytes``, makes its first line a read error; the
    lines after it are read again as records of their own, so one stray quote
    costs one line, not the rest of the file.
    """
    limit = limits().max_record_bytes
    lines = file_lines(path)
    pending: list[Line] = []  # lines taken back after an unterminated quote, to read again

    def next_line() -> Line | None:
        return pending.pop() if pending else next(lines, None)

    while (line := next_line()) is not None:
        lineno, raw, size = line
        if raw is None:
            yield lineno, lineno, None, check_record_bytes(size, "the line")
            continue
        text = raw.decode("utf-8", "surrogateescape")
        fields, closed = split_csv_record(text)
        taken: list[Line] = []
        total = size
        while not closed:
            more = next_line()
            if more is None or more[1] is None or total + more[2] + 1 > limit:
                if more is not None:
                    taken.append(more)
                pending.extend(reversed(taken))
                end = "the end of the file" if more is None else f"{limit:,} bytes (the record limit)"
                fields = []
                yield lineno, lineno, None, f"a quoted field opened on this line is not closed before {end}"
                break
            taken.append(more)
            total += more[2] + 1
            text += "\n" + more[1].decode("utf-8", "surrogateescape")
            fields, closed = split_csv_record(text)
        if not closed:
            continue
        last = taken[-1][0] if taken else lineno
        problem = text_problem(text.encode("utf-8", "surrogateescape"))
        yield lineno, last, (None if problem else fields), problem


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    records = _csv_records(path)
    header: list[str] | None = None
    for first, _last, fields, problem in records:
        if fields is not None and not any(f.strip() for f in fields):
            continue
        if problem is not None or fields is None:
            raise InvalidDataError(f"{path}: the header, line {first}, cannot be read: {problem}")
        header = fields
        break
    if header is None:
        raise InvalidDataError(f"{path}: empty CSV file (no header)")
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if SAMPLE_COLUMN not in lowered:
        hint = "; fields must be separated by commas" if wrong_delimiter(header, ";\t") else ""
        raise InvalidDataError(
            f"{path}: no 'smiles' column (columns: {_cut(', '.join(header)) or 'none'}){hint}"
        )
    repeated = [name for name, count in Counter(lowered).items() if count > 1]
    if repeated:
        raise InvalidDataError(
            f"{path}: the header names column(s) {', '.join(map(repr, repeated))} more than once "
            f"(columns are matched in any letter case); rename them"
        )
    s_col = lowered.index(SAMPLE_COLUMN)
    id_col = lowered.index(ID_COLUMN) if ID_COLUMN in lowered else None
    extra = [(i, name) for i, name in enumerate(names) if i not in (s_col, id_col) and name not in _RESERVED]
    for first, last, fields, problem in records:
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        if fields is None:
            yield _row(f"line {first}", None, f"{where}: {problem}")
            continue
        if not any(v.strip() for v in fields):
            continue
        rid = fields[id_col].strip() if id_col is not None and id_col < len(fields) else ""
        rid = rid or f"line {first}"
        if len(fields) != len(header):
            yield _row(rid, None, f"{where}: {len(fields)} fields, header has {len(header)}")
            continue
        row = _smiles_row(rid, fields[s_col].strip(), where)
        for i, name in extra:
            row[name] = fields[i]
        yield row


def _numeric_extras(frame: pd.DataFrame) -> pd.DataFrame:
    """Data columns of a CSV (beyond id, SMILES and read error) as numbers where they all are."""
    for name in frame.columns[3:]:
        frame[name] = _maybe_numeric(frame[name])
    return frame


#: Cell texts that stand for a missing number (pandas' default ``na_values``, the common ones).
_MISSING_NUMBER = frozenset(
    ("", "nan", "NaN", "NAN", "-nan", "-NaN", "NA", "N/A", "n/a", "#N/A", "null", "NULL", "None")
)


def _maybe_numeric(column: pd.Series) -> pd.Series:
    cleaned = column.map(lambda v: None if isinstance(v, str) and v.strip() in _MISSING_NUMBER else v)
    try:
        return pd.to_numeric(cleaned)
    except (ValueError, TypeError):
        return column


# ----------------------------------------------------------------------------- dispatch


def read(path: str | Path) -> pd.DataFrame:
    """Read a ``.smi``/``.smiles``, ``.sdf`` or ``.csv`` file into a batch."""
    path = Path(path)
    suffix = format_of(path, FORMATS, "molecule")
    if suffix in SMILES_SUFFIXES:
        return read_smiles_file(path)
    return read_sdf(path) if suffix == ".sdf" else read_csv(path)


def read_chunks(path: str | Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read`, ``size`` records at a time: the file is streamed, never held whole.

    Record ids stay unique across chunks (a repeated name gets ``#2``, ``#3``
    as with :func:`read`), so the chunks put together equal :func:`read`.
    """
    path = Path(path)
    suffix = format_of(path, FORMATS, "molecule")
    rows = {".sdf": _sdf_rows, ".csv": _csv_rows}.get(suffix, _smiles_rows)(path)
    seen: Counter[str] = Counter()
    finish = _numeric_extras if suffix == ".csv" else _same
    frames = (finish(_frame(batch, seen)) for batch in batched(rows, size))
    yield from require_records(frames, lambda: _empty_file(path))


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write canonical SMILES as a SMILES file, SDF (2D coordinates) or CSV, atomically."""
    path = Path(path)
    suffix = format_of(path, FORMATS, "molecule")
    smiles, ids = _smiles_for_writing(batch)
    if suffix in SMILES_SUFFIXES:
        text = "".join(_smiles_line(s, rid) + "\n" for s, rid in zip(smiles, ids, strict=True))
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    elif suffix == ".sdf":
        text = _sdf_text(batch, smiles, ids)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    else:
        out = batch.drop(columns=[c for c in (READ_ERROR_COLUMN,) if c in batch.columns]).copy()
        out[SAMPLE_COLUMN] = smiles
        first = [c for c in (ID_COLUMN, SAMPLE_COLUMN) if c in out.columns]
        ordered = first + [c for c in out.columns if c not in first]
        with atomic_path(path) as tmp:
            out[ordered].to_csv(tmp, index=False)


def _smiles_for_writing(batch: pd.DataFrame) -> tuple[list[str], list[Any]]:
    """Canonical SMILES per row; SMILES RDKit cannot parse are kept verbatim if they fit on one line."""
    if SAMPLE_COLUMN not in batch.columns:
        raise InvalidDataError(f"batch has no {SAMPLE_COLUMN!r} column to write")
    ids = batch[ID_COLUMN].tolist() if ID_COLUMN in batch.columns else [None] * len(batch)
    out: list[str] = []
    unwritable: list[str] = []
    for k, (sample, rid) in enumerate(zip(batch[SAMPLE_COLUMN].tolist(), ids, strict=True)):
        canon = canonical_smiles(sample)
        if canon is None:
            raw = sample.strip() if isinstance(sample, str) else ""
            if not raw or re.search(r"\s", raw):
                unwritable.append(str(rid if not is_missing(rid) else f"row {k}"))
                continue
            canon = raw
        out.append(canon)
    if unwritable:
        shown = ", ".join(unwritable[:5]) + (" ..." if len(unwritable) > 5 else "")
        raise InvalidDataError(
            f"{len(unwritable)} row(s) have no SMILES that can be written ({shown}); drop them before writing"
        )
    return out, ids


# ----------------------------------------------------------------------------- helpers


def _cut(text: str) -> str:
    """``text`` for a label, cut to ``limits().max_shown_chars`` characters with its length noted."""
    limit = limits().max_shown_chars
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _empty_file(path: Path) -> str:
    return f"{path}: holds no molecules (the file is empty or has only blank lines, comments or a header)"


def _no_empty(rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """``rows``, or an error if the file holds no record at all."""
    if not rows:
        raise InvalidDataError(_empty_file(path))
    return rows


def _smiles_row(record_id: str, smiles: str, where: str) -> dict[str, Any]:
    """A row for SMILES text from a file: a read error if RDKit cannot parse it at all.

    Text that parses but breaks chemistry rules stays a sample for the rules;
    text that is not SMILES (syntax error, empty cell) is an unreadable record.
    """
    parsed = parse_smiles(smiles)
    if parsed.mol is None:
        return _row(record_id, None, f"{where}: {parsed.reason}")
    return _row(record_id, smiles, None)


def _row(record_id: str, smiles: str | None, error: str | None) -> dict[str, Any]:
    return {ID_COLUMN: record_id, SAMPLE_COLUMN: smiles, READ_ERROR_COLUMN: error}


def _frame(rows: list[dict[str, Any]], seen: Counter[str] | None = None) -> pd.DataFrame:
    frame = record_frame(rows, _RESERVED)
    frame[ID_COLUMN] = unique_ids([str(r) for r in frame[ID_COLUMN].tolist()], seen)
    return frame


# ----------------------------------------------------------------------------- storage


def to_storage(batch: pd.DataFrame) -> pd.DataFrame:
    """A Parquet-safe copy: SMILES stay strings, missing samples become ``None``."""
    out = batch.copy()
    if SAMPLE_COLUMN in out.columns:
        out[SAMPLE_COLUMN] = pd.Series(
            [None if is_missing(s) else str(s) for s in out[SAMPLE_COLUMN].tolist()],
            index=out.index,
            dtype=object,
        )
    return out


def from_storage(table: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`to_storage` (Parquet nulls back to ``None``)."""
    return to_storage(table)
