"""The fraud plugin through the registry and the validation pipeline, as `synthgenesis validate` uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import synthgenesis.plugins.fraud as fraud_plugin
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch


@pytest.fixture
def pm() -> PluginManager:
    manager = PluginManager(autoload=False)
    manager.register(fraud_plugin, name="fraud")
    return manager


def test_registers_domain_and_rules(pm: PluginManager) -> None:
    domain = pm.domain("fraud")
    assert domain.formats == (".csv", ".parquet", ".pq")
    assert domain.sample_column is None and domain.extra == "fraud"
    assert set(pm.rules("fraud")) == {
        "fraud-non-negative-amount",
        "fraud-currency-precision",
        "fraud-account-time-order",
        "fraud-unique-transaction-id",
        "fraud-balance-arithmetic",
        "fraud-mcc-format",
        "fraud-label-binary",
    }
    assert pm.reference_datasets("fraud") == {}
    info = {i.name: i for i in pm.plugin_infos()}["fraud"]
    assert info.status == "active"


def test_plugin_module_declares_its_extra() -> None:
    assert fraud_plugin.PLUGIN.extra == "fraud"
    assert fraud_plugin.PLUGIN.requires == ("pandas", "babel")  # babel: CLDR currency minor units


def test_importing_the_plugin_loads_no_submodule() -> None:
    # hooks import the heavy modules lazily; the package itself only defines them
    code = (
        "import sys, synthgenesis.plugins.fraud; "
        "print(sorted(m for m in sys.modules if m.startswith('synthgenesis.plugins.fraud.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_valid_example_validates_clean(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("fraud")
    outcome = validate_batch(domain, domain.read(examples / "transactions.csv"), pm.rules("fraud"))
    assert outcome.valid.all()
    assert all(st.failed == 0 for st in outcome.stats.values())


def test_invalid_example_fails_the_expected_rules(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("fraud")
    outcome = validate_batch(domain, domain.read(examples / "transactions_invalid.csv"), pm.rules("fraud"))
    failed = {name: st.failed for name, st in outcome.stats.items()}
    assert failed == {
        "read": 5,
        "fraud-non-negative-amount": 1,
        "fraud-currency-precision": 2,
        "fraud-account-time-order": 1,
        "fraud-unique-transaction-id": 1,
        "fraud-balance-arithmetic": 2,
        "fraud-mcc-format": 1,
        "fraud-label-binary": 0,
    }
    assert int(outcome.valid.sum()) == 11
    examples_text = " ".join(e for st in outcome.stats.values() for e in st.examples)
    assert "transaction TX-000009" in examples_text and "transaction TX-000020" in examples_text


def test_repair_fixes_order_and_precision(pm: PluginManager, examples: Path, tmp_path: Path) -> None:
    domain = pm.domain("fraud")
    batch = domain.read(examples / "transactions_invalid.csv")
    outcome = validate_batch(domain, batch, pm.rules("fraud"), repair=True)
    assert outcome.stats["fraud-account-time-order"].failed == 0
    assert outcome.stats["fraud-account-time-order"].repaired == 1
    assert outcome.stats["fraud-currency-precision"].repaired == 1  # JPY rounded; the unknown code stays
    domain.write(outcome.accepted, tmp_path / "repaired.csv")
    again = domain.read(tmp_path / "repaired.csv")
    assert len(again) == int(outcome.valid.sum()) and again["_read_error"].isna().all()


def test_featurize_and_storage_through_the_domain(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("fraud")
    batch = domain.read(examples / "transactions.csv")
    assert len(domain.featurize(batch)) == len(batch)
    assert domain.to_storage is not None and domain.from_storage is not None
    assert domain.from_storage(domain.to_storage(batch)).equals(batch)
