"""Crystals: periodic inorganic crystal structures as pymatgen ``Structure`` objects.

Reads and writes multi-block CIF and pymatgen JSON with per-record failure
isolation, featurizes structures (lattice, density, symmetry, composition,
shortest interatomic distance), checks basic physical validity (no atomic
clashes, SMACT's charge neutrality, sane volume per atom; the stricter ionic
charge balance on request), generates new structures by
ionic substitution or by perturbing reference structures, and offers the AFLOW
prototype library shipped in pymatgen as offline reference data. pymatgen is imported
only when the manager first asks for these records, so importing synthgenesis never imports it.
"""

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec

PLUGIN = LazyPlugin(
    extra="crystals",
    requires=("pymatgen",),
    domains="synthgenesis.plugins.crystals.domain:DOMAIN",
    rules="synthgenesis.plugins.crystals.rules:RULES",
    generators=[
        GeneratorSpec(
            name="crystals-substitution",
            domain="crystals",
            factory=lazy("synthgenesis.plugins.crystals.generators:substitution"),
            description="replace ions of charge-balanced reference structures by ions of the same charge "
            "drawn from data-mined substitution probabilities (Hautier et al. 2011); cell rescaled "
            "from ionic radii",
        ),
        GeneratorSpec(
            name="crystals-perturbation",
            domain="crystals",
            factory=lazy("synthgenesis.plugins.crystals.generators:perturbation"),
            description="random symmetric lattice strain and Gaussian atomic displacements of reference "
            "structures; composition kept",
        ),
    ],
)
