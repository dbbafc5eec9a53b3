"""The crystals domain record: periodic crystal structures as pymatgen ``Structure`` objects."""

from __future__ import annotations

from synthgenesis.plugins.crystals import features, formats
from synthgenesis.plugins.crystals.reference import AFLOW_PROTOTYPES
from synthgenesis.types import READ_ERROR_COLUMN, Domain

SCHEMA = {
    formats.ID_COLUMN: "record id: the CIF data block name, or properties.record_id / list index in JSON",
    formats.SAMPLE_COLUMN: "the crystal as a pymatgen Structure (None where the record could not be read)",
    READ_ERROR_COLUMN: "why the record could not be read (None for records read fine)",
}

DOMAIN = Domain(
    name="crystals",
    description=(
        "Periodic inorganic crystal structures (pymatgen Structure): lattice, species and "
        "fractional coordinates, ordered or disordered"
    ),
    featurize=features.featurize,
    read=formats.read,
    write=formats.write,
    formats=formats.FORMATS,
    sample_column=formats.SAMPLE_COLUMN,
    sample_type="pymatgen.core.Structure",
    id_column=formats.ID_COLUMN,
    default_generator="crystals-substitution",
    schema=SCHEMA,
    reference_datasets=(AFLOW_PROTOTYPES,),
    to_storage=formats.to_storage,
    from_storage=formats.from_storage,
)
