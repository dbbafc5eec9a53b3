"""The molecules generators: registration, determinism, saved state, validity, novelty, blocks and CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')
pytest.importorskip("selfies", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from rdkit import Chem
from typer.testing import CliRunner

from synthgenesis import manager
from synthgenesis.cli import app
from synthgenesis.errors import InvalidDataError, MissingExtraError
from synthgenesis.execution import GenerationPlan, execute, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.molecules import brics, generators, reference
from synthgenesis.plugins.molecules.rules import ORGANIC_ELEMENTS
from synthgenesis.types import Generator

NAMES = ("molecules-brics", "molecules-selfies")
N = 300


@pytest.fixture(scope="module")
def nci() -> pd.DataFrame:
    """The first 400 NCI molecules: salts, metal complexes and unsanitizable ones included."""
    return reference.load_nci_5k().head(400)


@pytest.fixture(scope="module")
def fitted(pm: PluginManager, nci: pd.DataFrame) -> dict[str, Generator]:
    return {name: pm.generator(name, "molecules").create().fit(nci) for name in NAMES}


@pytest.fixture(scope="module")
def samples(fitted: dict[str, Generator]) -> dict[str, pd.DataFrame]:
    return {name: gen.sample(N, seed=7) for name, gen in fitted.items()}


def test_generators_are_registered_with_a_default(pm: PluginManager) -> None:
    assert set(pm.generators("molecules")) == set(NAMES)
    assert pm.default_generator("molecules").name == "molecules-brics"
    assert set(pm.generator("molecules-brics").parameters()) == {
        "max_heavy_atoms",
        "min_fragment_count",
        "count_power",
    }
    assert set(pm.generator("molecules-selfies").parameters()) == {
        "max_mutations",
        "alphabet",
        "max_heavy_atoms",
        "tries",
    }


@pytest.mark.parametrize("name", NAMES)
def test_batches_are_in_the_domain_format(
    pm: PluginManager, samples: dict[str, pd.DataFrame], name: str, tmp_path: Path
) -> None:
    batch = samples[name]
    assert list(batch.columns) == ["record_id", "smiles"]
    assert batch["record_id"].tolist() == list(range(1, N + 1))
    # canonical RDKit SMILES, one component each
    assert all(Chem.MolToSmiles(Chem.MolFromSmiles(s)) == s and "." not in s for s in batch["smiles"])
    domain = pm.domain("molecules")
    path = tmp_path / "part.parquet"
    domain.to_storage(batch).to_parquet(path, index=False)
    pd.testing.assert_frame_equal(domain.from_storage(pd.read_parquet(path)), batch)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_molecules_other_seed_others(
    fitted: dict[str, Generator], samples: dict[str, pd.DataFrame], name: str
) -> None:
    pd.testing.assert_frame_equal(fitted[name].sample(N, seed=7), samples[name])
    other = fitted[name].sample(N, seed=8)["smiles"]
    assert (other != samples[name]["smiles"]).mean() > 0.9


@pytest.mark.parametrize("name", NAMES)
def test_state_survives_json_and_samples_the_same(
    pm: PluginManager, fitted: dict[str, Generator], samples: dict[str, pd.DataFrame], name: str
) -> None:
    state = json.loads(json.dumps(fitted[name].get_state()))
    spec = pm.generator(name)
    rebuilt = type(spec.create()).from_state(state)
    assert rebuilt.fitted and rebuilt.get_state() == state
    pd.testing.assert_frame_equal(rebuilt.sample(N, seed=7), samples[name])
    with pytest.raises(InvalidDataError, match="state"):
        type(spec.create()).from_state({**state, "kind": "something-else"})


@pytest.mark.parametrize(
    ("name", "floors"),
    [
        # measured on these 300 molecules: validity 1.0, uniqueness 0.85, novelty 0.96
        ("molecules-brics", {"validity": 0.98, "uniqueness": 0.75, "novelty": 0.85}),
        # measured: validity 1.0, uniqueness 0.99, novelty 0.99
        ("molecules-selfies", {"validity": 0.98, "uniqueness": 0.95, "novelty": 0.95}),
    ],
)
def test_validity_uniqueness_and_novelty(
    pm: PluginManager,
    nci: pd.DataFrame,
    samples: dict[str, pd.DataFrame],
    name: str,
    floors: dict[str, float],
) -> None:
    batch = samples[name]
    outcome = validate_batch(pm.domain("molecules"), batch, pm.rules("molecules"))
    assert outcome.valid.mean() >= 0.98, {n: s.examples for n, s in outcome.stats.items()}
    metrics = generators.generation_metrics(batch["smiles"], nci["smiles"])
    for key, floor in floors.items():
        assert metrics[key] >= floor, metrics


def test_generation_metrics_by_hand() -> None:
    metrics = generators.generation_metrics(
        ["CCO", "OCC", "CCN", "C(C)(C)(C)(C)C", "not smiles"], ["CCO.Cl", "c1ccccc1"]
    )
    assert metrics == {
        "n": 5,
        "valid": 3,
        "unique": 2,
        "novel": 1,  # CCO is the parent of the reference salt; CCN is new
        "validity": 0.6,
        "uniqueness": 2 / 3,
        "novelty": 0.5,
    }


def test_reference_molecules_keep_parents_of_organic_molecules() -> None:
    mols = generators.reference_molecules(
        ["CC(=O)[O-].[Na+]", "[CH3:1]O", "Cl[Cu]Cl", "C(C)(C)(C)(C)C", None, "", "CCCCCCCC"],
        max_heavy_atoms=6,
    )
    assert [Chem.MolToSmiles(m) for m in mols] == ["CC(=O)[O-]", "CO"]


# ----------------------------------------------------------------------------- BRICS


def test_brics_partners_follow_rdkit_reaction_definitions() -> None:
    partners = generators.brics_partners()
    assert partners[1] == (3, 5, 10)
    assert partners[7] == (7,)
    assert 16 in partners[16] and 14 in partners[16]
    for label, others in partners.items():
        assert all(label in partners[o] for o in others)


def test_brics_library_and_size_cap(nci: pd.DataFrame) -> None:
    gen = generators.brics(max_heavy_atoms=18).fit(nci)
    assert gen.fragments == sorted(gen.fragments) and all("*" in smi for smi, _ in gen.fragments)
    counts = dict(gen.fragments)
    assert counts["[16*]c1ccccc1"] >= 50  # phenyl: the most common BRICS piece of the NCI set
    heavy = [Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in gen.sample(200, seed=1)["smiles"]]
    assert max(heavy) <= 18
    # sizes follow the reference (median 15 heavy atoms in the first 400 NCI molecules)
    assert 10 <= float(np.median(heavy)) <= 17


def test_brics_min_fragment_count_and_weights(nci: pd.DataFrame) -> None:
    common = generators.brics(min_fragment_count=5).fit(nci)
    full = generators.brics().fit(nci)
    assert 0 < len(common.fragments) < len(full.fragments)
    assert all(c >= 5 for _, c in common.fragments)
    uniform = generators.brics(count_power=0.0).fit(nci).sample(N, seed=7)
    weighted = full.sample(N, seed=7)
    # drawing rare fragments as often as common ones gives more varied molecules
    assert uniform["smiles"].nunique() > weighted["smiles"].nunique()


def test_capping_gives_aromatic_nitrogen_its_hydrogen() -> None:
    mol = Chem.RWMol(Chem.MolFromSmiles("[9*]n1ccnc1", sanitize=False))
    brics._cap_with_hydrogen(mol, [0])
    Chem.SanitizeMol(mol)
    assert Chem.MolToSmiles(mol) == "c1c[nH]cn1"


def test_brics_needs_molecules_with_brics_bonds() -> None:
    with pytest.raises(InvalidDataError, match="no BRICS fragment"):
        generators.brics().fit(pd.DataFrame({"smiles": ["c1ccccc1", "C1CCCCC1"]}))
    with pytest.raises(InvalidDataError, match="can sanitize"):
        generators.brics().fit(pd.DataFrame({"smiles": ["Cl[Cu]Cl", "C(C)(C)(C)(C)C"]}))
    with pytest.raises(InvalidDataError, match="'smiles' column"):
        generators.brics().fit(pd.DataFrame({"smi": ["CCO"]}))
    with pytest.raises(ValueError, match="max_heavy_atoms"):
        generators.brics(max_heavy_atoms=0)


# ----------------------------------------------------------------------------- SELFIES


def test_selfies_mutants_differ_from_their_parents(fitted: dict[str, Generator]) -> None:
    gen = fitted["molecules-selfies"]
    assert isinstance(gen, generators.SelfiesMutation)
    parents = {smi for _, smi in gen.parents}
    out = gen.sample(200, seed=3)["smiles"]
    assert out.isin(parents).mean() < 0.05
    assert gen.tokens == sorted(gen.tokens) and "[C]" in gen.tokens


def test_selfies_reference_alphabet_and_size_cap(nci: pd.DataFrame) -> None:
    import selfies as sf

    gen = generators.selfies_mutation(alphabet="reference", max_heavy_atoms=20, max_mutations=3).fit(nci)
    seen = sf.get_alphabet_from_selfies(s for s, _ in gen.parents)
    assert set(gen.tokens) == seen
    heavy = [Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in gen.sample(200, seed=2)["smiles"]]
    assert max(heavy) <= 20
    elements = {
        a.GetSymbol() for s in gen.sample(200, seed=4)["smiles"] for a in Chem.MolFromSmiles(s).GetAtoms()
    }
    assert elements <= set(ORGANIC_ELEMENTS)
    with pytest.raises(ValueError, match="alphabet"):
        generators.selfies_mutation(alphabet="latin")


def test_selfies_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "selfies", None)
    with pytest.raises(MissingExtraError, match="molecules"):
        generators.selfies_mutation()


# ----------------------------------------------------------------------------- block engine and CLI


def _part_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("*.parquet"))}


@pytest.mark.parametrize("name", NAMES)
def test_block_engine_bytes_do_not_depend_on_workers(
    pm: PluginManager, fitted: dict[str, Generator], name: str, tmp_path: Path
) -> None:
    manager.reset_plugin_manager(lambda: pm)
    plan = GenerationPlan(
        domain="molecules",
        generator=name,
        state=fitted[name].get_state(),
        n=240,
        seed=3,
        block_size=80,
        id_column="record_id",
    )
    one = execute(plan, tmp_path / "one")
    # spawned workers load the plugins from entry points, not from this test's manager
    two = execute(plan, tmp_path / "two", workers=2)
    assert one.complete and two.complete and len(one.parts()) == 3
    assert _part_bytes(tmp_path / "one") == _part_bytes(tmp_path / "two")
    out = read_samples(one, from_storage=pm.domain("molecules").from_storage)
    assert out["record_id"].tolist() == list(range(1, 241)) and out["smiles"].nunique() > 200


@pytest.mark.parametrize("name", NAMES)
def test_cli_generate(
    monkeypatch: pytest.MonkeyPatch, nci: pd.DataFrame, pm: PluginManager, name: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", "1")
    source = tmp_path / "reference.smi"
    pm.domain("molecules").write(nci.head(120), source)
    out = tmp_path / "run"
    args = ["generate", "molecules", "--reference-file", str(source), "-n", "60", "--seed", "4"]
    result = CliRunner().invoke(app, [*args, "-g", name, "--block-size", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "60/60 valid samples" in result.output
    written = pm.domain("molecules").read(out / "samples.smi")
    assert len(written) == 60 and written["_read_error"].isna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["accepted"] == 60 and manifest["execution"]["blocks"] == 2
