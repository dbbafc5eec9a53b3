"""Generators of the ``crystals`` domain: ionic substitution and lattice/coordinate perturbation.

Both learn a set of parent structures from the reference batch and make each
new crystal from one parent picked at random:

- :class:`Substitution` (``crystals-substitution``) keeps a parent's geometry
  and replaces some of its ions by chemically similar ions of the same charge,
  drawn from the data-mined substitution probabilities of Hautier et al.
  (2011) that ship with pymatgen, then rescales the cell to the volume the new
  ionic radii call for (pymatgen's reference lattice scaling). The parent's
  charge-balanced oxidation states are found with the same search as the
  ``crystals-charge-balance`` rule, and only substitutions by ions whose charge
  is among the new element's oxidation states in that rule are drawn, so every
  sample is charge balanced by construction.
- :class:`Perturbation` (``crystals-perturbation``) keeps a parent's
  composition and applies a small random symmetric strain to the lattice and
  Gaussian noise to the atomic positions.

Everything random is drawn from the ``rng`` given to ``_sample``. The fitted
state is plain JSON (parents as lattice matrix, species and fractional
coordinates; substitution candidates with their probabilities and radii), so
block-engine workers rebuild a generator without pymatgen's substitution table.

The generators live in :mod:`~synthgenesis.plugins.crystals.substitution` and
:mod:`~synthgenesis.plugins.crystals.perturbation`, the parents they share in
:mod:`~synthgenesis.plugins.crystals.parents` and the substitution
probabilities in :mod:`~synthgenesis.plugins.crystals.substitution_table`;
this module holds the factories the plugin registers and the names it has
always exported.
"""

from __future__ import annotations

from synthgenesis.plugins.crystals.parents import (
    PARENT_COLUMN,
    STATE_VERSION,
    Parent,
    pack_structure,
    reference_structures,
)
from synthgenesis.plugins.crystals.perturbation import Perturbation
from synthgenesis.plugins.crystals.substitution import (
    MAX_ATTEMPTS,
    SUBSTITUTION_COLUMN,
    Prototype,
    Substitution,
)
from synthgenesis.plugins.crystals.substitution_table import (
    LAMBDA_FILE,
    UNOBSERVED_LAMBDA,
    SubstitutionTable,
    ion_label,
    parse_species_key,
    species_key,
    species_radii,
    substitution_table,
    volume_ratio_from_radii,
)

__all__ = [
    "LAMBDA_FILE",
    "MAX_ATTEMPTS",
    "PARENT_COLUMN",
    "STATE_VERSION",
    "SUBSTITUTION_COLUMN",
    "UNOBSERVED_LAMBDA",
    "Parent",
    "Perturbation",
    "Prototype",
    "Substitution",
    "SubstitutionTable",
    "ion_label",
    "pack_structure",
    "parse_species_key",
    "perturbation",
    "reference_structures",
    "species_key",
    "species_radii",
    "substitution",
    "substitution_table",
    "volume_ratio_from_radii",
]


def substitution(
    *, threshold: float = 1e-3, max_substituted: int | None = None, scale_volume: bool = True
) -> Substitution:
    """Data-mined ionic substitution (Hautier et al. 2011) on charge-balanced parents, volume rescaled."""
    return Substitution(threshold=threshold, max_substituted=max_substituted, scale_volume=scale_volume)


def perturbation(*, sigma: float = 0.05, strain: float = 0.02) -> Perturbation:
    """Random symmetric lattice strain (``strain``) and Gaussian atomic displacements (``sigma``, Å)."""
    return Perturbation(sigma=sigma, strain=strain)
