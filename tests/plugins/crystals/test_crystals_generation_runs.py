"""Crystal generation through the block engine and the command line, and uniqueness/novelty."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from pymatgen.core import Structure
from typer.testing import CliRunner

import synthgenesis.plugins.crystals as crystals_plugin
from synthgenesis import manager
from synthgenesis.cli import app
from synthgenesis.execution import GenerationPlan, execute, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.crystals import diversity, formats, generators


@pytest.fixture
def pm() -> PluginManager:
    pm = PluginManager(autoload=False)
    pm.register(crystals_plugin, name="crystals")
    manager.reset_plugin_manager(lambda: pm)  # what in-process workers use
    return pm


def part_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("*.parquet"))}


def test_block_engine_gives_the_same_parts_on_one_or_two_workers(
    pm: PluginManager,
    rocksalt: Callable[..., Structure],
    make_batch: Callable[..., pd.DataFrame],
    tmp_path: Path,
) -> None:
    reference = make_batch(rocksalt(5.64, "Na", "Cl"), rocksalt(4.21, "Mg", "O"), ids=["NaCl", "MgO"])
    state = generators.substitution().fit(reference).get_state()

    def plan(seed: int) -> GenerationPlan:
        return GenerationPlan(
            domain="crystals",
            generator="crystals-substitution",
            state=state,
            n=30,
            seed=seed,
            block_size=10,
            id_column="record_id",
        )

    one = execute(plan(5), tmp_path / "one")
    # two spawned processes: plugins come from entry points there, not from this test's manager
    two = execute(plan(5), tmp_path / "two", workers=2)
    assert one.complete and one.accepted == 30 and len(one.parts()) == 3
    assert part_bytes(tmp_path / "two") == part_bytes(tmp_path / "one")
    assert two.summary()["rules"] == one.summary()["rules"]
    samples = read_samples(one, from_storage=formats.from_storage)
    # text ids are the generator's (a per-draw tag keeps draws apart); only integer ids are renumbered
    assert samples["record_id"].is_unique and len(samples) == 30
    assert all(isinstance(s, Structure) for s in samples["structure"])
    assert validate_batch(pm.domain("crystals"), samples, pm.rules("crystals")).valid.all()
    other = read_samples(execute(plan(6), tmp_path / "other"))
    assert other["structure"].tolist() != read_samples(one)["structure"].tolist()


@pytest.mark.slow
def test_generate_command_for_crystals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", "1")  # built-in plugins only
    out = tmp_path / "run"
    args = [
        "generate",
        "crystals",
        "-n",
        "12",
        "--seed",
        "3",
        "--block-size",
        "5",
        "--out",
        str(out),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "complete" and summary["counts"]["accepted"] == 12
    saved = json.loads((out / "generator.json").read_text())
    assert saved["generator"] == "crystals-substitution"  # the domain's default
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["execution"]["blocks"] == 3
    native = formats.read(out / "samples.cif")
    assert len(native) == 12 and native["_read_error"].isna().all()
    parts = read_samples(out, from_storage=formats.from_storage)
    assert [s.composition for s in parts["structure"]] == [s.composition for s in native["structure"]]
    bad = CliRunner().invoke(
        app,
        [
            "generate",
            "crystals",
            "-g",
            "crystals-perturbation",
            "-p",
            "sigma=-1",
            "--out",
            str(tmp_path / "bad"),
        ],
    )
    assert bad.exit_code != 0 and "sigma must be a finite number >= 0" in bad.output


def test_uniqueness_and_novelty(rocksalt: Callable[..., Structure]) -> None:
    nacl, kcl = rocksalt(5.64, "Na", "Cl"), rocksalt(6.29, "K", "Cl")
    bigger = rocksalt(5.90, "Na", "Cl")  # the same crystal: the matcher scales volumes
    moved = nacl.copy()
    moved.translate_sites([0], [0.2, 0.0, 0.0])  # a different arrangement
    samples = [nacl, bigger, kcl, moved]
    assert diversity.crystal_groups(samples) == [0, 0, 1, 2]
    assert diversity.is_novel(samples, [nacl]) == [False, False, True, True]
    result = diversity.diversity(samples, [nacl])
    assert (result.distinct, result.novel) == (3, 2)
    assert result.uniqueness == 0.75 and result.novelty == 0.5


def test_perturbation_is_augmentation_and_substitution_is_novel(
    rocksalt: Callable[..., Structure], make_batch: Callable[..., pd.DataFrame]
) -> None:
    reference = make_batch(rocksalt(5.64, "Na", "Cl"), rocksalt(4.21, "Mg", "O"), ids=["NaCl", "MgO"])
    real = reference["structure"].tolist()
    near = generators.perturbation(sigma=0.02, strain=0.01).fit(reference).sample(6, seed=1)
    assert diversity.diversity(near["structure"].tolist(), real).novel == 0
    new = generators.substitution().fit(reference).sample(6, seed=1)
    assert diversity.diversity(new["structure"].tolist(), real).novel == 6
