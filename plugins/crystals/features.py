"""Numeric and categorical features of crystal structures for the generic metrics.

One row per sample, same index as the batch. A row without a usable structure
(read error, wrong type, degenerate cell) gets NaN rather than an exception,
so the metrics can count it as missing.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import IStructure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from synthgenesis.plugins.crystals.geometry import min_distance

SAMPLE_COLUMN = "structure"

#: Symmetry tolerances tried in turn (Å, degrees): the loose one first, because
#: generated and relaxed structures are rarely exact; spglib sometimes fails on
#: a loose tolerance where a tight one works.
SYMPREC_STEPS = ((0.1, 5.0), (0.01, 5.0), (1e-3, 1.0))
#: A tolerance is used only if every interatomic distance exceeds this multiple of it.
SYMPREC_MARGIN = 5.0

NUMERIC_FEATURES = (
    "n_sites",
    "n_elements",
    "volume_per_atom",
    "density",
    "spacegroup_number",
    "a",
    "b",
    "c",
    "alpha",
    "beta",
    "gamma",
    "electronegativity_mean",
    "electronegativity_std",
    "atomic_mass_mean",
    "min_distance",
)
CATEGORICAL_FEATURES = ("crystal_system",)
FEATURE_COLUMNS = NUMERIC_FEATURES + CATEGORICAL_FEATURES

#: What each feature column means (units included), for the domain schema and the docs.
FEATURE_DESCRIPTIONS = {
    "n_sites": "number of sites in the cell",
    "n_elements": "number of distinct elements",
    "volume_per_atom": "cell volume per atom, Å³ (occupancy-weighted atom count)",
    "density": "mass density, g/cm³",
    "spacegroup_number": "international space-group number (spglib through pymatgen; NaN if undetermined)",
    "a": "lattice length a, Å",
    "b": "lattice length b, Å",
    "c": "lattice length c, Å",
    "alpha": "lattice angle alpha, degrees",
    "beta": "lattice angle beta, degrees",
    "gamma": "lattice angle gamma, degrees",
    "electronegativity_mean": "atom-fraction-weighted mean Pauling electronegativity",
    "electronegativity_std": "atom-fraction-weighted standard deviation of Pauling electronegativity",
    "atomic_mass_mean": "mean atomic mass, u",
    "min_distance": "shortest interatomic distance including periodic images, Å",
    "crystal_system": "crystal system (triclinic ... cubic), categorical",
}


def symmetry(structure: IStructure, nearest: float | None = None) -> tuple[float, str | None]:
    """Space-group number and crystal system, trying looser to tighter tolerances.

    spglib merges atoms closer than its tolerance and can search for minutes
    when atoms (or a site and its periodic image) are about that close, so a
    tolerance is only tried when the shortest distance ``nearest`` exceeds
    :data:`SYMPREC_MARGIN` times it.
    """
    nearest = min_distance(structure) if nearest is None else nearest
    for symprec, angle in SYMPREC_STEPS:
        if not nearest > SYMPREC_MARGIN * symprec:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sga = SpacegroupAnalyzer(structure, symprec=symprec, angle_tolerance=angle)
                return float(sga.get_space_group_number()), str(sga.get_crystal_system())
        except Exception:  # spglib gives up on some cells at some tolerances; try the next
            continue
    return math.nan, None


def _electronegativity(structure: IStructure) -> tuple[float, float]:
    comp = structure.composition.element_composition
    fractions = np.array([comp.get_atomic_fraction(el) for el in comp.elements])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # noble gases have no Pauling value; pymatgen warns and gives NaN
        x = np.array([float(el.X) for el in comp.elements])
    known = np.isfinite(x)
    if not known.any():
        return math.nan, math.nan
    w = fractions[known] / fractions[known].sum()
    mean = float(np.sum(w * x[known]))
    std = float(np.sqrt(np.sum(w * (x[known] - mean) ** 2)))
    return mean, std


def structure_features(structure: IStructure) -> dict[str, Any]:
    """Every feature of one structure (see :data:`FEATURE_DESCRIPTIONS`)."""
    comp = structure.composition
    n_atoms = comp.num_atoms
    a, b, c = structure.lattice.abc
    alpha, beta, gamma = structure.lattice.angles
    nearest = min_distance(structure)
    sg, system = symmetry(structure, nearest)
    en_mean, en_std = _electronegativity(structure)
    volume = structure.volume
    return {
        "n_sites": float(len(structure)),
        "n_elements": float(len(comp.elements)),
        "volume_per_atom": volume / n_atoms if n_atoms > 0 else math.nan,
        "density": float(structure.density) if volume > 0 else math.nan,
        "spacegroup_number": sg,
        "a": a,
        "b": b,
        "c": c,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "electronegativity_mean": en_mean,
        "electronegativity_std": en_std,
        "atomic_mass_mean": float(comp.weight) / n_atoms if n_atoms > 0 else math.nan,
        "min_distance": nearest,
        "crystal_system": system,
    }


def _empty_row() -> dict[str, Any]:
    return {**{k: math.nan for k in NUMERIC_FEATURES}, "crystal_system": None}


def featurize(batch: pd.DataFrame) -> pd.DataFrame:
    """Features of every structure in ``batch[structure]`` (NaN rows for missing or unusable samples)."""
    samples = batch[SAMPLE_COLUMN].tolist() if SAMPLE_COLUMN in batch.columns else [None] * len(batch)
    rows = []
    for sample in samples:
        row = _empty_row()
        if isinstance(sample, IStructure) and len(sample) > 0:
            try:
                row = structure_features(sample)
            except Exception:  # a malformed structure is a missing row, not a crash
                row = _empty_row()
        rows.append(row)
    out = pd.DataFrame(rows, index=batch.index, columns=list(FEATURE_COLUMNS))
    out[list(NUMERIC_FEATURES)] = out[list(NUMERIC_FEATURES)].astype(float)
    out["crystal_system"] = out["crystal_system"].astype(object)
    return out
