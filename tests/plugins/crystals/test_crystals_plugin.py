"""Registration through the plugin manager, the domain record, the reference dataset and import isolation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from pymatgen.core import Structure

import synthgenesis.plugins.crystals as crystals_plugin
from synthgenesis.manager import PluginManager
from synthgenesis.plugins.crystals import reference, rules
from synthgenesis.types import READ_ERROR_COLUMN


@pytest.fixture(scope="module")
def aflow() -> pd.DataFrame:
    return reference.load_aflow_prototypes()


def test_plugin_declares_its_extra() -> None:
    assert crystals_plugin.PLUGIN.extra == "crystals"
    assert crystals_plugin.PLUGIN.requires == ("pymatgen",)


def test_domain_record(pm: PluginManager) -> None:
    domain = pm.domain("crystals")
    assert domain.sample_column == "structure"
    assert domain.sample_type == "pymatgen.core.Structure"
    assert set(domain.formats) == {".cif", ".json"}
    assert domain.extra == "crystals"  # from the plugin's declaration
    assert domain.id_column == "record_id"
    assert domain.default_generator == "crystals-substitution"
    assert {"record_id", "structure", READ_ERROR_COLUMN} <= set(domain.schema)


def test_rules_are_registered(pm: PluginManager) -> None:
    # The default compositional rule is SMACT's definition (crystals-charge-neutrality); the stricter
    # ionic crystals-charge-balance rejects real perovskites (LiAlO3, CaYO3) and is opt-in only.
    assert set(pm.rules("crystals")) == {
        "crystals-elements",
        "crystals-min-distance",
        "crystals-charge-neutrality",
        "crystals-volume-per-atom",
    }
    assert [spec.name for spec in rules.RULES if not spec.default] == ["crystals-charge-balance"]
    assert all(spec.kind == "sample" for spec in rules.RULES)  # every crystal rule judges one structure
    # registered, and applied when named
    named = pm.rules("crystals", ["crystals-charge-balance"])
    assert not named["crystals-charge-balance"].default
    assert isinstance(named["crystals-charge-balance"].rule, rules.ChargeBalance)


def test_validate_flow_on_invalid_example(pm: PluginManager) -> None:
    """What the validate command does: read, then every rule; every row gets a verdict from every rule."""
    domain = pm.domain("crystals")
    path = Path(__file__).resolve().parents[3] / "examples" / "data" / "crystals" / "invalid.cif"
    batch = domain.read(path)
    failed = {}
    for name, spec in pm.rules("crystals").items():
        result = spec.rule.check(batch)
        assert len(result.mask) == len(batch)
        failed[name] = {rid for rid, ok in zip(batch["record_id"], result.mask, strict=True) if not ok}
    read_errors = {"missing-cell-length", "truncated-atom-loop"}
    assert failed["crystals-min-distance"] == read_errors | {"Si-with-extra-atom"}
    assert failed["crystals-charge-neutrality"] == read_errors | {"CaCl-rocksalt", "unknown-element-symbol"}
    assert failed["crystals-volume-per-atom"] == read_errors | {"Fe-bcc-expanded"}
    assert failed["crystals-elements"] == read_errors | {"unknown-element-symbol"}


def test_reference_dataset_registered(pm: PluginManager) -> None:
    ds = pm.reference_dataset("crystals-aflow-prototypes", "crystals")
    assert "Mehl" in ds.citation and "10.1016/j.commatsci.2017.01.017" in ds.citation
    assert "MIT" in ds.licence


def test_aflow_prototypes_load(aflow: pd.DataFrame) -> None:
    assert len(aflow) == 288
    assert aflow["record_id"].is_unique
    assert aflow[READ_ERROR_COLUMN].isna().all()
    assert all(isinstance(s, Structure) for s in aflow["structure"])
    rock_salt = aflow[aflow["record_id"] == "AB_cF8_225_a_b"].iloc[0]
    assert rock_salt["structure"].composition.reduced_formula == "NaCl"
    assert rock_salt["strukturbericht"] == "B1"


def test_aflow_prototypes_mostly_pass_the_rules(aflow: pd.DataFrame) -> None:
    """Real crystals: the geometric rules pass almost all; charge balance fails only metallic compounds."""
    clash = rules.MinDistance().check(aflow)
    assert clash.n_failed <= 3
    volume = rules.VolumePerAtom().check(aflow)
    assert volume.n_failed == 0
    balance = rules.ChargeBalance().check(aflow)
    assert balance.n_failed <= 0.15 * len(aflow)
    failed = [s for s, ok in zip(aflow["structure"], balance.mask, strict=True) if not ok]
    # every failure contains a metal (silicides, borides, carbides, interstitial nitrides/hydrides)
    assert all(any(el.is_metal for el in s.composition.elements) for s in failed)


def test_importing_the_plugin_does_not_import_pymatgen() -> None:
    code = (
        "import sys, synthgenesis, synthgenesis.plugins.crystals as c; "
        "assert 'pymatgen' not in sys.modules, 'pymatgen imported'; print(c.PLUGIN.extra)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "crystals"
