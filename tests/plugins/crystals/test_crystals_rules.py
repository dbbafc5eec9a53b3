"""Known answers and malformed input for the crystal validity rules."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Composition, DummySpecies, Lattice, Species, Structure

from synthgenesis.plugins.crystals import charge, formats, rules

MIN_DISTANCE = rules.MinDistance()
CHARGE = rules.ChargeBalance()
ELEMENTS = rules.KnownElements()
VOLUME = rules.VolumePerAtom()


def pair(a: float, first: str, second: str, distance: float) -> Structure:
    """Two atoms ``distance`` Å apart along x in a cubic cell of edge ``a``."""
    return Structure(
        Lattice.cubic(a), [first, second], [[0, 0, 0], [distance, 0, 0]], coords_are_cartesian=True
    )


# ----------------------------------------------------------------------------- min distance


def test_min_distance_passes_rock_salt(nacl: Structure) -> None:
    assert MIN_DISTANCE.validate(nacl) is None


def test_min_distance_absolute_floor() -> None:
    reason = MIN_DISTANCE.validate(pair(6.0, "H", "H", 0.30))
    assert reason == "site 0 (H) and site 1 (H) are 0.300 Å apart, below the 0.5 Å absolute minimum"


def test_min_distance_relative_to_covalent_radii() -> None:
    # Cs covalent radius 2.44 Å: 2.0 Å is above the 0.5 Å floor but below 0.5 × (2.44 + 2.44).
    reason = MIN_DISTANCE.validate(pair(10.0, "Cs", "Cs", 2.0))
    assert reason is not None
    assert "site 0 (Cs) and site 1 (Cs) are 2.000 Å apart" in reason
    assert "2.44 Å = 0.5 × (2.44 + 2.44 Å covalent radii)" in reason
    assert MIN_DISTANCE.validate(pair(10.0, "Cs", "Cs", 2.6)) is None
    assert rules.MinDistance(relative=0.0).validate(pair(10.0, "Cs", "Cs", 2.0)) is None


def test_min_distance_periodic_self_image() -> None:
    thin = Structure(Lattice.orthorhombic(0.4, 5.0, 5.0), ["Na"], [[0, 0, 0]])
    reason = MIN_DISTANCE.validate(thin)
    assert reason is not None and "site 0 (Na) and its own periodic image are 0.400 Å apart" in reason


def test_min_distance_across_the_cell_boundary() -> None:
    # 0.05 and 0.95 in fractional coordinates are 0.5 Å apart through the boundary, not 4.5 Å.
    s = Structure(Lattice.cubic(5.0), ["C", "C"], [[0.05, 0.5, 0.5], [0.95, 0.5, 0.5]])
    reason = MIN_DISTANCE.validate(s)
    assert reason is not None and "are 0.500 Å apart" in reason


def test_min_distance_coincident_atoms_and_count() -> None:
    s = Structure(Lattice.cubic(5.0), ["Na", "Cl", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])
    reason = MIN_DISTANCE.validate(s)
    assert reason is not None and "site 1 (Cl) and site 2 (Cl) are 0.000 Å apart" in reason


def test_min_distance_split_sites_are_alternatives_not_clashes() -> None:
    coords = [[0, 0, 0], [0.08, 0, 0]]
    split = Structure(Lattice.cubic(5.0), [{"O": 0.5}, {"O": 0.5}], coords)
    assert MIN_DISTANCE.validate(split) is None
    full = Structure(Lattice.cubic(5.0), ["O", "O"], coords)
    assert MIN_DISTANCE.validate(full) is not None


def test_min_distance_skewed_cell_is_fast() -> None:
    skewed = Structure(Lattice([[3.0, 0, 0], [2999.0, 0.01, 0], [0, 0, 4.0]]), ["Na"], [[0, 0, 0]])
    start = time.perf_counter()
    reason = MIN_DISTANCE.validate(skewed)
    assert time.perf_counter() - start < 2.0
    assert reason is not None and "own periodic image" in reason


def test_min_distance_degenerate_lattice() -> None:
    flat = Structure(Lattice([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), ["Na"], [[0, 0, 0]])
    assert "degenerate" in MIN_DISTANCE.validate(flat)


def test_min_distance_rejects_negative_thresholds() -> None:
    with pytest.raises(ValueError):
        rules.MinDistance(absolute=-1)


# ----------------------------------------------------------------------------- charge balance


@pytest.mark.parametrize(
    "species",
    [
        ["Na", "Cl"],  # rock salt
        ["Fe", "Fe", "Fe", "O", "O", "O", "O"],  # magnetite: mixed valence Fe2+/Fe3+
        ["K", "Cl", "O", "O", "O"],  # chlorate: Cl +5
        ["Cu", "Cu", "O"],  # cuprite: Cu +1
        ["Si"],  # element
        ["Fe", "Fe", "Fe", "Al"],  # alloy: metallic
    ],
)
def test_charge_balance_known_valid(species: list[str]) -> None:
    coords = np.linspace(0, 0.8, len(species))[:, None] * np.ones(3)
    assert CHARGE.validate(Structure(Lattice.cubic(8.0), species, coords)) is None


def test_charge_balance_known_invalid(rocksalt) -> None:
    reason = CHARGE.validate(rocksalt(cation="Ca"))
    assert reason == (
        "CaCl admits no charge-balanced assignment of oxidation states (Ca: +2; Cl: -1/+1/+3/+5/+7)"
    )


def test_charge_balance_metallic_switch(bcc) -> None:
    alloy = Structure(Lattice.cubic(3.0), ["Fe", "Al"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert CHARGE.validate(alloy) is None
    reason = rules.ChargeBalance(allow_metallic=False).validate(alloy)
    assert reason is not None and reason.startswith("AlFe admits no charge-balanced")
    assert rules.ChargeBalance(allow_metallic=False).validate(bcc()) is None  # an element is neutral


def test_charge_balance_element_without_oxidation_states() -> None:
    s = Structure(Lattice.cubic(5.0), ["He", "F"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert CHARGE.validate(s) == "FHe cannot be charge balanced: no known oxidation states for He"


def test_charge_balance_uses_given_oxidation_states(rocksalt) -> None:
    assert CHARGE.validate(rocksalt(cation=Species("Na", 1), anion=Species("Cl", -1))) is None
    reason = CHARGE.validate(rocksalt(cation=Species("Na", 1), anion=Species("Cl", 1)))
    assert reason == "NaCl carries total charge +8 from its assigned oxidation states"


def test_charge_balance_disordered_composition(rocksalt) -> None:
    assert CHARGE.validate(rocksalt(6.0, cation={"Na": 0.5, "K": 0.5})) is None
    assert CHARGE.validate(rocksalt(6.0, cation={"Ca": 0.5, "Sr": 0.5})) is not None


def test_charge_balance_rejects_dummy_species() -> None:
    s = Structure(Lattice.cubic(5.0), [DummySpecies("Xz"), "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert CHARGE.validate(s) == "cannot be charge balanced: Xz not a chemical element"


@pytest.mark.parametrize(
    "formula",
    [
        "NaCl",
        "Fe3O4",
        "Fe2O5",
        "CaCl",
        "LiFePO4",
        "Li7La3Zr2O12",
        "Ba2YCu3O7",
        "MoSi2",
        "Cu2S",
        "TiO",
        "NaCl2",
        "Li10GeP2S12",
        "Mn3O4",
        "CrO3",
        "FeS2",
        "PbO2",
        "V2O5",
        "NbP",
        "KO2",
    ],
)
def test_sumset_path_agrees_with_pymatgen(formula: str) -> None:
    comp = Composition(formula)
    enumerated = charge.charge_balance(comp, allow_metallic=False, budget=10**9)
    sumset = charge.charge_balance(comp, allow_metallic=False, budget=0)
    assert enumerated.method == "pymatgen" and sumset.method == "sumset"
    assert enumerated.balanced == sumset.balanced


def test_rule_verdict_is_pymatgens_on_every_aflow_composition() -> None:
    """The rule answers by sumsets; pymatgen's enumeration on the same state lists must agree."""
    from synthgenesis.plugins.crystals.reference import load_aflow_prototypes

    formulas = {s.composition.reduced_formula for s in load_aflow_prototypes()["structure"]}
    methods = []
    for formula in sorted(formulas):
        comp = Composition(formula)
        reference = charge.charge_balance(comp)  # pymatgen's enumeration wherever within budget
        assert (CHARGE.composition_reason(comp) is None) == reference.balanced, formula
        assert charge.charge_balance(comp, guess=False).method in ("sumset", "element", "metallic")
        methods.append((reference.method, reference.balanced))
    assert methods.count(("pymatgen", True)) > 100 and methods.count(("pymatgen", False)) >= 20


