"""Molecules: small molecules as SMILES strings, checked and featurized with RDKit.

Reads SMILES files, SDF and CSV (keeping chemically invalid molecules for the
rules, reporting unreadable records), writes canonical SMILES, computes RDKit
descriptors (weight, logP, TPSA, H-bond donors/acceptors, rings, QED...),
checks sanitization, allowed elements, net charge and size, offers the NCI
sample shipped with RDKit as offline reference data, and generates molecules
by BRICS fragment recombination or SELFIES mutation. RDKit (and selfies) are
imported only inside the hooks, so importing synthgenesis never imports them.
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


@hookimpl
def synthgenesis_register_generators():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.molecules import generators
    from synthgenesis.types import GeneratorSpec

    return [
        GeneratorSpec(
            name="molecules-brics",
            domain="molecules",
            factory=generators.brics,
            description="recombines BRICS fragments of the reference molecules at compatible "
            "attachment points, up to sizes drawn from the reference",
        ),
        GeneratorSpec(
            name="molecules-selfies",
            domain="molecules",
            factory=generators.selfies_mutation,
            description="token replacements, insertions and deletions in SELFIES strings of "
            "reference molecules (needs selfies)",
        ),
    ]


@hookimpl
def synthgenesis_default_generator(domain):  # type: ignore[no-untyped-def]
    return "molecules-brics" if domain == "molecules" else None
