"""Reading and writing crystal structures: multi-block CIF and pymatgen JSON.

Readers never abort on one bad record. A CIF file is split into its data
blocks first and each block is parsed on its own by pymatgen's ``CifParser``
(pymatgen parses a whole file at once and keys blocks by name, so a repeated
block name would silently replace an earlier block, and a syntax error in one
block would lose all of them). A block that does not parse becomes a row with
no structure and a ``_read_error`` naming the block.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from monty.json import MontyEncoder
from pymatgen.core import IStructure, Structure
from pymatgen.io.cif import CifParser, CifWriter

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import atomic_path
from synthgenesis.types import READ_ERROR_COLUMN

SAMPLE_COLUMN = "structure"
ID_COLUMN = "record_id"
FORMATS = (".cif", ".json")
#: Key under ``Structure.properties`` that carries the record id in JSON files.
JSON_ID_KEY = "record_id"
#: CIF 1.1 limits data block names (pymatgen truncates longer ones).
MAX_BLOCK_NAME = 74
_STRUCTURAL_TAG = re.compile(r"^\s*_(cell_|atom_site_)", re.IGNORECASE | re.MULTILINE)
_ANY_TAG = re.compile(r"^\s*_\S", re.MULTILINE)
_CELL_TAGS = tuple(f"_cell_length_{x}" for x in "abc") + tuple(
    f"_cell_angle_{x}" for x in ("alpha", "beta", "gamma")
)


# ----------------------------------------------------------------------------- CIF


@dataclass(frozen=True)
class CifBlockText:
    """One ``data_`` block of a CIF file: its name, first line number and text."""

    name: str
    line: int
    text: str

    @property
    def is_metadata(self) -> bool:
        """A block with data items but no cell or atom-site items (e.g. ``data_global`` of IUCr files)."""
        return _STRUCTURAL_TAG.search(self.text) is None and _ANY_TAG.search(self.text) is not None


def split_cif_blocks(text: str) -> list[CifBlockText]:
    """Split CIF text into data blocks without parsing them.

    A ``data_`` keyword starts a block only outside semicolon-delimited text
    fields; keywords are case-insensitive (``DATA_`` is valid CIF).
    """
    blocks: list[tuple[str, int, list[str]]] = []
    in_text_field = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        starts_block = line.lstrip()[:5].lower() == "data_"
        if line.startswith(";"):
            in_text_field = not in_text_field
        elif starts_block and not in_text_field:
            rest = line.lstrip()[5:].split()
            name = rest[0] if rest else ""
            blocks.append((name, lineno, [f"data_{name}"]))
            continue
        elif starts_block:
            # pymatgen splits on any line starting with data_, even inside a text
            # field; a marker keeps such free text from being read as a new block.
            line = f"# {line}"
        if blocks:
            blocks[-1][2].append(line)
    return [CifBlockText(name, lineno, "\n".join(lines) + "\n") for name, lineno, lines in blocks]


def parse_cif_block(block: CifBlockText) -> Structure:
    """The structure of one CIF block (the cell as written, not reduced); raises on failure."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parser = CifParser.from_str(block.text)
        structures = parser.parse_structures(primitive=False, on_error="raise")
    if len(structures) != 1:
        raise ValueError(f"expected one structure, got {len(structures)}")
    structure = structures[0]
    if len(structure) == 0:
        notes = "; ".join(str(w.message).splitlines()[0] for w in caught)
        raise ValueError(f"no atom sites{': ' + notes if notes else ''}")
    return structure


def missing_cell_tags(block: CifBlockText) -> list[str]:
    """Cell parameters absent from a block: the usual cause of pymatgen's less obvious lattice errors."""
    present = {m.group(1).lower() for m in re.finditer(r"^\s*(_cell_\w+)", block.text, re.MULTILINE)}
    return [tag for tag in _CELL_TAGS if tag not in present]


