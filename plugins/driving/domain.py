"""The driving domain record: initial traffic scenarios on a straight multi-lane road."""

from __future__ import annotations

from synthgenesis.plugins.driving import files
from synthgenesis.plugins.driving.features import featurize
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN
from synthgenesis.plugins.driving.schema import FIELDS, SCHEMA_VERSION
from synthgenesis.types import RECORD_ID_COLUMN, Domain

SCHEMA: dict[str, str] = {
    files.RECORD_ID: "scenario id (or the file position of a record that has none)",
    SAMPLE_COLUMN: f"the scenario as a dict (schema_version {SCHEMA_VERSION}); keys below",
    **{f"{SAMPLE_COLUMN}.{key}": meaning for key, meaning in FIELDS.items()},
}

DOMAIN = Domain(
    name="driving",
    description=(
        "Initial traffic scenarios (road, vehicles with lane, position, speed, heading, size) checked for "
        "overlapping vehicles, speed limits, road bounds and vehicle dimensions; replayable in a "
        "highway-env style simulator"
    ),
    featurize=featurize,
    read=files.read,
    write=files.write,
    formats=files.FORMATS,
    sample_column=SAMPLE_COLUMN,
    sample_type="dict (driving scenario JSON, schema_version 1)",
    id_column=RECORD_ID_COLUMN,
    default_generator="driving-naturalistic",
    schema=SCHEMA,
    reference_datasets=(),
    to_storage=files.to_storage,
    from_storage=files.from_storage,
    read_chunks=files.read_chunks,
)
