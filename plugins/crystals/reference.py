"""Real crystal structures available offline: the AFLOW prototype library shipped in pymatgen.

pymatgen distributes the 288 structures of Part 1 of the AFLOW Library of
Crystallographic Prototypes (``pymatgen/analysis/prototypes/aflow_prototypes.json.gz``)
for its prototype matcher. The file is read directly rather than through
``pymatgen.analysis.prototypes``, whose import also loads the matcher and
takes several seconds.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pandas as pd
from pymatgen.core import Structure

from synthgenesis.errors import InvalidDataError
from synthgenesis.readers import unique_ids
from synthgenesis.types import READ_ERROR_COLUMN, ReferenceDataset

AFLOW_FILE = ("analysis", "prototypes", "aflow_prototypes.json.gz")
AFLOW_CITATION = (
    "Mehl, M. J., Hicks, D., Toher, C., Levy, O., Hanson, R. M., Hart, G., & Curtarolo, S. (2017). "
    "The AFLOW Library of Crystallographic Prototypes: Part 1. Computational Materials Science, 136, "
    "S1-S828. https://doi.org/10.1016/j.commatsci.2017.01.017"
)
AFLOW_LICENCE = (
    "MIT (redistributed in pymatgen, pymatgen/analysis/prototypes/aflow_prototypes.json.gz); "
    "the AFLOW authors ask that the library be cited"
)


def pymatgen_data_file(*parts: str) -> Path:
    """Path of a data file inside the installed pymatgen package."""
    spec = importlib.util.find_spec("pymatgen")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        candidate = Path(root).joinpath(*parts)
        if candidate.exists():
            return candidate
    raise InvalidDataError(
        f"pymatgen data file {'/'.join(parts)} not found in {roots or 'any pymatgen installation'}; "
        f"reinstall pymatgen (pip install --force-reinstall pymatgen)"
    )


def load_aflow_prototypes() -> pd.DataFrame:
    """The 288 AFLOW prototype structures with their labels.

    Columns: ``record_id`` (the AFLOW prototype label, e.g. ``AB_cF8_225_a_b``;
    the second entry under a label gets ``#2``),
    ``structure``, ``pearson``, ``strukturbericht``, ``mineral`` and ``_read_error``.
    """
    path = pymatgen_data_file(*AFLOW_FILE)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        entries = json.load(fh)
    rows = []
    for k, entry in enumerate(entries):
        tags = entry.get("tags", {})
        rid = str(tags.get("aflow") or f"aflow-{k}")
        try:
            structure, error = Structure.from_dict(entry["snl"]), None
        except Exception as exc:  # a damaged entry is reported, the rest still load
            structure, error = None, f"AFLOW entry {k} ({rid}): {type(exc).__name__}: {exc}"
        rows.append(
            {
                "record_id": rid,
                "structure": structure,
                "pearson": tags.get("pearson"),
                "strukturbericht": _none_if_blank(tags.get("strukturbericht")),
                "mineral": _none_if_blank(tags.get("mineral")),
                READ_ERROR_COLUMN: error,
            }
        )
    frame = pd.DataFrame(rows).astype(object)
    # A few labels name two entries (same prototype label, different settings): keep ids unique.
    frame["record_id"] = unique_ids(frame["record_id"].tolist())
    return frame


def _none_if_blank(value: object) -> object:
    return None if value in (None, "", "None") else value


AFLOW_PROTOTYPES = ReferenceDataset(
    name="crystals-aflow-prototypes",
    domain="crystals",
    load=load_aflow_prototypes,
    description=(
        "288 crystal structures of the AFLOW Library of Crystallographic Prototypes, Part 1 "
        "(elements, binaries, ternaries and beyond; 1-105 sites per cell), with Pearson symbol, "
        "Strukturbericht designation and mineral name; shipped inside pymatgen, so it loads offline"
    ),
    licence=AFLOW_LICENCE,
    citation=AFLOW_CITATION,
)
