"""RDKit descriptors of molecules for the generic metrics.

Descriptors are only defined for molecules RDKit can sanitize; every other
row (read error, unparseable or unsanitizable SMILES) is all NaN, so metrics
see it as missing instead of as a molecule with zero weight.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors

from synthgenesis.plugins.molecules.parsing import captured_rdkit_log, mol_from_smiles

SAMPLE_COLUMN = "smiles"

_DESCRIPTORS: dict[str, tuple[Callable[[Chem.Mol], float], str]] = {
    "mol_weight": (Descriptors.MolWt, "average molecular weight, g/mol"),  # type: ignore[attr-defined]
    "logp": (Crippen.MolLogP, "Wildman-Crippen logP"),  # type: ignore[attr-defined]
    "tpsa": (rdMolDescriptors.CalcTPSA, "topological polar surface area, Å² (N and O contributions)"),
    "h_bond_donors": (rdMolDescriptors.CalcNumHBD, "hydrogen-bond donors (Lipinski definition in RDKit)"),
    "h_bond_acceptors": (rdMolDescriptors.CalcNumHBA, "hydrogen-bond acceptors"),
    "rotatable_bonds": (rdMolDescriptors.CalcNumRotatableBonds, "rotatable bonds"),
    "rings": (rdMolDescriptors.CalcNumRings, "rings (SSSR)"),
    "aromatic_rings": (rdMolDescriptors.CalcNumAromaticRings, "aromatic rings"),
    "heavy_atoms": (lambda m: m.GetNumHeavyAtoms(), "heavy (non-hydrogen) atoms"),
    "fraction_csp3": (rdMolDescriptors.CalcFractionCSP3, "fraction of sp3 carbons"),
    "qed": (QED.qed, "quantitative estimate of drug-likeness (Bickerton et al. 2012), 0-1"),
    "formal_charge": (Chem.GetFormalCharge, "net formal charge"),
}

FEATURE_COLUMNS = tuple(_DESCRIPTORS)
#: What each feature column means, for the domain schema and the docs.
FEATURE_DESCRIPTIONS = {name: desc for name, (_, desc) in _DESCRIPTORS.items()}


def molecule_features(mol: Chem.Mol) -> dict[str, float]:
    """Every descriptor of a sanitized molecule (NaN for a descriptor RDKit cannot compute)."""
    out: dict[str, float] = {}
    for name, (func, _) in _DESCRIPTORS.items():
        try:
            with captured_rdkit_log():
                out[name] = float(func(mol))
        except Exception:  # e.g. QED on an exotic valence state
            out[name] = math.nan
    return out


def featurize(batch: pd.DataFrame) -> pd.DataFrame:
    """Descriptors of every SMILES in ``batch[smiles]`` (NaN rows for missing or invalid molecules)."""
    samples = batch[SAMPLE_COLUMN].tolist() if SAMPLE_COLUMN in batch.columns else [None] * len(batch)
    empty = dict.fromkeys(FEATURE_COLUMNS, math.nan)
    rows = []
    for sample in samples:
        mol = mol_from_smiles(sample)
        rows.append(molecule_features(mol) if mol is not None else empty)
    return pd.DataFrame(rows, index=batch.index, columns=list(FEATURE_COLUMNS), dtype=float)
