"""Shared helpers for the fraud tests: example files and small hand-made batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgenesis.manager import PluginManager

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "data" / "fraud"


def _transaction(**overrides: Any) -> dict[str, Any]:
    """A valid transaction row as a reader would see it in a file (text fields)."""
    row: dict[str, Any] = {
        "transaction_id": "T1",
        "account_id": "A1",
        "timestamp": "2024-03-01T10:00:00Z",
        "amount": "10.50",
        "currency": "USD",
        "merchant_id": "M1",
        "merchant_category": "5411",
        "is_fraud": "0",
    }
    row.update(overrides)
    return row


@pytest.fixture
def transaction():
    """``transaction(**overrides)`` -> a valid raw transaction row with some fields changed."""
    return _transaction


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def make_batch():
    """Rows (dicts of raw values) -> a parsed batch, as the reader builds it."""
    from synthgenesis.plugins.fraud.table import parse_table

    def make(*rows: dict[str, Any]) -> pd.DataFrame:
        return parse_table(pd.DataFrame(list(rows)), source="test")

    return make


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    """The built-in fraud plugin alone, registered in code."""
    import synthgenesis.plugins.fraud as fraud_plugin

    manager = PluginManager(autoload=False)
    manager.register(fraud_plugin, name="fraud")
    return manager
