"""Registration through the plugin manager, the domain record, the NCI reference set and import isolation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

import synthgenesis.plugins.molecules as molecules_plugin
from synthgenesis.manager import PluginManager
from synthgenesis.plugins.molecules import features, reference, rules
from synthgenesis.types import READ_ERROR_COLUMN


@pytest.fixture(scope="module")
def nci() -> pd.DataFrame:
    return reference.load_nci_5k()


def test_plugin_declares_its_extra() -> None:
    assert molecules_plugin.PLUGIN.extra == "molecules"
    assert molecules_plugin.PLUGIN.requires == ("rdkit",)


def test_domain_record(pm: PluginManager) -> None:
    domain = pm.domain("molecules")
    assert domain.sample_column == "smiles"
    assert set(domain.formats) == {".smi", ".smiles", ".sdf", ".csv"}
    assert domain.extra == "molecules"
    assert {"record_id", "smiles", READ_ERROR_COLUMN} <= set(domain.schema)


def test_rules_are_registered(pm: PluginManager) -> None:
    assert set(pm.rules("molecules")) == {
        "molecules-sanitization",
        "molecules-allowed-elements",
        "molecules-net-charge",
        "molecules-size",
    }


def test_validate_flow_on_invalid_example(pm: PluginManager) -> None:
    """What the validate command does: read, then every rule; every row gets a verdict from every rule."""
    domain = pm.domain("molecules")
    path = Path(__file__).resolve().parents[3] / "examples" / "data" / "molecules" / "invalid.smi"
    batch = domain.read(path)
    failed = {}
    for name, spec in pm.rules("molecules").items():
        result = spec.rule.check(batch)
        assert len(result.mask) == len(batch)
        failed[name] = {rid for rid, ok in zip(batch["record_id"], result.mask, strict=True) if not ok}
    common = {"line 9", "unclosed branch (SMILES syntax error)"}
    assert failed["molecules-sanitization"] == common | {
        "pentavalent carbon",
        "five-membered ring that cannot be kekulized",
    }
    assert failed["molecules-allowed-elements"] == common | {
        "iron(II) chloride (Fe is not an organic element)"
    }
    assert failed["molecules-net-charge"] == common | {"tri-cation (net charge +3)"}
    assert failed["molecules-size"] == common | {"hydrogen molecule (no heavy atoms)"}


def test_reference_dataset_registered(pm: PluginManager) -> None:
    ds = pm.reference_dataset("molecules-nci-5k", "molecules")
    assert ds.target == "tpsa"
    assert "BSD-3-Clause" in ds.licence and "NCI" in ds.citation


def test_nci_loads(nci: pd.DataFrame) -> None:
    assert len(nci) == 4999
    assert nci["record_id"].is_unique
    assert nci[READ_ERROR_COLUMN].isna().all()
    assert nci["smiles"].iloc[0] == "CC1=CC(=O)C=CC1=O" and nci["tpsa"].iloc[0] == pytest.approx(34.14)
    assert nci["record_id"].iloc[0] == "NCI-1"


def test_nci_through_rules_and_features(nci: pd.DataFrame) -> None:
    """Real molecules: almost all sanitize; RDKit's TPSA agrees with the Daylight values shipped alongside."""
    sample = nci.iloc[::10].reset_index(drop=True)
    sanitization = rules.Sanitization().check(sample)
    assert sanitization.n_failed <= 0.01 * len(sample)
    out = features.featurize(sample)
    ok = out["tpsa"].notna()
    assert ok.mean() > 0.99
    assert np.mean(np.abs(out.loc[ok, "tpsa"] - sample.loc[ok, "tpsa"]) < 0.1) > 0.97


def test_importing_the_plugin_does_not_import_rdkit() -> None:
    code = (
        "import sys, synthgenesis, synthgenesis.plugins.molecules as m; "
        "assert 'rdkit' not in sys.modules, 'rdkit imported'; print(m.PLUGIN.extra)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "molecules"
