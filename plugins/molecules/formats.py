"""Reading and writing molecules: SMILES files, SDF and CSV with a ``smiles`` column.

A batch holds one SMILES string per row in ``smiles`` and a record id in
``record_id``. Readers keep chemically invalid molecules (the rules report
them) and turn only records that cannot be read at all into rows with no
sample and a ``_read_error`` naming the record: an SDF record RDKit cannot
parse, text that is not SMILES (a syntax error, an empty cell), a line that is
not UTF-8 text, a CSV row with the wrong number of fields.
Writers write canonical SMILES (RDKit), atomically.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
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
from synthgenesis.plugins.molecules.parsing import (
    canonical_smiles,
    captured_rdkit_log,
    is_missing,
    parse_smiles,
)
from synthgenesis.types import READ_ERROR_COLUMN

SAMPLE_COLUMN = "smiles"
ID_COLUMN = "record_id"
SMILES_SUFFIXES = (".smi", ".smiles")
FORMATS = (*SMILES_SUFFIXES, ".sdf", ".csv")
#: First tokens that mark a header line in a SMILES file.
SMILES_HEADER_TOKENS = frozenset({"smiles", "smi", "canonical_smiles", "smiles_string"})
_RESERVED = (ID_COLUMN, SAMPLE_COLUMN, READ_ERROR_COLUMN)


# ----------------------------------------------------------------------------- SMILES files


def read_smiles_file(path: Path) -> pd.DataFrame:
    """One row per non-blank line: ``SMILES [name...]``; ``#`` comment lines and a header are skipped."""
    return _frame(list(_smiles_rows(path)))


def _file_lines(path: Path) -> Iterator[bytes]:
    """The lines of a file read as a stream, split as :meth:`bytes.splitlines` splits them."""
    _check_file(path)
    with open(path, "rb") as fh:
        for chunk in fh:
            yield from chunk.splitlines()


