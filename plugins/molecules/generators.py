"""Generators of the ``molecules`` domain: BRICS fragment recombination and SELFIES mutation.

Both learn from the reference molecules that RDKit can sanitize, keeping the
largest component of salts and mixtures and only molecules made of the
organic elements of the ``molecules-allowed-elements`` rule. Both emit
canonical RDKit SMILES in the domain's batch format (``record_id`` numbered
1..n, ``smiles``), draw every random number from the ``rng`` they are given
and save their state as plain JSON.

- :class:`BricsRecombination` (``molecules-brics``) cuts the reference
  molecules at their BRICS bonds (Degen et al. 2008) into a fragment library
  with counts, then joins fragments at compatible attachment points following
  the BRICS linking rules until a target size drawn from the reference's size
  distribution is reached.
- :class:`SelfiesMutation` (``molecules-selfies``) encodes the reference
  molecules as SELFIES (Krenn et al. 2020) and applies random token
  replacements, insertions and deletions; every SELFIES string decodes to a
  molecule, so mutations never produce unparseable text.

The generators live in :mod:`~synthgenesis.plugins.molecules.brics` and
:mod:`~synthgenesis.plugins.molecules.mutation`, what they share in
:mod:`~synthgenesis.plugins.molecules.sampling`, and
:func:`generation_metrics` in :mod:`~synthgenesis.plugins.molecules.metrics`;
this module holds the factories the plugin registers and the names it has
always exported.
"""

from __future__ import annotations

from synthgenesis.plugins.molecules.brics import BricsRecombination, brics_fragments, brics_partners
from synthgenesis.plugins.molecules.metrics import generation_metrics
from synthgenesis.plugins.molecules.mutation import ALPHABETS, SelfiesMutation
from synthgenesis.plugins.molecules.sampling import (
    DEFAULT_MAX_HEAVY_ATOMS,
    largest_component,
    reference_molecules,
)


def brics(
    *, max_heavy_atoms: int = DEFAULT_MAX_HEAVY_ATOMS, min_fragment_count: int = 1, count_power: float = 1.0
) -> BricsRecombination:
    """BRICS fragment recombination (see :class:`BricsRecombination`)."""
    return BricsRecombination(
        max_heavy_atoms=max_heavy_atoms, min_fragment_count=min_fragment_count, count_power=count_power
    )


def selfies_mutation(
    *,
    max_mutations: int = 2,
    alphabet: str = "robust",
    max_heavy_atoms: int = DEFAULT_MAX_HEAVY_ATOMS,
    tries: int = 5,
) -> SelfiesMutation:
    """SELFIES token mutation of reference molecules (see :class:`SelfiesMutation`)."""
    return SelfiesMutation(
        max_mutations=max_mutations, alphabet=alphabet, max_heavy_atoms=max_heavy_atoms, tries=tries
    )


__all__ = [
    "ALPHABETS",
    "DEFAULT_MAX_HEAVY_ATOMS",
    "BricsRecombination",
    "SelfiesMutation",
    "brics",
    "brics_fragments",
    "brics_partners",
    "generation_metrics",
    "largest_component",
    "reference_molecules",
    "selfies_mutation",
]
