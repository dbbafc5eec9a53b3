"""Molecules: small molecules as SMILES strings, checked and featurized with RDKit.

Reads SMILES files, SDF and CSV (keeping chemically invalid molecules for the
rules, reporting unreadable records), writes canonical SMILES, computes RDKit
descriptors (weight, logP, TPSA, H-bond donors/acceptors, rings, QED...),
checks sanitization, allowed elements, net charge and size, offers the NCI
sample shipped with RDKit as offline reference data, and generates molecules
by BRICS fragment recombination or SELFIES mutation. RDKit (and selfies) are
imported only when the manager first asks for these records, so importing
synthgenesis never imports them.
"""

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec

PLUGIN = LazyPlugin(
    extra="molecules",
    requires=("rdkit",),
    domains="synthgenesis.plugins.molecules.domain:DOMAIN",
    rules="synthgenesis.plugins.molecules.rules:RULES",
    generators=[
        GeneratorSpec(
            name="molecules-brics",
            domain="molecules",
            factory=lazy("synthgenesis.plugins.molecules.generators:brics"),
            description="recombines BRICS fragments of the reference molecules at compatible "
            "attachment points, up to sizes drawn from the reference",
        ),
        GeneratorSpec(
            name="molecules-selfies",
            domain="molecules",
            factory=lazy("synthgenesis.plugins.molecules.generators:selfies_mutation"),
            description="token replacements, insertions and deletions in SELFIES strings of "
            "reference molecules (needs selfies)",
        ),
    ],
)
