"""CIF and JSON reading/writing: per-record failure isolation, round trips, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymatgen.core import Lattice, Structure

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.crystals import formats
from synthgenesis.types import READ_ERROR_COLUMN

GOOD_BLOCK = """data_{name}
_cell_length_a   4.0
_cell_length_b   4.0
_cell_length_c   4.0
_cell_angle_alpha   90
_cell_angle_beta   90
_cell_angle_gamma   90
_symmetry_space_group_name_H-M   'P 1'
loop_
 _atom_site_type_symbol
 _atom_site_label
 _atom_site_fract_x
 _atom_site_fract_y
 _atom_site_fract_z
 _atom_site_occupancy
  Cs  Cs0  0.0  0.0  0.0  1
  Cl  Cl1  0.5  0.5  0.5  1
"""


def same_structure(a: Structure, b: Structure, tol: float = 1e-6) -> bool:
    """Same cell parameters and the same sites (species and fractional coordinates), in any order.

    CIF stores cell parameters, not the lattice matrix, and pymatgen may list
    sites in another order, so orientation and order are not compared.
    """
    if not np.allclose(a.lattice.parameters, b.lattice.parameters, atol=tol):
        return False

    def sites(s: Structure) -> list[tuple[str, tuple[float, ...]]]:
        return sorted((site.species_string, tuple(np.round(site.frac_coords % 1.0, 5) % 1.0)) for site in s)

    return len(a) == len(b) and all(
        sa == sb and np.allclose(ca, cb, atol=max(tol, 1e-5))
        for (sa, ca), (sb, cb) in zip(sites(a), sites(b), strict=True)
    )


# ----------------------------------------------------------------------------- example files


def test_valid_example_reads_every_block_and_skips_metadata_block(examples: Path) -> None:
    batch = formats.read(examples / "valid.cif")
    assert list(batch.columns) == ["record_id", "structure", READ_ERROR_COLUMN]
    assert len(batch) == 9
    assert "global" not in set(batch["record_id"])
    assert batch[READ_ERROR_COLUMN].isna().all()
    assert all(isinstance(s, Structure) for s in batch["structure"])
    assert (
        batch.loc[batch["record_id"] == "Fe3O4-spinel", "structure"].iloc[0].composition.reduced_formula
        == "Fe3O4"
    )


def test_valid_json_example_matches_cif_example(examples: Path) -> None:
    cif = formats.read(examples / "valid.cif")
    js = formats.read(examples / "valid.json")
    assert list(cif["record_id"]) == list(js["record_id"])
    for a, b in zip(cif["structure"], js["structure"], strict=True):
        assert same_structure(a, b)


def test_invalid_example_isolates_malformed_blocks(examples: Path) -> None:
    batch = formats.read(examples / "invalid.cif")
    errors = dict(zip(batch["record_id"], batch[READ_ERROR_COLUMN], strict=True))
    assert len(batch) == 7
    assert errors["NaCl-rocksalt"] is None
    assert errors["Si-with-extra-atom"] is None
    assert "missing-cell-length" in errors["missing-cell-length"]
    assert "_cell_length_b" in errors["missing-cell-length"]
    assert "truncated-atom-loop" in errors["truncated-atom-loop"]
    assert batch.loc[batch[READ_ERROR_COLUMN].notna(), "structure"].isna().all()
    assert (
        batch.loc[batch[READ_ERROR_COLUMN].isna(), "structure"].map(lambda s: isinstance(s, Structure)).all()
    )


# ----------------------------------------------------------------------------- CIF reading


def test_bad_block_between_good_blocks(tmp_path: Path) -> None:
    text = (
        GOOD_BLOCK.format(name="first")
        + "\ndata_garbage\n_cell_length_a 4.0\nloop_\n_atom_site_label\n"
        + (GOOD_BLOCK.format(name="last"))
    )
    path = tmp_path / "mixed.cif"
    path.write_text(text)
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["first", "garbage", "last"]
    assert batch[READ_ERROR_COLUMN].iloc[0] is None and batch[READ_ERROR_COLUMN].iloc[2] is None
    assert batch[READ_ERROR_COLUMN].iloc[1].startswith("CIF block 'garbage' (line")
    assert batch["structure"].iloc[2].composition.reduced_formula == "CsCl"


def test_repeated_block_names_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "dup.cif"
    path.write_text(GOOD_BLOCK.format(name="same") + GOOD_BLOCK.format(name="same"))
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["same", "same#2"]
    assert batch[READ_ERROR_COLUMN].isna().all()


def test_data_keyword_inside_text_field_does_not_split(tmp_path: Path) -> None:
    block = GOOD_BLOCK.format(name="noted").replace(
        "_symmetry_space_group_name_H-M",
        "_publ_section_comment\n;\ndata_not_a_block\n;\n_symmetry_space_group_name_H-M",
    )
    path = tmp_path / "text.cif"
    path.write_text(block)
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["noted"]
    assert batch[READ_ERROR_COLUMN].iloc[0] is None


def test_uppercase_data_keyword(tmp_path: Path) -> None:
    path = tmp_path / "upper.cif"
    path.write_text(GOOD_BLOCK.format(name="loud").replace("data_loud", "DATA_loud"))
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["loud"] and batch[READ_ERROR_COLUMN].iloc[0] is None


def test_file_without_blocks_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "none.cif"
    path.write_text("# nothing here\n")
    with pytest.raises(InvalidDataError, match="no CIF data block"):
        formats.read(path)


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="no such file"):
        formats.read(tmp_path / "absent.cif")
    with pytest.raises(InvalidDataError, match="unsupported crystal format"):
        formats.read(tmp_path / "x.xyz")


@pytest.mark.parametrize("suffix", [".cif", ".json"])
def test_compressed_utf16_and_folders_are_refused_with_what_to_do(
    examples: Path, tmp_path: Path, suffix: str
) -> None:
    import gzip

    text = (examples / f"valid{suffix}").read_text(encoding="utf-8")
    packed = tmp_path / f"packed{suffix}"
    packed.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(InvalidDataError, match="gzip-compressed; decompress it first"):
        formats.read(packed)
    wide = tmp_path / f"wide{suffix}"
    wide.write_bytes(text.encode("utf-16"))
    with pytest.raises(InvalidDataError, match="UTF-16 text; save it as UTF-8"):
        formats.read(wide)
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    with pytest.raises(InvalidDataError, match="a folder"):
        formats.read(folder)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_random_block_never_breaks_neighbours(tmp_path: Path, garbage: str) -> None:
    text = (
        GOOD_BLOCK.format(name="before")
        + "data_fuzz\n"
        + garbage.replace(";", ",")
        + "\n"
        + (GOOD_BLOCK.format(name="after"))
    )
    path = tmp_path / "fuzz.cif"
    path.write_text(text, encoding="utf-8")
    batch = formats.read(path)
    good = batch[batch["record_id"].isin(["before", "after"])]
    assert len(good) == 2
    assert good[READ_ERROR_COLUMN].isna().all()
    assert all(s.composition.reduced_formula == "CsCl" for s in good["structure"])


# ----------------------------------------------------------------------------- JSON reading


def test_json_bad_entry_is_isolated(tmp_path: Path, nacl: Structure) -> None:
    entries = [formats.structure_to_dict(nacl, "good"), {"lattice": "not a lattice", "sites": []}, 42]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(entries))
    batch = formats.read(path)
    assert list(batch["record_id"]) == ["good", "#1", "#2"]
    assert batch[READ_ERROR_COLUMN].iloc[0] is None
    assert batch[READ_ERROR_COLUMN].iloc[1].startswith("JSON entry 1")
    assert "expected a Structure dict" in batch[READ_ERROR_COLUMN].iloc[2]
    assert same_structure(batch["structure"].iloc[0], nacl)


def test_json_that_is_not_a_list_or_not_json(tmp_path: Path, nacl: Structure) -> None:
    single = tmp_path / "single.json"
    single.write_text(json.dumps(nacl.as_dict()))
    assert len(formats.read(single)) == 1
    # A list that breaks off is read entry by entry: the entries before the break are kept and
    # the break is one record with a read error (the whole file used to be refused).
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    batch = formats.read(broken)
    assert len(batch) == 1 and "not valid JSON" in batch[READ_ERROR_COLUMN].iloc[0]
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps([nacl.as_dict(), nacl.as_dict()])[:-40])
    batch = formats.read(truncated)
    assert len(batch) == 2 and batch[READ_ERROR_COLUMN].iloc[0] is None
    assert batch[READ_ERROR_COLUMN].iloc[1].startswith("JSON entry 1 ('#1'): not valid JSON")
    scalar = tmp_path / "scalar.json"
    scalar.write_text("3")
    with pytest.raises(InvalidDataError, match="expected a JSON list"):
        formats.read(scalar)


# ----------------------------------------------------------------------------- writing


@pytest.mark.parametrize("suffix", [".cif", ".json"])
def test_write_read_round_trip(tmp_path: Path, suffix: str, rocksalt, bcc, make_batch) -> None:
    disordered = rocksalt(6.0, cation={"Na": 0.5, "K": 0.5})
    triclinic = Structure(
        Lattice.from_parameters(3.1, 4.2, 5.3, 80, 95, 110),
        ["Si", "O", "O"],
        [[0.1, 0.2, 0.3], [0.4, 0.45, 0.7], [0.8, 0.1, 0.55]],
    )
    structures = [rocksalt(), bcc(), disordered, triclinic]
    batch = make_batch(*structures, ids=["rock salt", "iron", "mixed", "tri"])
    path = tmp_path / f"out{suffix}"
    formats.write(batch, path)
    back = formats.read(path)
    expected_ids = (
        ["rock_salt", "iron", "mixed", "tri"] if suffix == ".cif" else ["rock salt", "iron", "mixed", "tri"]
    )
    assert list(back["record_id"]) == expected_ids
    for a, b in zip(structures, back["structure"], strict=True):
        assert same_structure(a, b)


def test_write_refuses_missing_structures_and_keeps_old_file(tmp_path: Path, rocksalt, make_batch) -> None:
    path = tmp_path / "out.cif"
    formats.write(make_batch(rocksalt(), ids=["first"]), path)
    before = path.read_text()
    with pytest.raises(InvalidDataError, match="no structure to write"):
        formats.write(make_batch(rocksalt(), None, ids=["a", "b"]), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.cif"]


def test_write_makes_block_names_unique(tmp_path: Path, rocksalt, bcc, make_batch) -> None:
    path = tmp_path / "dup.cif"
    formats.write(make_batch(rocksalt(), bcc(), ids=["x", "x"]), path)
    assert list(formats.read(path)["record_id"]) == ["x", "x_2"]


def test_write_unknown_suffix(tmp_path: Path, rocksalt, make_batch) -> None:
    with pytest.raises(InvalidDataError, match="unsupported crystal format"):
        formats.write(make_batch(rocksalt()), tmp_path / "x.poscar")


# ----------------------------------------------------------------------------- storage


def test_storage_round_trip_through_parquet(tmp_path: Path, nacl: Structure, bcc, make_batch) -> None:
    batch = make_batch(nacl, None, bcc(), ids=["a", "b", "c"])
    batch[READ_ERROR_COLUMN] = [None, "broken", None]
    stored = formats.to_storage(batch)
    assert isinstance(stored["structure"].iloc[0], str) and stored["structure"].iloc[1] is None
    path = tmp_path / "batch.parquet"
    stored.to_parquet(path, index=False)
    back = formats.from_storage(pd.read_parquet(path))
    assert back["structure"].iloc[1] is None
    assert back["structure"].iloc[0] == nacl
    assert same_structure(back["structure"].iloc[2], bcc(), tol=0.0)
    assert list(back[READ_ERROR_COLUMN]) == [None, "broken", None]
