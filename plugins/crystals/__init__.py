"""Crystals: periodic inorganic crystal structures as pymatgen ``Structure`` objects.

Reads and writes multi-block CIF and pymatgen JSON with per-record failure
isolation, featurizes structures (lattice, density, symmetry, composition,
shortest interatomic distance), checks basic physical validity (no atomic
clashes, SMACT's charge neutrality, sane volume per atom; the stricter ionic
charge balance on request), generates new structures by
ionic substitution or by perturbing reference structures, and offers the AFLOW
prototype library shipped in pymatgen as offline reference data. pymatgen is imported
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
def synthgenesis_register_generators():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals import generators
    from synthgenesis.types import GeneratorSpec

    return [
        GeneratorSpec(
            name="crystals-substitution",
            domain="crystals",
            factory=generators.substitution,
            description="replace ions of charge-balanced reference structures by ions of the same charge "
            "drawn from data-mined substitution probabilities (Hautier et al. 2011); cell rescaled "
            "from ionic radii",
        ),
        GeneratorSpec(
            name="crystals-perturbation",
            domain="crystals",
            factory=generators.perturbation,
            description="random symmetric lattice strain and Gaussian atomic displacements of reference "
            "structures; composition kept",
        ),
    ]


@hookimpl
def synthgenesis_default_generator(domain):  # type: ignore[no-untyped-def]
    return "crystals-substitution" if domain == "crystals" else None


@hookimpl
def synthgenesis_register_validators():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals import rules

    return rules.validators()


@hookimpl
def synthgenesis_register_constraints():  # type: ignore[no-untyped-def]
    from synthgenesis.plugins.crystals import rules

    return rules.constraints()
