"""Reading and writing crystal structures: multi-block CIF and pymatgen JSON.

Readers never abort on one bad record. A CIF file is split into its data
blocks first and each block is parsed on its own by pymatgen's ``CifParser``
(pymatgen parses a whole file at once and keys blocks by name, so a repeated
block name would silently replace an earlier block, and a syntax error in one
block would lose all of them). A block that does not parse becomes a row with
no structure and a ``_read_error`` naming the block.

Data files are untrusted, and pymatgen is lenient: it takes a negative cell
length as positive, folds an angle of 200° to 160° and silently drops an atom
of negative occupancy. Before pymatgen sees a block, its cell parameters and
atom-site loop are read here and checked (lengths positive and finite,
angles in (0°, 180°) and forming a real cell, occupancies in [0, 1] and
coordinates finite), and its size and number of atom sites are checked
against :func:`synthgenesis.limits.limits`, so a block with a million atoms
becomes one rejected record in milliseconds instead of minutes of parsing.
JSON entries get the same checks on their dicts before ``Structure.from_dict``.

Files are read whole by :func:`synthgenesis.readers.read_text`: a UTF-8
byte-order mark is dropped, bytes that are not UTF-8 (Latin-1 titles are
common in CIFs) become U+FFFD, and a file that starts like UTF-16/UTF-32 text
or a compressed archive is refused with what to do.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from monty.json import MontyEncoder
from pymatgen.core import IStructure, Structure
from pymatgen.io.cif import CifParser, CifWriter

from synthgenesis.errors import InvalidDataError
from synthgenesis.io import atomic_path
from synthgenesis.limits import check_record_bytes, limits, shown
from synthgenesis.readers import format_of, read_text, record_frame, unique_ids
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
#: Occupancies above 1 by more than this are refused (rounding in CIFs is well below it).
OCCUPANCY_TOLERANCE = 0.01
#: One CIF token: a quoted string (closed by a quote before whitespace) or a bare word.
_CIF_TOKEN = re.compile(r"""'.*?'(?=\s|$)|".*?"(?=\s|$)|\S+""")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CIF_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(\d+\))?$")


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


class CifRecordError(ValueError):
    """A CIF block or JSON entry that is refused before pymatgen parses it."""


def _cif_tokens(text: str) -> Iterator[str]:
    """The tokens of a CIF block, skipping comments and ``;`` text fields."""
    in_text_field = False
    for line in text.splitlines():
        if line.startswith(";"):
            in_text_field = not in_text_field
            continue
        if in_text_field:
            continue
        for match in _CIF_TOKEN.finditer(line):
            token = match.group(0)
            if token.startswith("#"):
                break
            yield token


def cif_items(text: str) -> tuple[dict[str, str], list[tuple[list[str], list[list[str]]]]]:
    """The single items (tag -> value) and loops (tags, rows) of one CIF block, tags lower-cased."""
    items: dict[str, str] = {}
    loops: list[tuple[list[str], list[list[str]]]] = []
    tokens = list(_cif_tokens(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        low = tok.lower()
        if low == "loop_":
            tags = []
            i += 1
            while i < len(tokens) and tokens[i].startswith("_"):
                tags.append(tokens[i].lower())
                i += 1
            values = []
            while i < len(tokens) and not _is_keyword(tokens[i]):
                values.append(tokens[i])
                i += 1
            width = max(len(tags), 1)
            loops.append((tags, [values[k : k + width] for k in range(0, len(values), width)]))
            continue
        if tok.startswith("_") and i + 1 < len(tokens) and not _is_keyword(tokens[i + 1]):
            items[low] = tokens[i + 1]
            i += 2
            continue
        i += 1
    return items, loops


def _is_keyword(token: str) -> bool:
    low = token.lower()
    return token.startswith("_") or low == "loop_" or low.startswith(("data_", "save_", "global_", "stop_"))


def cif_number(value: str) -> float | None:
    """A CIF numeric value (``5.64(2)``: standard uncertainty dropped); ``None`` for ``?``/``.``."""
    if value in ("?", "."):
        return None
    match = _CIF_NUMBER.match(value.strip("'\""))
    if match:
        return float(match.group(1))
    low = value.lower().strip("'\"")
    if low in ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"):
        return float(low)
    raise CifRecordError(f"{shown(value)} is not a number")


def check_cell(lengths: list[float | None], angles: list[float | None]) -> str | None:
    """Why cell parameters describe no cell (``None`` if they do; missing values are pymatgen's to report)."""
    for name, value in zip("abc", lengths, strict=True):
        if value is not None and not (math.isfinite(value) and value > 0):
            return f"cell length {name} = {value:g} Å is not a positive finite length"
    for name, value in zip(("alpha", "beta", "gamma"), angles, strict=True):
        if value is not None and not (math.isfinite(value) and 0 < value < 180):
            return f"cell angle {name} = {value:g}° is outside (0°, 180°)"
    if all(a is not None for a in angles):
        ca, cb, cg = (math.cos(math.radians(a)) for a in angles)  # type: ignore[arg-type]
        gram = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
        if gram <= 1e-10:
            shown_angles = ", ".join(f"{a:g}°" for a in angles)  # type: ignore[str-format]
            return (
                f"cell angles {shown_angles} cannot occur together (no cell has them: each angle must be "
                f"less than the sum of the other two, and their sum less than 360°)"
            )
    return None


def check_cif_block(block: CifBlockText) -> None:
    """Refuse, with the reason, a block over the limits or with impossible cell or site values.

    Run before pymatgen parses the block: the size and the number of atom-site
    rows are checked first, so a huge block costs one scan of its text.
    """
    too_big = check_record_bytes(len(block.text.encode("utf-8", "surrogatepass")), "block")
    if too_big:
        raise CifRecordError(too_big)
    control = _CONTROL.search(block.text)
    if control:
        line = block.line + block.text.count("\n", 0, control.start())
        raise CifRecordError(
            f"control character {control.group(0)!r} at line {line} (CIF text is printable characters, "
            "tabs and line breaks; pymatgen would cut the value there)"
        )
    max_atoms = limits().max_atoms
    rows = atom_site_rows(block.text)
    if rows > max_atoms:
        raise CifRecordError(too_many_atoms(rows))
    items, loops = cif_items(block.text)
    try:
        lengths = [
            cif_number(items[f"_cell_length_{x}"]) if f"_cell_length_{x}" in items else None for x in "abc"
        ]
        angles = [
            cif_number(items[f"_cell_angle_{x}"]) if f"_cell_angle_{x}" in items else None
            for x in ("alpha", "beta", "gamma")
        ]
    except CifRecordError as exc:
        raise CifRecordError(f"cell parameter {exc}") from None
    reason = check_cell(lengths, angles)
    if reason:
        raise CifRecordError(reason)
    for tags, loop_rows in loops:
        if any(t.startswith(("_atom_site_fract_", "_atom_site_cartn_")) for t in tags):
            _check_site_rows(tags, loop_rows)


def atom_site_rows(text: str) -> int:
    """Rows of the atom-site loops of a CIF block, counted line by line without building tokens.

    A loop's rows are its values divided by its number of tags; values are
    counted per line (quoted values and ``;`` text fields as one each), so a
    block of a million atoms is measured in about a second before anything
    else is built from it.
    """
    total = 0
    tags: list[str] = []
    values = 0
    in_loop = in_text_field = False

    def loop_rows() -> int:
        atoms = any(t.startswith(("_atom_site_fract_", "_atom_site_cartn_")) for t in tags)
        return values // len(tags) if atoms and tags else 0

    for line in text.splitlines():
        if line.startswith(";"):
            in_text_field = not in_text_field
            values += in_loop and in_text_field
            continue
        if in_text_field:
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        first = stripped.split(None, 1)[0].lower()
        if first == "loop_" or first.startswith("_"):
            if in_loop and first.startswith("_") and values == 0:
                tags.append(first)  # still reading the loop's tags
                continue
            if in_loop:
                total += loop_rows()
            in_loop = first == "loop_"
            tags, values = [], 0
            continue
        if in_loop:
            values += len(_CIF_TOKEN.findall(line)) if ("'" in line or '"' in line) else len(line.split())
    if in_loop:
        total += loop_rows()
    return total


def _check_site_rows(tags: list[str], rows: list[list[str]]) -> None:
    label_col = next(
        (tags.index(t) for t in ("_atom_site_label", "_atom_site_type_symbol") if t in tags), None
    )
    coord_cols = [k for k, t in enumerate(tags) if t.startswith(("_atom_site_fract_", "_atom_site_cartn_"))]
    occ_col = tags.index("_atom_site_occupancy") if "_atom_site_occupancy" in tags else None
    for n, row in enumerate(rows):
        if len(row) < len(tags):
            continue  # a truncated loop: pymatgen reports it
        site = f"site {n + 1}" + (f" ({shown(row[label_col])})" if label_col is not None else "")
        for k in coord_cols:
            try:
                value = cif_number(row[k])
            except CifRecordError as exc:
                raise CifRecordError(f"{site}: {tags[k]} {exc}") from None
            if value is not None and not math.isfinite(value):
                raise CifRecordError(f"{site}: {tags[k]} = {value} is not a finite coordinate")
        if occ_col is not None:
            try:
                occ = cif_number(row[occ_col])
            except CifRecordError as exc:
                raise CifRecordError(f"{site}: occupancy {exc}") from None
            if occ is not None and not (math.isfinite(occ) and 0 <= occ <= 1 + OCCUPANCY_TOLERANCE):
                raise CifRecordError(f"{site}: occupancy {occ:g} is outside [0, 1]")


def too_many_atoms(n: int, how: str = "") -> str:
    """The reason for a structure of ``n`` sites over :attr:`Limits.max_atoms`."""
    lim = limits().max_atoms
    return f"{n:,} atom sites{how}, over the limit of {lim:,} (raise SYNTHGENESIS_MAX_ATOMS to accept it)"


def check_structure(structure: Structure) -> None:
    """Refuse a parsed structure with more sites than allowed or non-finite coordinates or lattice."""
    if len(structure) > limits().max_atoms:
        raise CifRecordError(too_many_atoms(len(structure), " after applying the symmetry operations"))
    import numpy as np

    if not np.all(np.isfinite(structure.lattice.matrix)):
        raise CifRecordError("lattice has non-finite entries")
    if not np.all(np.isfinite(structure.frac_coords)):
        bad = int(np.flatnonzero(~np.isfinite(structure.frac_coords).all(axis=1))[0])
        raise CifRecordError(f"site {bad} has non-finite coordinates")


def read_cif(path: Path) -> pd.DataFrame:
    """One row per structure block of a (multi-block) CIF file."""
    text = read_text(path, errors="replace")
    blocks = [b for b in split_cif_blocks(text) if not b.is_metadata]
    if not blocks:
        raise InvalidDataError(f"{path}: no CIF data block (no line starting with 'data_')")
    ids = unique_ids([b.name or f"block-{k + 1}" for k, b in enumerate(blocks)])
    rows = []
    for rid, block in zip(ids, blocks, strict=True):
        try:
            check_cif_block(block)
            structure = parse_cif_block(block)
            check_structure(structure)
            rows.append(_row(rid, structure, None))
        except CifRecordError as exc:
            rows.append(_row(rid, None, f"CIF block {shown(rid)} (line {block.line}): {exc}"))
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
    """One row per entry of a JSON list of ``Structure.as_dict()`` (a single dict is one entry).

    Entries are decoded one at a time, so an entry over the size limit, one
    nested too deep to decode, or the cut-off end of a truncated file each
    become a row with a read error while the entries before them are kept.
    """
    text = read_text(path, errors="replace")
    rows = []
    for k, entry, error in _json_entries(text, path):
        fallback = f"#{k}"
        if error is not None:
            rid = _json_id(entry) or fallback
            rows.append(_row(rid, None, f"JSON entry {k} ({shown(rid)}): {error}"))
            continue
        try:
            check_structure_dict(entry)
            structure, stored_id = structure_from_dict(entry)
            check_structure(structure)
            rows.append(_row(stored_id or fallback, structure, None))
        except Exception as exc:
            rid = _json_id(entry) or fallback
            kind = "" if isinstance(exc, CifRecordError) else f"{type(exc).__name__}: "
            rows.append(_row(rid, None, f"JSON entry {k} ({shown(rid)}): {kind}{exc}"))
    ids = unique_ids([r[ID_COLUMN] for r in rows])
    for row, rid in zip(rows, ids, strict=True):
        row[ID_COLUMN] = rid
    return _frame(rows)


def _json_entries(text: str, path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """``(index, entry, error)`` for each entry of a JSON list (or the one dict) in ``text``."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if pos == len(text):
        raise InvalidDataError(f"{path}: empty file, expected a JSON list of Structure dicts")
    if text[pos] == "{":
        entry, end, error = _decode_at(decoder, text, pos)
        if error is None and end is not None and _skip_space(text, end) < len(text):
            error = f"text after the structure at character {end} is not JSON"
        yield 0, entry, error
        return
    if text[pos] != "[":
        raise InvalidDataError(
            f"{path}: expected a JSON list of Structure dicts, starting with '[' or '{{', "
            f"got {shown(text[pos : pos + 20])}"
        )
    pos = _skip_space(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    k = 0
    while True:
        if pos >= len(text):
            yield k, None, "the file ends here (truncated file: no closing ']')"
            return
        entry, end, error = _decode_at(decoder, text, pos)
        yield k, entry, error
        if end is None:
            return
        pos = _skip_space(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_space(text, pos + 1)
            k += 1
            continue
        if pos < len(text) and text[pos] == "]":
            rest = _skip_space(text, pos + 1)
            if rest < len(text):
                yield k + 1, None, f"text after the closing ']' (character {rest}) is not part of the list"
            return
        got = shown(text[pos : pos + 20]) if pos < len(text) else "the end of the file (truncated file)"
        yield k + 1, None, f"expected ',' or ']' after entry {k} at character {pos}, got {got}"
        return


def _decode_at(decoder: json.JSONDecoder, text: str, pos: int) -> tuple[Any, int | None, str | None]:
    """``(value, end, error)`` for the JSON value at ``pos``; ``end`` is ``None`` when reading must stop."""
    try:
        entry, end = decoder.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        return None, None, f"not valid JSON from here on ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except RecursionError:
        stop = _value_end(text, pos)
        lim = limits().max_json_depth
        if stop is None:
            return None, None, f"nested too deep to decode (over {lim} levels) and never closed"
        return (
            None,
            stop,
            f"nests JSON too deep to decode (limit {lim} levels; raise SYNTHGENESIS_MAX_JSON_DEPTH)",
        )
    too_big = check_record_bytes(len(text[pos:end].encode("utf-8", "surrogatepass")), "entry")
    return entry, end, too_big


def _value_end(text: str, pos: int) -> int | None:
    """The end of the bracketed JSON value starting at ``pos``, found without decoding it."""
    depth = 0
    in_string = escaped = False
    for i in range(pos, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def check_structure_dict(entry: Any) -> None:
    """Refuse a ``Structure.as_dict()`` entry over the atom limit or with impossible values.

    Checked before ``Structure.from_dict``, which would otherwise build a
    million sites, or accept negative occupancies and NaN coordinates.
    """
    if not isinstance(entry, dict):
        raise CifRecordError(f"expected a Structure dict, got {type(entry).__name__}")
    sites = entry.get("sites")
    if not isinstance(sites, list):
        raise CifRecordError(f"'sites' must be a list, got {type(sites).__name__}")
    max_atoms = limits().max_atoms
    if len(sites) > max_atoms:
        raise CifRecordError(too_many_atoms(len(sites)))
    lattice = entry.get("lattice")
    matrix = lattice.get("matrix") if isinstance(lattice, dict) else None
    if not _finite_matrix(matrix):
        raise CifRecordError(f"'lattice.matrix' must be 3 rows of 3 finite numbers, got {shown(matrix)}")
    for n, site in enumerate(sites):
        if not isinstance(site, dict):
            raise CifRecordError(f"site {n} must be a dict, got {type(site).__name__}")
        abc = site.get("abc")
        if not (isinstance(abc, list) and len(abc) == 3 and all(_finite(v) for v in abc)):
            raise CifRecordError(f"site {n}: 'abc' must be 3 finite numbers, got {shown(abc)}")
        species = site.get("species")
        if not isinstance(species, list) or not species:
            raise CifRecordError(f"site {n}: 'species' must be a non-empty list, got {shown(species)}")
        total = 0.0
        for sp in species:
            occu = sp.get("occu", 1) if isinstance(sp, dict) else None
            if occu is None or not _finite(occu) or not 0 <= occu <= 1 + OCCUPANCY_TOLERANCE:
                raise CifRecordError(f"site {n}: occupancy {shown(occu)} is outside [0, 1]")
            total += occu
        if total > 1 + OCCUPANCY_TOLERANCE:
            raise CifRecordError(f"site {n}: occupancies add up to {total:g}, over 1")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _finite_matrix(matrix: Any) -> bool:
    return (
        isinstance(matrix, list)
        and len(matrix) == 3
        and all(isinstance(row, list) and len(row) == 3 and all(_finite(v) for v in row) for row in matrix)
    )


def _json_id(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("properties"), dict):
        rid = entry["properties"].get(JSON_ID_KEY)
        return None if rid is None else str(rid)
    return None


# ----------------------------------------------------------------------------- dispatch


def read(path: str | Path) -> pd.DataFrame:
    """Read a ``.cif`` or ``.json`` file into a batch (``record_id``, ``structure``, ``_read_error``)."""
    path = Path(path)
    return read_cif(path) if format_of(path, FORMATS, "crystal") == ".cif" else read_json(path)


def write(batch: pd.DataFrame, path: str | Path) -> None:
    """Write the structures of ``batch`` as multi-block CIF or a JSON list, atomically."""
    path = Path(path)
    suffix = format_of(path, FORMATS, "crystal")
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


def _row(record_id: str, structure: Structure | None, error: str | None) -> dict[str, Any]:
    return {ID_COLUMN: record_id, SAMPLE_COLUMN: structure, READ_ERROR_COLUMN: error}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return record_frame(rows, (ID_COLUMN, SAMPLE_COLUMN, READ_ERROR_COLUMN))


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
