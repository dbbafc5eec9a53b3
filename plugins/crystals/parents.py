"""What both crystal generators share: parent structures from the reference and the batch of samples.

Parents are kept as plain arrays (lattice matrix, species and fractional
coordinates), so a fitted generator's state is plain JSON and block-engine
workers rebuild it without pymatgen's substitution table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import DummySpecies, IStructure, Lattice, Structure

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.crystals.formats import ID_COLUMN, SAMPLE_COLUMN
from synthgenesis.types import Batch

#: Column naming the reference record each sample was made from.
PARENT_COLUMN = "parent"
STATE_VERSION = 1


def pack_structure(structure: IStructure) -> dict[str, Any]:
    """Lattice matrix, per-site species (a string, or ``{species: occupancy}``) and fractional coordinates."""
    species: list[Any] = []
    for site in structure:
        if site.is_ordered:
            species.append(str(site.specie))
        else:
            species.append({str(sp): float(occu) for sp, occu in site.species.items()})
    return {
        "lattice": np.asarray(structure.lattice.matrix, dtype=float).tolist(),
        "species": species,
        "frac": np.asarray(structure.frac_coords, dtype=float).tolist(),
    }


@dataclass(frozen=True)
class Parent:
    """A reference structure in the arrays sampling needs."""

    record_id: str
    matrix: np.ndarray
    species: list[Any]
    frac: np.ndarray

    @classmethod
    def from_packed(cls, record_id: str, packed: Mapping[str, Any]) -> Parent:
        """The parent of a :func:`pack_structure` dict (or a state entry of the same keys)."""
        matrix = np.asarray(packed["lattice"], dtype=float).reshape(3, 3)
        frac = np.asarray(packed["frac"], dtype=float).reshape(-1, 3)
        return cls(str(record_id), matrix, list(packed["species"]), frac)

    def build(self, matrix: np.ndarray, frac: np.ndarray, species: Sequence[Any] | None = None) -> Structure:
        """A structure of this parent's species (or ``species``) on ``matrix`` at ``frac``."""
        return Structure(Lattice(matrix), list(self.species if species is None else species), frac)


def reference_structures(reference: Batch) -> list[tuple[str, IStructure]]:
    """``(record id, structure)`` of every reference row holding a structure of chemical elements.

    Rows without a structure (read errors) and structures with dummy species
    (unknown symbols) cannot be parents and are left out.
    """
    if SAMPLE_COLUMN not in reference.columns:
        raise InvalidDataError(f"crystal reference has no {SAMPLE_COLUMN!r} column")
    ids = (
        reference[ID_COLUMN].tolist()
        if ID_COLUMN in reference.columns
        else [f"#{k}" for k in range(len(reference))]
    )
    out = []
    for rid, structure in zip(ids, reference[SAMPLE_COLUMN].tolist(), strict=True):
        if not isinstance(structure, IStructure) or len(structure) == 0:
            continue
        if any(isinstance(sp, DummySpecies) for sp in structure.composition):
            continue
        out.append((str(rid), structure))
    return out


def sample_batch(rows: list[dict[str, Any]], columns: Sequence[str], rng: np.random.Generator) -> Batch:
    """The rows as a batch; record ids get a tag drawn last from ``rng``, so draws do not share ids."""
    tag = f"{int(rng.integers(16**6)):06x}"
    for row in rows:
        row[ID_COLUMN] = f"{row[ID_COLUMN]}-{tag}"
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(dict.fromkeys(columns, object))


def sample_record_id(structure: Structure, k: int) -> str:
    """The record id of the ``k``-th sample of a draw: its reduced formula and number."""
    return f"{structure.composition.reduced_formula}-{k + 1}"


def check_state(state: Mapping[str, Any], kind: str) -> None:
    """Refuse a saved state of another generator or another state version."""
    if not isinstance(state, Mapping) or state.get("kind") != kind:
        found = state.get("kind") if isinstance(state, Mapping) else type(state).__name__
        raise InvalidDataError(f"not a {kind} state (kind {found!r})")
    if state.get("version") != STATE_VERSION:
        raise InvalidDataError(f"{kind} state version {state.get('version')!r}; expected {STATE_VERSION}")