def unique_ids(names: list[str]) -> list[str]:
    """Keep names, suffixing repeats with ``#2``, ``#3``... so every record id is unique."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def read_cif(path: Path) -> pd.DataFrame:
    """One row per structure block of a (multi-block) CIF file."""
    text = _read_text(path)
    blocks = [b for b in split_cif_blocks(text) if not b.is_metadata]
    if not blocks:
        raise InvalidDataError(f"{path}: no CIF data block (no line starting with 'data_')")
    ids = unique_ids([b.name or f"block-{k + 1}" for k, b in enumerate(blocks)])
    rows = []
    for rid, block in zip(ids, blocks, strict=True):
        try:
            rows.append(_row(rid, parse_cif_block(block), None))
        except Exception as exc:  # per-block isolation: report and continue
            message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            missing = missing_cell_tags(block)
            hint = f" (missing {', '.join(missing)})" if missing else ""
            rows.append(
                _row(
                    rid, None, f"CIF block {rid!r} (line {block.line}): {type(exc).__name__}: {message}{hint}"
                )
            )
    return _frame(rows)


def block_name(record_id: Any, index: int) -> str:
    """A valid CIF data block name for a record id (no whitespace, at most 74 characters)."""
    name = re.sub(r"\s+", "_", str(record_id).strip()) if record_id is not None else ""
    name = "".join(ch for ch in name if ch.isprintable())
    return (name or f"structure-{index + 1}")[:MAX_BLOCK_NAME]


def cif_text(structures: list[IStructure], names: list[str]) -> str:
    """Multi-block CIF text, one block per structure, named by ``names`` (made unique)."""
    blocks = []
    seen: Counter[str] = Counter()
    for structure, name in zip(structures, names, strict=True):
        seen[name] += 1
        unique = name if seen[name] == 1 else f"{name[: MAX_BLOCK_NAME - 6]}_{seen[name]}"
        cif_block = next(iter(CifWriter(structure).cif_file.data.values()))
        cif_block.header = unique
        blocks.append(str(cif_block))
    return "# written by synthgenesis (crystals domain)\n" + "\n\n".join(blocks) + "\n"


# ----------------------------------------------------------------------------- JSON


def structure_to_dict(structure: IStructure, record_id: Any = None) -> dict[str, Any]:
    """``Structure.as_dict()``, with the record id stored under ``properties``."""
    data = structure.as_dict()
    if record_id is not None:
        data["properties"] = {**(data.get("properties") or {}), JSON_ID_KEY: str(record_id)}
    return data


def structure_from_dict(data: Any) -> tuple[Structure, str | None]:
    """A structure from ``Structure.as_dict()`` output and the record id it carries, if any."""
    if not isinstance(data, dict):
        raise TypeError(f"expected a Structure dict, got {type(data).__name__}")
    props = dict(data.get("properties") or {})
    record_id = props.pop(JSON_ID_KEY, None)
    structure = Structure.from_dict({**data, "properties": props})
    return structure, None if record_id is None else str(record_id)


def read_json(path: Path) -> pd.DataFrame:
    """One row per entry of a JSON list of ``Structure.as_dict()`` (a single dict is one entry)."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDataError(f"{path}: not valid JSON ({exc})") from exc
    entries = [data] if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InvalidDataError(f"{path}: expected a JSON list of Structure dicts, got {type(data).__name__}")
    rows = []
    for k, entry in enumerate(entries):
        fallback = f"#{k}"
        try:
            structure, rid = structure_from_dict(entry)
            rows.append(_row(rid or fallback, structure, None))
        except Exception as exc:
            rid = _json_id(entry) or fallback
            rows.append(_row(rid, None, f"JSON entry {k} ({rid}): {type(exc).__name__}: {exc}"))
    ids = unique_ids([r[ID_COLUMN] for r in rows])
    for row, rid in zip(rows, ids, strict=True):
        row[ID_COLUMN] = rid
    return _frame(rows)


def _json_id(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("properties"), dict):
        rid = entry["properties"].get(JSON_ID_KEY)
        return None if rid is None else str(rid)
    return None


# ----------------------------------------------------------------------------- dispatch


def read(path: str | Path) -> pd.DataFrame:
    """Read a ``.cif`` or ``.json`` file into a batch (``record_id``, ``structure``, ``_read_error``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".cif":
        return read_cif(path)
    if suffix == ".json":
        return read_json(path)
    raise InvalidDataError(f"{path}: unsupported crystal format {suffix!r}; use one of {', '.join(FORMATS)}")


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write the structures of ``batch`` as multi-block CIF or a JSON list, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(
            f"{path}: unsupported crystal format {suffix!r}; use one of {', '.join(FORMATS)}"
        )
    structures, ids = _samples_for_writing(batch)
    if suffix == ".cif":
        text = cif_text(structures, [block_name(rid, k) for k, rid in enumerate(ids)])
    else:
        payload = [structure_to_dict(s, rid) for s, rid in zip(structures, ids, strict=True)]
        text = json.dumps(payload, cls=MontyEncoder, indent=1) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _samples_for_writing(batch: pd.DataFrame) -> tuple[list[IStructure], list[Any]]:
    if SAMPLE_COLUMN not in batch.columns:
        raise InvalidDataError(f"batch has no {SAMPLE_COLUMN!r} column to write")
    ids = batch[ID_COLUMN].tolist() if ID_COLUMN in batch.columns else [None] * len(batch)
    samples = batch[SAMPLE_COLUMN].tolist()
    missing = [
        str(rid if rid is not None else f"row {k}")
        for k, (s, rid) in enumerate(zip(samples, ids, strict=True))
        if not isinstance(s, IStructure)
    ]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InvalidDataError(
            f"{len(missing)} row(s) have no structure to write ({shown}); drop read failures before writing"
        )
    return samples, ids


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    return path.read_bytes().decode("utf-8", errors="replace")


def _row(record_id: str, structure: Structure | None, error: str | None) -> dict[str, Any]:
    return {ID_COLUMN: record_id, SAMPLE_COLUMN: structure, READ_ERROR_COLUMN: error}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[ID_COLUMN, SAMPLE_COLUMN, READ_ERROR_COLUMN])
    return frame.astype({ID_COLUMN: object, SAMPLE_COLUMN: object, READ_ERROR_COLUMN: object})


# ----------------------------------------------------------------------------- storage


def to_storage(batch: pd.DataFrame) -> pd.DataFrame:
    """A Parquet-safe copy: each structure becomes its exact JSON text (``None`` stays ``None``)."""
    out = batch.copy()
    if SAMPLE_COLUMN in out.columns:
        out[SAMPLE_COLUMN] = [
            json.dumps(s.as_dict(), cls=MontyEncoder) if isinstance(s, IStructure) else None
            for s in out[SAMPLE_COLUMN].tolist()
        ]
    return out


def from_storage(table: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`to_storage`: JSON text back to ``Structure`` objects."""
    out = table.copy()
    if SAMPLE_COLUMN in out.columns:
        out[SAMPLE_COLUMN] = pd.Series(
            [_structure_from_text(t) for t in out[SAMPLE_COLUMN].tolist()], index=out.index, dtype=object
        )
    return out


def _structure_from_text(text: Any) -> IStructure | None:
    if isinstance(text, IStructure):
        return text
    if not isinstance(text, str):
        return None
    return Structure.from_dict(json.loads(text))