def test_large_formula_is_fast_and_correct() -> None:
    start = time.perf_counter()
    result = charge.charge_balance(Composition("K3C60"))
    assert time.perf_counter() - start < 1.0
    assert result.balanced and result.method == "sumset"


def test_oxidation_state_sets() -> None:
    assert charge.oxidation_states("Cl", "icsd") == (-1,)
    assert 5 in charge.oxidation_states("Cl", "icsd+common")
    assert charge.oxidation_states("Cu", "common") == (2,)
    assert 1 in charge.oxidation_states("Cu", "icsd+common")
    with pytest.raises(ValueError):
        charge.oxidation_states("Cu", "some")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rules.ChargeBalance(oxidation_states="some")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- elements


def test_known_elements(nacl: Structure) -> None:
    assert ELEMENTS.validate(nacl) is None
    s = Structure(Lattice.cubic(5.0), ["Na", DummySpecies("Qq")], [[0, 0, 0], [0.5, 0.5, 0.5]])
    assert ELEMENTS.validate(s) == "not chemical elements: Qq (site 1)"


def test_unknown_cif_symbol_is_caught(examples: Path) -> None:
    batch = formats.read(examples / "invalid.cif")
    row = batch[batch["record_id"] == "unknown-element-symbol"].iloc[0]
    assert ELEMENTS.validate(row["structure"]) == "not chemical elements: Qq (site 0)"


