"""Every default crystals rule over the real crystal data shipped offline by installed packages.

- the 288 structures of the AFLOW Library of Crystallographic Prototypes in
  pymatgen (the registered reference dataset ``crystals-aflow-prototypes``):
  prototypes of real compounds, with the reported coordinates;
- the 21 Materials Project structures pymatgen ships in
  ``pymatgen/util/structures``;
- the 71 elemental crystals of ASE's ``collections.dcdft`` (the Delta-test
  set), when ASE happens to be installed (it is not a dependency: LGPL);
- the 2,135 compositions with experimental formation enthalpies and the 423
  Materials Project compositions of ``pymatgen/analysis/compatibility``
  (compositions only, so the compositional rule alone).

Each rejection is named below with why it is right. The compositional
rejections are real compounds whose bonding has no integer ionic description
(metal borides and silicides, metal-rich nitrides and chalcogenides,
polyanions with fractional states such as superoxides): SMACT's definition,
the default rule, rejects them by construction, and SMACT itself
(``smact_validity``) rejects every one of them but five, for which SMACT's
list has a state pymatgen's lists lack (U +2, Nb +1, Pt +1; checked below when
SMACT is installed). They are listed so that any new
rejection fails this test.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from pymatgen.core import Composition, Element, Structure
from pymatgen.io.cif import CifWriter

from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.crystals import formats, reference, rules

#: AFLOW prototypes rejected by a default rule, and why the rejection is right.
AFLOW_REJECTED = {
    # Geometry: atoms closer than half their covalent radii cannot be a real crystal; the stored
    # prototype coordinates put them there.
    "sigma_tP30_136_bf2ij": (
        "crystals-min-distance",
        "stored coordinates put Pd and Rh 1.26 Å apart (half their covalent radii: 1.40 Å)",
    ),
    "ABC_cP12_198_a_a_a": (
        "crystals-min-distance",
        "ullmannite NiSbS as stored has Ni and Sb 1.03 Å apart (real Ni-Sb bonds are about 2.6 Å)",
    ),
    # Composition: no integer ionic description (see the module docstring).
    "A6B_hR7_166_g_a": ("crystals-charge-neutrality", "CaC6: graphite intercalation, C at -1/3"),
    "AB3_tI16_140_b_ah": ("crystals-charge-neutrality", "U3Si: intermetallic silicide (U below +3)"),
    "A2B3_tP10_127_g_ah": ("crystals-charge-neutrality", "U3Si2: intermetallic silicide (U below +3)"),
    "AB3_oP16_18_ab_3c": ("crystals-charge-neutrality", "BaS3: polysulfide S3 2-, S at -2/3"),
    "AB3_tP8_113_a_ce": ("crystals-charge-neutrality", "BaS3: polysulfide S3 2-, S at -2/3"),
    "AB2_mC6_12_a_i": (
        "crystals-charge-neutrality",
        "AuTe2 calaverite: Te-Te pairs, Au above Te in Pauling X",
    ),
    "AB2_oP24_28_acd_2c3d": ("crystals-charge-neutrality", "AuTe2 krennerite: as calaverite"),
    "ABC4_mP12_13_e_a_2g": ("crystals-charge-neutrality", "AgAuTe4 sylvanite: as calaverite"),
    "A6B_cP7_221_f_a": ("crystals-charge-neutrality", "CaB6: boron cluster network B6 2-"),
    "A5B2_hR7_166_a2c_c": ("crystals-charge-neutrality", "Mo2B5: metal boride"),
    "A5B2_hP14_194_abdf_f": ("crystals-charge-neutrality", "W2B5: metal boride"),
    "A12B_cF52_225_i_a": ("crystals-charge-neutrality", "UB12: metal boride"),
    "AB2_hP3_191_a_d": ("crystals-charge-neutrality", "AlB2: metal boride (graphite-like B layers)"),
    "A2B5_mC28_15_f_e2f": ("crystals-charge-neutrality", "Pd5B2: metal-rich boride"),
    "A4B_oP20_62_2cd_c": ("crystals-charge-neutrality", "MgB4: metal boride"),
    "AB4C_hP6_191_a_h_b": ("crystals-charge-neutrality", "MgAlB4: metal boride"),
    "AB2_oI6_71_a_i": ("crystals-charge-neutrality", "ReSi2: intermetallic silicide (Re and Si both X 1.90)"),
    "A3B_cI8_229_b_a": ("crystals-charge-neutrality", "H3S: metallic hydride at 150 GPa"),
    "A4B5_tI18_87_h_ah": ("crystals-charge-neutrality", "Ti5Te4: metal-rich telluride (Ti-Ti bonds)"),
}

#: pymatgen's Materials Project structures rejected by a default rule, and why.
UTIL_REJECTED = {
    "La2CoO4F": (
        "crystals-charge-neutrality",
        "the file assigns oxidation states that add up to -1 (one fluoride written as F2-)",
    ),
}

#: Compositions (experimental and Materials Project tables) the compositional rule rejects, by kind.
COMPOSITION_KINDS = {
    "metal boride": lambda els: "B" in els and all(e == "B" or Element(e).is_metal for e in els),
    "metal silicide": lambda els: "Si" in els and all(e == "Si" or Element(e).is_metal for e in els),
    "metal-rich nitride, sulfide or selenide": lambda els: (
        len(els) == 2 and any(e in els for e in ("N", "S", "Se")) and any(Element(e).is_metal for e in els)
    ),
    "superoxide (O2-, O at -1/2)": lambda els: len(els) == 2 and "O" in els,
    "bleaching powder Ca(OCl)Cl (Cl at +1 and -1)": lambda els: set(els) == {"Ca", "Cl", "O"},
}
#: Superoxides and metal-rich phases of the tables, each checked to be of its kind.
SUPEROXIDES = {"KO2", "NaO2", "CsO2"}
METAL_RICH = {"Fe4N", "Nb2N", "Ta2N", "Pd4S", "Pt5Se4", "US", "USe"}


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    import synthgenesis.plugins.crystals as crystals_plugin

    manager = PluginManager(autoload=False)
    manager.register(crystals_plugin, name="crystals")
    return manager


def rejected(pm: PluginManager, batch: pd.DataFrame) -> dict[str, list[str]]:
    """Record id -> reasons for every record that fails a default rule."""
    outcome = validate_batch(pm.domain("crystals"), batch, pm.rules("crystals"))
    return {
        rid: reasons
        for rid, ok, reasons in zip(batch["record_id"], outcome.valid, outcome.reasons, strict=True)
        if not ok
    }


def assert_justified(found: dict[str, list[str]], expected: dict[str, tuple[str, str]]) -> None:
    assert set(found) == set(expected), {k: v for k, v in found.items() if k not in expected}
    for rid, reasons in found.items():
        rule = expected[rid][0]
        assert [r.split(":", 1)[0] for r in reasons] == [rule], (rid, reasons)


@pytest.fixture(scope="module")
def aflow() -> pd.DataFrame:
    return reference.load_aflow_prototypes()


def pymatgen_dir() -> Path:
    return reference.pymatgen_data_file("core").parent


def test_aflow_prototypes_pass_every_default_rule(pm: PluginManager, aflow: pd.DataFrame) -> None:
    assert len(aflow) == 288
    assert_justified(rejected(pm, aflow), AFLOW_REJECTED)


def test_materials_project_structures_pass_every_default_rule(pm: PluginManager) -> None:
    files = sorted((pymatgen_dir() / "util" / "structures").glob("*.json"))
    assert len(files) >= 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        structures = [Structure.from_file(f) for f in files]
    batch = pd.DataFrame(
        {"record_id": [f.stem for f in files], "structure": pd.Series(structures, dtype=object)}
    )
    assert_justified(rejected(pm, batch), UTIL_REJECTED)


def test_delta_test_elements_pass_every_default_rule(pm: PluginManager) -> None:
    pytest.importorskip("ase", reason="ASE is not a dependency; its dcdft collection is used when installed")
    from ase.collections import dcdft
    from pymatgen.io.ase import AseAtomsAdaptor

    structures = [AseAtomsAdaptor.get_structure(atoms) for atoms in dcdft]
    batch = pd.DataFrame({"record_id": list(dcdft.names), "structure": pd.Series(structures, dtype=object)})
    assert len(batch) == 71
    assert rejected(pm, batch) == {}


@pytest.mark.slow
def test_real_structures_survive_the_cif_reader(tmp_path: Path, aflow: pd.DataFrame) -> None:
    """The reader's guards (cell, occupancy, coordinates, limits) refuse none of the real structures.

    Written with their symmetry (Wyckoff sites, multiplicities, occupancies), as CIFs usually come.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = "\n".join(
            str(CifWriter(s, symprec=0.01)).replace("data_", f"data_{rid}_", 1)
            for rid, s in zip(aflow["record_id"], aflow["structure"], strict=True)
        )
    path = tmp_path / "aflow.cif"
    path.write_text(text)
    batch = formats.read(path)
    assert len(batch) == 288
    errors = batch["_read_error"].dropna().tolist()
    assert errors == []
    for original, read in zip(aflow["structure"], batch["structure"], strict=True):
        assert read.composition.reduced_composition == original.composition.reduced_composition


