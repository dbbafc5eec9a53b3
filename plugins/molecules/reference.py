"""Real molecules available offline: the NCI sample shipped with RDKit.

RDKit's data folder holds the first 4,999 structures of the NCI Open Database
(``Data/NCI/first_5K.smi``, SMILES with identifiers) and the same molecules
with their topological polar surface area computed by Daylight's tools and
Ertl's reference program (``Data/NCI/first_5k.tpsa.csv``). The two files list
the molecules in the same order; the loader joins them and checks that the
SMILES agree.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rdkit import RDConfig

from synthgenesis.errors import InvalidDataError
from synthgenesis.types import READ_ERROR_COLUMN, ReferenceDataset

NCI_SMILES = ("NCI", "first_5K.smi")
NCI_TPSA = ("NCI", "first_5k.tpsa.csv")
NCI_CITATION = (
    "Molecules of the NCI Open Database (National Cancer Institute, Developmental Therapeutics "
    "Program), as distributed in RDKit: Data/NCI/first_5K.smi and first_5k.tpsa.csv. TPSA values: "
    "Ertl, P., Rohde, B., & Selzer, P. (2000). Fast calculation of molecular polar surface area as a "
    "sum of fragment-based contributions. J. Med. Chem., 43(20), 3714-3717. "
    "RDKit: Open-source cheminformatics, https://www.rdkit.org"
)
NCI_LICENCE = (
    "BSD-3-Clause (RDKit distribution); the NCI Open Database structures are public data released "
    "by the US National Cancer Institute"
)


def rdkit_data_file(*parts: str) -> Path:
    """Path of a file in RDKit's data folder (``RDConfig.RDDataDir``)."""
    path = Path(RDConfig.RDDataDir).joinpath(*parts)
    if not path.exists():
        raise InvalidDataError(
            f"RDKit data file {path} not found; this RDKit installation ships without its data "
            f"folder (reinstall with: pip install --force-reinstall rdkit)"
        )
    return path


def _tpsa_rows(path: Path) -> list[tuple[str, float]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        # A comment line starts the file; SMILES never start with '#', so this is unambiguous.
        if not line.strip() or line.startswith("#"):
            continue
        smiles, _, value = line.rpartition(",")
        rows.append((smiles.strip(), float(value)))
    return rows


def load_nci_5k() -> pd.DataFrame:
    """4,999 NCI molecules.

    Columns: ``record_id`` (``NCI-<id>``), ``smiles``, ``tpsa`` (Daylight, Å²) and ``_read_error``.
    """
    ids = []
    for line in rdkit_data_file(*NCI_SMILES).read_text(encoding="utf-8").splitlines():
        if line.strip():
            smiles, _, ident = line.partition("\t")
            ids.append((smiles.strip(), ident.strip()))
    tpsa = _tpsa_rows(rdkit_data_file(*NCI_TPSA))
    if len(ids) != len(tpsa) or any(a[0] != b[0] for a, b in zip(ids, tpsa, strict=True)):
        raise InvalidDataError(
            "RDKit's NCI files first_5K.smi and first_5k.tpsa.csv do not list the same molecules"
        )
    return pd.DataFrame(
        {
            "record_id": [f"NCI-{ident}" for _, ident in ids],
            "smiles": [smiles for smiles, _ in tpsa],
            "tpsa": [value for _, value in tpsa],
            READ_ERROR_COLUMN: [None] * len(tpsa),
        }
    ).astype({"record_id": object, "smiles": object, READ_ERROR_COLUMN: object})


NCI_5K = ReferenceDataset(
    name="molecules-nci-5k",
    domain="molecules",
    load=load_nci_5k,
    description=(
        "4,999 small molecules from the NCI Open Database with Daylight-computed topological polar "
        "surface area (column tpsa, Å²); mostly organic, with some salts, metal complexes and "
        "molecules RDKit cannot sanitize (a realistic mix for the rules); shipped inside RDKit"
    ),
    licence=NCI_LICENCE,
    citation=NCI_CITATION,
    target="tpsa",
)