# ----------------------------------------------------------------------------- volume per atom


def test_volume_per_atom_known_answers(make_batch, nacl: Structure, bcc) -> None:
    batch = make_batch(nacl, bcc(8.0), bcc(1.5), None, "CsCl", ids=["ok", "big", "small", "gone", "text"])
    result = VOLUME.check(batch)
    assert list(result.mask) == [True, False, False, False, False]
    assert result.reasons[1] == "Fe: 256.0 Å³ per atom, above 150 (exploded cell)"
    assert result.reasons[2] == "Fe: 1.69 Å³ per atom, below 3 (collapsed cell)"
    assert result.reasons[3] == "no sample (read error)"
    assert result.reasons[4] == "sample is a str, not a pymatgen Structure"


def test_volume_per_atom_needs_the_structure_column() -> None:
    result = VOLUME.check(pd.DataFrame({"x": [1, 2]}))
    assert result.reasons == ["batch has no 'structure' column"] * 2


def test_volume_bounds_are_checked() -> None:
    with pytest.raises(ValueError):
        rules.VolumePerAtom(low=10, high=5)


# ----------------------------------------------------------------------------- every rule, bad input


ALL_VALIDATORS = [spec.rule for spec in rules.RULES]


@pytest.mark.parametrize("validator", ALL_VALIDATORS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (None, "no sample (read error)"),
        (float("nan"), "no sample (read error)"),
        (pd.NA, "no sample (read error)"),
        ("NaCl", "sample is a str, not a pymatgen Structure"),
        ({"lattice": 1}, "sample is a dict, not a pymatgen Structure"),
    ],
)
def test_every_validator_reports_missing_or_foreign_samples(validator, sample, expected) -> None:
    assert validator.validate(sample) == expected


@pytest.mark.parametrize("validator", ALL_VALIDATORS, ids=lambda v: type(v).__name__)
def test_every_validator_reports_empty_structure(validator) -> None:
    assert validator.validate(Structure(Lattice.cubic(3.0), [], [])) == "structure has no sites"


def test_example_file_reasons_name_the_records(examples: Path) -> None:
    batch = formats.read(examples / "invalid.cif")
    by_id = batch.set_index("record_id")["structure"]
    assert MIN_DISTANCE.validate(by_id["Si-with-extra-atom"]).startswith(
        "site 0 (Si) and site 8 (Si) are 0.350 Å"
    )
    assert CHARGE.validate(by_id["CaCl-rocksalt"]).startswith("CaCl admits no charge-balanced")
    assert (
        VOLUME.check(batch).reasons[list(batch["record_id"]).index("Fe-bcc-expanded")].startswith("Fe: 256.0")
    )
    for rid in ("NaCl-rocksalt",):
        assert all(v.validate(by_id[rid]) is None for v in ALL_VALIDATORS)


ELEMENT_POOL = ["H", "Li", "C", "O", "Na", "Si", "Cl", "Fe", "Cs", "He", "U"]


@st.composite
def random_structures(draw: st.DrawFn) -> Structure:
    matrix = draw(st.lists(st.floats(-12, 12, allow_nan=False, allow_infinity=False), min_size=9, max_size=9))
    n = draw(st.integers(1, 6))
    species = draw(st.lists(st.sampled_from([*ELEMENT_POOL, "X"]), min_size=n, max_size=n))
    coords = draw(
        st.lists(st.lists(st.floats(-1, 2, allow_nan=False), min_size=3, max_size=3), min_size=n, max_size=n)
    )
    species_objs = [DummySpecies("X") if sp == "X" else sp for sp in species]
    return Structure(Lattice(np.array(matrix).reshape(3, 3)), species_objs, coords)


@settings(max_examples=60, deadline=None)
@given(structure=random_structures())
def test_random_structures_never_raise(structure: Structure) -> None:
    for validator in ALL_VALIDATORS:
        reason = validator.validate(structure)
        assert reason is None or (isinstance(reason, str) and reason)
        assert not (reason or "").startswith("could not be checked"), reason
    result = VOLUME.check(pd.DataFrame({"structure": pd.Series([structure, None], dtype=object)}))
    assert len(result.reasons) == 2 and result.reasons[1] == "no sample (read error)"
