"""SMILES, SDF and CSV reading/writing: bad records isolated, canonical output, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdkit import Chem

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.molecules import formats
from synthgenesis.plugins.molecules.parsing import canonical_smiles
from synthgenesis.types import READ_ERROR_COLUMN

# ----------------------------------------------------------------------------- example files


def test_valid_smiles_example(examples: Path) -> None:
    batch = formats.read(examples / "valid.smi")
    assert list(batch.columns[:3]) == ["record_id", "smiles", READ_ERROR_COLUMN]
    assert len(batch) == 12  # header line skipped
    assert batch[READ_ERROR_COLUMN].isna().all()
    assert batch["record_id"].iloc[0] == "aspirin"
    assert "penicillin G" in set(batch["record_id"])  # names may contain spaces


def test_valid_csv_example_keeps_extra_columns(examples: Path) -> None:
    batch = formats.read(examples / "valid.csv")
    assert len(batch) == 12 and batch[READ_ERROR_COLUMN].isna().all()
    assert batch["logp_crippen"].dtype == float
    assert batch.set_index("record_id").loc["aspirin", "logp_crippen"] == pytest.approx(1.31)


def test_invalid_smiles_example(examples: Path) -> None:
    batch = formats.read(examples / "invalid.smi")
    assert len(batch) == 9
    bad = batch[batch[READ_ERROR_COLUMN].notna()]
    assert list(bad["record_id"]) == ["unclosed branch (SMILES syntax error)", "line 9"]
    assert bad[READ_ERROR_COLUMN].iloc[0] == (
        "line 5: SMILES could not be parsed: syntax error while parsing: C1CC(; "
        "check for mistakes around position 5"
    )
    assert bad[READ_ERROR_COLUMN].iloc[1].startswith("line 9: not UTF-8 text")
    assert bad["smiles"].isna().all()
    # chemically invalid molecules are still samples: the rules judge them
    assert batch.set_index("record_id").loc["pentavalent carbon", "smiles"] == "CC(C)(C)(C)C"
    assert batch["record_id"].iloc[-1] == "ethanol (valid)"


def test_invalid_sdf_example(examples: Path) -> None:
    batch = formats.read(examples / "invalid.sdf")
    assert list(batch["record_id"]) == [
        "aspirin",
        "pentavalent-carbon",
        "broken-atom-block",
        "unkekulizable-ring",
        "benzene",
    ]
    errors = batch[READ_ERROR_COLUMN].tolist()
    assert errors[2].startswith("SDF record 3 (broken-atom-block), lines 56-68:")
    assert errors[2].endswith("Atom line too short: '  1  2  1  0' on line 62")
    assert [e is None for e in errors] == [True, True, False, True, True]
    assert batch["smiles"].iloc[1] == "CC(C)(C)(C)C"  # kept unsanitized so the rule can report it
    assert batch["source"].iloc[0] == "valid"  # SD data items become columns


# ----------------------------------------------------------------------------- SMILES files


def test_smiles_file_details(tmp_path: Path) -> None:
    path = tmp_path / "x.smiles"
    path.write_text("SMILES\tName\n\n# a comment\nCCO  ethyl alcohol \nc1ccccc1\nCCO dup\nCCN dup\n")
    batch = formats.read(path)
    assert list(batch["smiles"]) == ["CCO", "c1ccccc1", "CCO", "CCN"]
    assert list(batch["record_id"]) == ["ethyl alcohol", "line 5", "dup", "dup#2"]


def test_smiles_header_only_on_first_line(tmp_path: Path) -> None:
    path = tmp_path / "x.smi"
    path.write_text("CCO first\nsmiles second\n")
    batch = formats.read(path)
    assert list(batch["smiles"]) == ["CCO", None]  # not skipped as a header: read as (bad) SMILES
    assert batch[READ_ERROR_COLUMN].iloc[1].startswith("line 2: SMILES could not be parsed")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=80))
def test_random_bytes_line_never_breaks_neighbours(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "fuzz.smi"
    junk = junk.replace(b"\n", b" ").replace(b"\r", b" ")
    path.write_bytes(b"CCO first\n" + junk + b"\nc1ccccc1 last\n")
    batch = formats.read(path)
    assert batch["record_id"].iloc[0] == "first" and batch["smiles"].iloc[0] == "CCO"
    assert batch["record_id"].iloc[-1] == "last" and batch["smiles"].iloc[-1] == "c1ccccc1"
    assert len(batch) in (2, 3)


# ----------------------------------------------------------------------------- SDF


def test_sdf_unparseable_record_only_loses_itself(tmp_path: Path, make_batch) -> None:
    good = tmp_path / "good.sdf"
    formats.write(make_batch("CCO", "c1ccccc1O", ids=["ethanol", "phenol"]), good)
    text = good.read_text()
    first, second = text.split("$$$$\n")[:2]
    broken = "garbage\n\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\nnot an atom line\nM  END\n"
    path = tmp_path / "mixed.sdf"
    path.write_text(first + "$$$$\n" + broken + "$$$$\n" + second + "$$$$\n")
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["ethanol", "garbage", "phenol"]
    assert batch[READ_ERROR_COLUMN].iloc[1].startswith("SDF record 2 (garbage), lines ")
    assert list(batch["smiles"]) == ["CCO", None, "Oc1ccccc1"]


# ----------------------------------------------------------------------------- CSV


def test_csv_reading(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        'SMILES,record_id,pIC50,note\nCCO,e1,5.5,"a, b"\nc1ccccc1,,6.0,x\nCCN,e3,7\n\n'
        "CC,e4,,y\n,e5,1,z\nC1C,e6,2,z\n"
    )
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["e1", "line 3", "e3", "e4", "e5", "e6"]
    errors = batch[READ_ERROR_COLUMN].tolist()
    assert errors[:4] == [None, None, "line 4: 3 fields, header has 4", None]
    assert errors[4] == "line 7: empty SMILES"
    assert errors[5] == "line 8: SMILES could not be parsed: unclosed ring for input: 'C1C'"
    assert batch["smiles"].tolist() == ["CCO", "c1ccccc1", None, "CC", None, None]
    assert batch["note"].iloc[0] == "a, b"
    assert batch["pIC50"].dtype == float


def test_csv_without_smiles_column(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("name,value\na,1\n")
    with pytest.raises(InvalidDataError, match="no 'smiles' column"):
        formats.read(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidDataError, match="empty CSV"):
        formats.read(empty)


# ----------------------------------------------------------------------------- writing


@pytest.mark.parametrize("suffix", [".smi", ".smiles", ".sdf", ".csv"])
def test_write_read_round_trip_is_canonical(tmp_path: Path, suffix: str, make_batch) -> None:
    smiles = ["OCC", "C1=CC=CC=C1", "C[C@H](N)C(=O)O", "C/C=C/C", "[NH4+].[Cl-]", "CC(C)(C)(C)C"]
    ids = ["ethanol", "benzene kekule", "L-alanine", "trans-2-butene", "salt", "pentavalent"]
    path = tmp_path / f"out{suffix}"
    formats.write(make_batch(*smiles, ids=ids), path)
    back = formats.read(path)
    assert list(back["record_id"]) == ids
    assert back[READ_ERROR_COLUMN].isna().all()
    expected = [canonical_smiles(s) for s in smiles]
    assert list(back["smiles"]) == expected
    assert expected[:5] == [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in smiles[:5]]
    assert expected[5] == "CC(C)(C)(C)C"  # invalid molecules survive writing unchanged in meaning


def test_write_keeps_unparseable_text_and_refuses_missing(tmp_path: Path, make_batch) -> None:
    path = tmp_path / "out.smi"
    formats.write(make_batch("C1CC(", "CCO", ids=["broken", "ok"]), path)
    assert path.read_text() == "C1CC(\tbroken\nCCO\tok\n"
    before = path.read_text()
    with pytest.raises(InvalidDataError, match="no SMILES that can be written"):
        formats.write(make_batch("CCO", None, "C C", ids=["a", "b", "c"]), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.smi"]


def test_write_and_read_unknown_suffix(tmp_path: Path, make_batch) -> None:
    with pytest.raises(InvalidDataError, match="unsupported molecule format"):
        formats.write(make_batch("CCO"), tmp_path / "x.mol2")
    with pytest.raises(InvalidDataError, match="unsupported molecule format"):
        formats.read(tmp_path / "x.mol2")
    with pytest.raises(InvalidDataError, match="no such file"):
        formats.read(tmp_path / "absent.smi")


def test_storage_round_trip_through_parquet(tmp_path: Path, make_batch) -> None:
    batch = make_batch("CCO", None, float("nan"), "C1CC(")
    batch[READ_ERROR_COLUMN] = [None, "unreadable", None, None]
    stored = formats.to_storage(batch)
    path = tmp_path / "b.parquet"
    stored.to_parquet(path, index=False)
    back = formats.from_storage(pd.read_parquet(path))
    assert back["smiles"].tolist() == ["CCO", None, None, "C1CC("]
    assert back[READ_ERROR_COLUMN].tolist() == [None, "unreadable", None, None]
