"""Molecules: small molecules as SMILES strings, checked and featurized with RDKit.

Reads SMILES files, SDF and CSV (keeping chemically invalid molecules for the
rules, reporting unreadable records), writes canonical SMILES, computes RDKit
descriptors (weight, logP, TPSA, H-bond donors/acceptors, rings, QED...),
checks sanitization, allowed elements, net charge and size, and offers the
NCI sample shipped with RDKit as offline reference data. RDKit is imported
only inside the hooks, so importing synthgenesis never imports it.
"""

from synthgenesis.hookspecs import hookimpl

SYNTHGENESIS_EXTRA = "molecules"
SYNTHGENESIS_REQUIRES = ("rdkit",)


@hookimpl
def synthgenesis_register_domains():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.molecules.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_validators():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.molecules import rules

    return rules.validators()


@hookimpl
def synthgenesis_register_constraints():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.molecules import rules

    return rules.constraints()
