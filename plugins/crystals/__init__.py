"""Crystals: periodic inorganic crystal structures as pymatgen ``Structure`` objects.

Reads and writes multi-block CIF and pymatgen JSON with per-record failure
isolation, featurizes structures (lattice, density, symmetry, composition,
shortest interatomic distance), checks basic physical validity (no atomic
clashes, charge balance, sane volume per atom) and offers the AFLOW prototype
library shipped in pymatgen as offline reference data. pymatgen is imported
only inside the hooks, so importing synthgenesis never imports it.
"""

from synthgenesis.hookspecs import hookimpl

SYNTHGENESIS_EXTRA = "crystals"
SYNTHGENESIS_REQUIRES = ("pymatgen",)


@hookimpl
def synthgenesis_register_domains():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_validators():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals import rules

    return rules.validators()


@hookimpl
def synthgenesis_register_constraints():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals import rules

    return rules.constraints()