def table_formulas() -> list[str]:
    folder = pymatgen_dir() / "analysis" / "compatibility"
    with gzip.open(folder / "exp_compounds.json.gz", "rt") as fh:
        experimental = {entry["formula"] for entry in json.load(fh)}
    with gzip.open(folder / "calc_compounds.json.gz", "rt") as fh:
        computed = set(json.load(fh))
    return sorted(experimental | computed)


def test_tabulated_compositions_pass_the_compositional_rule() -> None:
    formulas = table_formulas()
    assert len(formulas) >= 2_200
    rule = rules.ChargeNeutrality()
    failed = sorted(f for f in formulas if rule.composition_reason(Composition(f)) is not None)
    ionic = [f for f in formulas if rules.ChargeBalance().composition_reason(Composition(f)) is not None]
    assert len(failed) == 60 and len(ionic) > 2.5 * len(failed)  # 60 of 2,224 (2.7%)
    for formula in failed:
        els = [e.symbol for e in Composition(formula).elements]
        kinds = [k for k, test in COMPOSITION_KINDS.items() if test(els)]
        assert kinds, formula
        if "superoxide (O2-, O at -1/2)" in kinds:
            assert formula in SUPEROXIDES
        elif kinds == ["metal-rich nitride, sulfide or selenide"]:
            assert formula in METAL_RICH
    assert re.search("B", " ".join(failed))  # borides are most of them


@pytest.mark.skipif(importlib.util.find_spec("smact") is None, reason="SMACT (benchmark-only) not installed")
def test_every_compositional_rejection_is_smacts_too(aflow: pd.DataFrame) -> None:
    from smact.screening import smact_validity

    rule = rules.ChargeNeutrality()
    formulas = set(table_formulas()) | {s.composition.reduced_formula for s in aflow["structure"]}
    failed = sorted(f for f in formulas if rule.composition_reason(Composition(f)) is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smact_accepts = [f for f in failed if smact_validity(f, oxidation_states_set="smact14")]
    # States SMACT's 2014 list has and pymatgen's lists do not: U +2, Nb +1, Pt +1.
    assert set(smact_accepts) <= {"U3Si2", "US", "USe", "Nb2N", "BPt2"}
