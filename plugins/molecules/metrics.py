"""MOSES-style validity, uniqueness and novelty of generated molecules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdkit import Chem

from synthgenesis.plugins.molecules.parsing import captured_rdkit_log
from synthgenesis.plugins.molecules.sampling import reference_molecules


def generation_metrics(generated: Iterable[Any], reference: Iterable[Any]) -> dict[str, float | int]:
    """MOSES-style validity, uniqueness and novelty of generated SMILES against reference SMILES.

    ``validity``: share of generated SMILES RDKit parses and sanitizes;
    ``uniqueness``: distinct canonical SMILES among the valid ones, over the
    valid ones; ``novelty``: share of those distinct molecules that are not a
    reference molecule (compared as canonical SMILES of the largest component,
    as the generators see the reference). Counts come along as ``n``,
    ``valid``, ``unique`` and ``novel``.
    """
    samples = list(generated)
    valid: list[str] = []
    with captured_rdkit_log():
        for sample in samples:
            mol = Chem.MolFromSmiles(sample) if isinstance(sample, str) and sample.strip() else None
            if mol is not None:
                valid.append(Chem.MolToSmiles(mol))
    known = {Chem.MolToSmiles(mol) for mol in reference_molecules(reference, elements=_ALL_ELEMENTS)}
    unique = set(valid)
    novel = unique - known
    return {
        "n": len(samples),
        "valid": len(valid),
        "unique": len(unique),
        "novel": len(novel),
        "validity": len(valid) / len(samples) if samples else 0.0,
        "uniqueness": len(unique) / len(valid) if valid else 0.0,
        "novelty": len(novel) / len(unique) if unique else 0.0,
    }


_ALL_ELEMENTS = tuple(Chem.GetPeriodicTable().GetElementSymbol(z) for z in range(1, 119))
