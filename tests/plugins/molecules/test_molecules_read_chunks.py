"""Molecule files read in chunks: streamed, and equal to reading them whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from synthgenesis.plugins.molecules import formats

DATA = Path(__file__).resolve().parents[3] / "examples" / "data" / "molecules"


@pytest.mark.parametrize("name", ["valid.smi", "invalid.smi", "invalid.sdf"])
def test_chunks_put_together_equal_the_whole_read(name: str) -> None:
    whole = formats.read(DATA / name)
    chunks = list(formats.read_chunks(DATA / name, 2))
    assert [len(c) for c in chunks[:-1]] == [2] * (len(chunks) - 1)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_repeated_names_stay_unique_across_chunks(tmp_path: Path) -> None:
    lines = ["CCO ethanol", "CCN amine", "CCO ethanol", "c1ccccc1 benzene", "CCO ethanol", "C1CC"]
    (tmp_path / "m.smi").write_text("\n".join(lines) + "\n")
    chunks = list(formats.read_chunks(tmp_path / "m.smi", 2))
    ids = [rid for c in chunks for rid in c["record_id"]]
    assert ids == ["ethanol", "amine", "ethanol#2", "benzene", "ethanol#3", "line 6"]
    assert chunks[2]["_read_error"].iat[1].startswith("line 6:")


def test_csv_chunks_keep_numeric_columns(tmp_path: Path) -> None:
    rows = "\n".join(f"m{i},{'C' * (i % 5 + 1)},{i / 10}" for i in range(7))
    (tmp_path / "m.csv").write_text("record_id,smiles,logp\n" + rows + "\n")
    chunks = list(formats.read_chunks(tmp_path / "m.csv", 3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert all(pd.api.types.is_float_dtype(c["logp"]) for c in chunks)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), formats.read(tmp_path / "m.csv"))
