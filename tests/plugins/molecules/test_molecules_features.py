"""Known descriptor values, NaN rows for invalid molecules, index preservation."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from synthgenesis.plugins.molecules import features


def test_aspirin_known_values(make_batch) -> None:
    row = features.featurize(make_batch("CC(=O)Oc1ccccc1C(=O)O")).iloc[0]
    assert row["mol_weight"] == pytest.approx(180.159, abs=0.01)
    assert row["tpsa"] == pytest.approx(63.6, abs=0.01)
    assert row["h_bond_donors"] == 1 and row["h_bond_acceptors"] == 3
    assert row["rotatable_bonds"] == 2
    assert row["rings"] == 1 and row["aromatic_rings"] == 1
    assert row["heavy_atoms"] == 13
    assert row["fraction_csp3"] == pytest.approx(1 / 9)
    assert row["formal_charge"] == 0
    assert row["logp"] == pytest.approx(1.31, abs=0.01)
    assert 0.5 < row["qed"] < 0.6  # 0.55 in Bickerton et al.'s scheme


def test_charge_and_aliphatic(make_batch) -> None:
    out = features.featurize(make_batch("C[N+](C)(C)C", "CCCCCC"))
    assert out["formal_charge"].tolist() == [1.0, 0.0]
    assert out["fraction_csp3"].tolist() == [1.0, 1.0]
    assert out["aromatic_rings"].tolist() == [0.0, 0.0]


def test_invalid_rows_are_nan_and_index_is_kept(make_batch) -> None:
    batch = make_batch("CCO", None, "C1CC(", "CC(C)(C)(C)C", "", 7)
    batch.index = list("abcdef")
    out = features.featurize(batch)
    assert list(out.index) == list("abcdef")
    assert list(out.columns) == list(features.FEATURE_COLUMNS)
    assert out.loc["a"].notna().all()
    assert out.loc[list("bcdef")].isna().all().all()
    assert all(out[c].dtype == float for c in out.columns)


def test_batch_without_smiles_column() -> None:
    out = features.featurize(pd.DataFrame({"x": [1]}))
    assert out.shape == (1, len(features.FEATURE_COLUMNS)) and out.isna().all().all()


def test_every_feature_is_described() -> None:
    assert set(features.FEATURE_DESCRIPTIONS) == set(features.FEATURE_COLUMNS)
