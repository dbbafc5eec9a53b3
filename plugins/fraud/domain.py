"""The fraud domain record: transactions as table rows, read from CSV or Parquet."""

from __future__ import annotations

from synthgenesis.plugins.fraud import table
from synthgenesis.plugins.fraud.features import featurize
from synthgenesis.plugins.fraud.schema import SCHEMA
from synthgenesis.types import Domain

DOMAIN = Domain(
    name="fraud",
    description=(
        "Payment transactions, one row each (account, time, amount, currency, merchant category, "
        "fraud label), checked for non-negative amounts, ISO 4217 currency precision, per-account time "
        "order, unique ids, balance arithmetic and MCC format"
    ),
    featurize=featurize,
    read=table.read,
    read_chunks=table.read_chunks,
    write=table.write,
    formats=table.FORMATS,
    sample_column=None,
    sample_type="table row",
    id_column="transaction_id",
    default_generator="fraud-simulator",
    schema=SCHEMA,
    reference_datasets=(),
    to_storage=table.to_storage,
    from_storage=table.from_storage,
)
