"""What both molecule generators share: the reference molecules they learn from and the batch they emit.

Both learn from the reference molecules that RDKit can sanitize, keeping the
largest component of salts and mixtures and only molecules made of the
organic elements of the ``molecules-allowed-elements`` rule. Both emit
canonical RDKit SMILES in the domain's batch format (``record_id`` numbered
1..n, ``smiles``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from rdkit import Chem

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.molecules.formats import ID_COLUMN, SAMPLE_COLUMN
from synthgenesis.plugins.molecules.parsing import captured_rdkit_log
from synthgenesis.plugins.molecules.rules import ORGANIC_ELEMENTS

DEFAULT_MAX_HEAVY_ATOMS = 50


def largest_component(mol: Chem.Mol) -> Chem.Mol:
    """The component with the most heavy atoms (the parent of a salt or mixture); ties: the first."""
    if len(Chem.GetMolFrags(mol)) == 1:
        return mol
    parts = Chem.GetMolFrags(mol, asMols=True)
    return max(parts, key=lambda part: part.GetNumHeavyAtoms())


def reference_molecules(
    smiles: Iterable[Any], elements: Iterable[str] = ORGANIC_ELEMENTS, max_heavy_atoms: int | None = None
) -> list[Chem.Mol]:
    """Sanitized parent molecules of ``smiles`` made only of ``elements``, at most ``max_heavy_atoms``.

    Missing values, text RDKit cannot parse or sanitize, molecules with other
    elements and (if given) larger molecules are left out; of a salt or
    mixture only the largest component is kept; atom map numbers are cleared.
    """
    allowed = frozenset(elements)
    out = []
    with captured_rdkit_log():
        for sample in smiles:
            if not isinstance(sample, str) or not sample.strip():
                continue
            try:
                mol = Chem.MolFromSmiles(sample.strip())
                if mol is None:
                    continue
                mol = largest_component(mol)
            except Exception:  # a component RDKit cannot sanitize on its own
                continue
            if not all(atom.GetSymbol() in allowed for atom in mol.GetAtoms()):
                continue
            if max_heavy_atoms is not None and mol.GetNumHeavyAtoms() > max_heavy_atoms:
                continue
            for atom in mol.GetAtoms():  # atom maps annotate a molecule; they are not chemistry
                atom.SetAtomMapNum(0)
            out.append(mol)
    return out


def smiles_column(reference: pd.DataFrame) -> list[Any]:
    """The SMILES of a reference batch, or an error naming the columns it has instead."""
    if SAMPLE_COLUMN not in reference.columns:
        raise InvalidDataError(
            f"reference has no {SAMPLE_COLUMN!r} column (columns: {', '.join(map(str, reference.columns))})"
        )
    return reference[SAMPLE_COLUMN].tolist()


def smiles_batch(smiles: Sequence[str]) -> pd.DataFrame:
    """Generated SMILES in the domain's batch format, record ids numbered 1..n."""
    return pd.DataFrame(
        {
            ID_COLUMN: np.arange(1, len(smiles) + 1, dtype=np.int64),
            SAMPLE_COLUMN: pd.Series(list(smiles), dtype=object),
        }
    )


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int if it is an integer of at least ``minimum``, else a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def weighted_index(rng: np.random.Generator, cumulative: np.ndarray) -> int:
    """Index drawn with probability proportional to the increments of ``cumulative`` (last > 0)."""
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
