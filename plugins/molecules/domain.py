"""The molecules domain record: small molecules as SMILES strings."""

from __future__ import annotations

from synthgenesis.plugins.molecules import features, formats
from synthgenesis.plugins.molecules.reference import NCI_5K
from synthgenesis.types import READ_ERROR_COLUMN, Domain

SCHEMA = {
    formats.ID_COLUMN: "record id: the name column of a SMILES file, the SDF title, the CSV record_id "
    "column, else 'line N' / 'record N'",
    formats.SAMPLE_COLUMN: "the molecule as a SMILES string (canonical RDKit SMILES when written)",
    READ_ERROR_COLUMN: "why the record could not be read (None for records read fine)",
}

DOMAIN = Domain(
    name="molecules",
    description="Small molecules as SMILES strings, checked and featurized with RDKit",
    featurize=features.featurize,
    read=formats.read,
    read_chunks=formats.read_chunks,
    write=formats.write,
    formats=formats.FORMATS,
    sample_column=formats.SAMPLE_COLUMN,
    sample_type="str (SMILES)",
    id_column=formats.ID_COLUMN,
    default_generator="molecules-brics",
    schema=SCHEMA,
    reference_datasets=(NCI_5K,),
    to_storage=formats.to_storage,
    from_storage=formats.from_storage,
)
