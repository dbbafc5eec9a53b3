"""The driving plugin through the registry and the validation pipeline, as `synthgenesis validate` uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import synthgenesis.plugins.driving as driving_plugin
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch


def test_registers_domain_and_rules(pm: PluginManager) -> None:
    domain = pm.domain("driving")
    assert domain.formats == (".json", ".jsonl")
    assert domain.sample_column == "scenario" and domain.extra == "driving"
    assert "scenario.vehicles[].speed" in domain.schema
    assert set(pm.rules("driving")) == {
        "driving-scenario-schema",
        "driving-single-ego",
        "driving-no-overlap",
        "driving-speed-limits",
        "driving-road-bounds",
        "driving-vehicle-dimensions",
        "driving-acceleration-limits",
        "driving-kinematic-feasibility",
    }
    assert pm.reference_datasets("driving") == {}
    assert {i.name: i for i in pm.plugin_infos()}["driving"].status == "active"


def test_plugin_module_declares_its_extra_and_imports_nothing_heavy() -> None:
    assert driving_plugin.PLUGIN.extra == "driving"
    assert driving_plugin.PLUGIN.requires == ()  # rules and generators are numpy; gymnasium only replays
    code = (
        "import sys, synthgenesis, synthgenesis.plugins.driving; "
        "heavy = ('gymnasium', 'synthgenesis.plugins.driving.'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_valid_example_validates_clean(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("driving")
    outcome = validate_batch(domain, domain.read(examples / "scenarios.json"), pm.rules("driving"))
    assert outcome.valid.all()
    assert all(st.failed == 0 for st in outcome.stats.values())


def test_invalid_example_fails_the_expected_rules(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("driving")
    outcome = validate_batch(domain, domain.read(examples / "scenarios_invalid.jsonl"), pm.rules("driving"))
    assert {name: st.failed for name, st in outcome.stats.items()} == {
        "read": 4,
        "driving-scenario-schema": 0,
        "driving-single-ego": 1,
        "driving-no-overlap": 1,
        "driving-speed-limits": 1,
        "driving-road-bounds": 1,
        "driving-vehicle-dimensions": 1,
        "driving-acceleration-limits": 1,
        "driving-kinematic-feasibility": 1,
    }
    accepted = outcome.accepted
    assert accepted["record_id"].tolist() == ["ok-001"]
    examples_text = " ".join(e for st in outcome.stats.values() for e in st.examples)
    assert "scenario 'overlap-004': vehicles 'ego' and 'car-01' overlap by 1.60 m" in examples_text


def test_accepted_scenarios_write_and_read_back(pm: PluginManager, examples: Path, tmp_path: Path) -> None:
    domain = pm.domain("driving")
    outcome = validate_batch(domain, domain.read(examples / "scenarios_invalid.jsonl"), pm.rules("driving"))
    domain.write(outcome.accepted, tmp_path / "valid.jsonl")
    again = domain.read(tmp_path / "valid.jsonl")
    assert again["scenario"].tolist() == outcome.accepted["scenario"].tolist()


def test_featurize_and_storage_through_the_domain(pm: PluginManager, examples: Path) -> None:
    domain = pm.domain("driving")
    batch = domain.read(examples / "scenarios.json")
    assert len(domain.featurize(batch)) == len(batch)
    assert domain.to_storage is not None and domain.from_storage is not None
    assert domain.from_storage(domain.to_storage(batch))["scenario"].tolist() == batch["scenario"].tolist()