def _smiles_rows(path: Path) -> Iterator[dict[str, Any]]:
    first_content = True
    for lineno, raw in enumerate(_file_lines(path), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            yield _row(
                f"line {lineno}",
                None,
                f"line {lineno}: not UTF-8 text ({exc.reason} at byte {exc.start})",
            )
            continue
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if first_content and parts[0].lower() in SMILES_HEADER_TOKENS:
            first_content = False
            continue
        first_content = False
        name = parts[1].strip() if len(parts) > 1 else ""
        yield _smiles_row(name or f"line {lineno}", parts[0], f"line {lineno}")


def _smiles_line(smiles: str, record_id: Any) -> str:
    name = " ".join(str(record_id).split()) if not is_missing(record_id) else ""
    return f"{smiles}\t{name}" if name else smiles


# ----------------------------------------------------------------------------- SDF


def read_sdf(path: Path) -> pd.DataFrame:
    """One row per SDF record; SD data items become string columns.

    Records are read with ``sanitize=False`` so that invalid chemistry
    reaches the rules; a record RDKit cannot parse at all becomes a read error
    naming its index (1-based) and title line.
    """
    return _frame(list(_sdf_rows(path)))


def _sdf_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of an SDF file, one record in memory at a time (RDKit indexes record offsets only)."""
    _check_file(path)
    with captured_rdkit_log():
        supplier = Chem.SDMolSupplier(str(path), sanitize=False, removeHs=False)
        n_records = len(supplier)
    for k in range(n_records):
        title = _sdf_title(supplier, k)
        label = f"record {k + 1}" + (f" ({title})" if title else "")
        try:
            with captured_rdkit_log() as log:
                mol = supplier[k]
        except Exception as exc:
            yield _row(title or f"record {k + 1}", None, f"SDF {label}: {type(exc).__name__}: {exc}")
            continue
        if mol is None:
            detail = log.summary() or "RDKit could not parse the molfile"
            yield _row(title or f"record {k + 1}", None, f"SDF {label}: {detail}")
            continue
        try:
            smiles = _mol_to_smiles(mol)
        except Exception as exc:
            yield _row(
                title or f"record {k + 1}", None, f"SDF {label}: no SMILES: {type(exc).__name__}: {exc}"
            )
            continue
        row = _row(title or f"record {k + 1}", smiles, None)
        for prop in mol.GetPropNames():
            if prop not in _RESERVED:
                row[prop] = mol.GetProp(prop)
        yield row


def _sdf_title(supplier: Chem.SDMolSupplier, k: int) -> str:
    try:
        text = supplier.GetItemText(k)
    except Exception:
        return ""
    return text.splitlines()[0].strip() if text else ""


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
    return _numeric_extras(_frame(list(_csv_rows(path))))


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    _check_file(path)
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        yield from _csv_rows_of(csv.reader(fh), path)


def _csv_rows_of(reader: Any, path: Path) -> Iterator[dict[str, Any]]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidDataError(f"{path}: empty CSV file (no header)") from None
    lowered = [h.strip().lower() for h in header]
    if SAMPLE_COLUMN not in lowered:
        raise InvalidDataError(f"{path}: no 'smiles' column (columns: {', '.join(header) or 'none'})")
    s_col = lowered.index(SAMPLE_COLUMN)
    id_col = lowered.index(ID_COLUMN) if ID_COLUMN in lowered else None
    extra = [
        (i, h.strip())
        for i, h in enumerate(header)
        if i not in (s_col, id_col) and h.strip() not in _RESERVED
    ]
    for values in reader:
        lineno = reader.line_num
        if not any(v.strip() for v in values):
            continue
        rid = values[id_col].strip() if id_col is not None and id_col < len(values) else ""
        rid = rid or f"line {lineno}"
        if len(values) != len(header):
            yield _row(rid, None, f"line {lineno}: {len(values)} fields, header has {len(header)}")
            continue
        row = _smiles_row(rid, values[s_col].strip(), f"line {lineno}")
        for i, name in extra:
            row[name] = values[i]
        yield row


def _numeric_extras(frame: pd.DataFrame) -> pd.DataFrame:
    """Data columns of a CSV (beyond id, SMILES and read error) as numbers where they all are."""
    for name in frame.columns[3:]:
        frame[name] = _maybe_numeric(frame[name])
    return frame


def _maybe_numeric(column: pd.Series) -> pd.Series:
    cleaned = column.replace("", None)
    try:
        return pd.to_numeric(cleaned)
    except (ValueError, TypeError):
        return column


# ----------------------------------------------------------------------------- dispatch


def read(path: str | Path) -> pd.DataFrame:
    """Read a ``.smi``/``.smiles``, ``.sdf`` or ``.csv`` file into a batch."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SMILES_SUFFIXES:
        return read_smiles_file(path)
    if suffix == ".sdf":
        return read_sdf(path)
    if suffix == ".csv":
        return read_csv(path)
    raise InvalidDataError(f"{path}: unsupported molecule format {suffix!r}; use one of {', '.join(FORMATS)}")


def read_chunks(path: str | Path, size: int) -> Iterator[pd.DataFrame]:
    """:func:`read`, ``size`` records at a time: the file is streamed, never held whole.

    Record ids stay unique across chunks (a repeated name gets ``#2``, ``#3``
    as with :func:`read`), so the chunks put together equal :func:`read`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SMILES_SUFFIXES:
        rows = _smiles_rows(path)
    elif suffix == ".sdf":
        rows = _sdf_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    else:
        raise InvalidDataError(
            f"{path}: unsupported molecule format {suffix!r}; use one of {', '.join(FORMATS)}"
        )
    seen: Counter[str] = Counter()
    while batch := list(itertools.islice(rows, size)):
        frame = _frame(batch, seen)
        yield _numeric_extras(frame) if suffix == ".csv" else frame


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write canonical SMILES as a SMILES file, SDF (2D coordinates) or CSV, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(
            f"{path}: unsupported molecule format {suffix!r}; use one of {', '.join(FORMATS)}"
        )
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


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    if path.is_dir():
        raise InvalidDataError(f"{path}: is a folder, not a file")


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


def unique_ids(ids: list[str], seen: Counter[str] | None = None) -> list[str]:
    """Keep ids, suffixing repeats with ``#2``, ``#3``... so every record id is unique.

    ``seen`` carries the counts over from earlier chunks of the same file.
    """
    seen = Counter() if seen is None else seen
    out = []
    for rid in ids:
        seen[rid] += 1
        out.append(rid if seen[rid] == 1 else f"{rid}#{seen[rid]}")
    return out


def _frame(rows: list[dict[str, Any]], seen: Counter[str] | None = None) -> pd.DataFrame:
    columns = list(_RESERVED)
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    frame = pd.DataFrame(rows, columns=columns).astype({c: object for c in _RESERVED})
    frame[ID_COLUMN] = unique_ids([str(r) for r in frame[ID_COLUMN].tolist()], seen)
    return frame[[ID_COLUMN, SAMPLE_COLUMN, READ_ERROR_COLUMN, *columns[3:]]]


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
