"""Studies without real data: a simulator that needs no fit generates and validates, nothing is evaluated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthgenesis import hookimpl, manager
from synthgenesis.config import parse_config
from synthgenesis.errors import ConfigError
from synthgenesis.manager import PluginManager
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.study import check_against_plugins, run_study
from synthgenesis.types import Domain, Generator, GeneratorSpec


class Dice(Generator):
    """Rolls of a die; a simulator."""

    requires_fit = False

    def __init__(self, sides: int = 6) -> None:
        super().__init__()
        self.sides = sides

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame(
            {"record_id": np.zeros(n, dtype=np.int64), "roll": rng.integers(1, self.sides + 1, n)}
        )

    def get_state(self) -> dict:
        return {"sides": self.sides}

    @classmethod
    def from_state(cls, state: dict) -> Dice:
        return cls(**state)


class Fitted(Dice):
    requires_fit = True

    def _fit(self, reference: pd.DataFrame) -> None:
        self.sides = int(reference["roll"].max())


class NamedDice(Dice):
    """Rolls with text ids the simulator makes unique itself."""

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        rolls = super()._sample(n, rng)
        return rolls.assign(record_id=[f"roll-{v:x}" for v in rng.integers(0, 2**62, n)])


class Stateless(Dice):
    """Rolls from a generator that cannot save its state (it runs as itself, in this process)."""

    def get_state(self) -> dict:
        raise NotImplementedError("no state")


class NotSix(Rule):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["roll"] != 6, lambda i: "rolled a six")


class Plugin:
    @hookimpl
    def synthgenesis_register_domains(self) -> list[Domain]:
        return [
            Domain(
                name="dice",
                description="die rolls",
                featurize=lambda b: b[["roll"]],
                read=pd.read_csv,
                write=lambda b, p: b.to_csv(p, index=False),
                formats=(".csv",),
                id_column="record_id",
            )
        ]

    @hookimpl
    def synthgenesis_register_generators(self) -> list[GeneratorSpec]:
        return [
            GeneratorSpec("dice-roll", "dice", Dice),
            GeneratorSpec("dice-fitted", "dice", Fitted),
            GeneratorSpec("dice-named", "dice", NamedDice),
            GeneratorSpec("dice-stateless", "dice", Stateless),
        ]

    @hookimpl
    def synthgenesis_register_rules(self) -> list[RuleSpec]:
        return [RuleSpec("dice-not-six", "dice", NotSix())]


@pytest.fixture
def dice_pm() -> Iterator[PluginManager]:
    pm = PluginManager(autoload=False)
    pm.register(Plugin(), name="dice")
    manager.reset_plugin_manager(lambda: pm)
    yield pm


def study(tmp_path: Path, **sections: dict) -> dict:
    data = {
        "study": {"name": "dice", "domain": "dice", "seed": 3},
        "generator": {"name": "dice-roll"},
        "sampling": {"n": 500, "policy": "reject"},
        "output": {"dir": str(tmp_path / "run")},
    }
    data.update(sections)
    return data


@pytest.mark.parametrize("execution", [{}, {"executor": "local", "block_size": 120}])
def test_a_simulator_runs_without_a_reference(
    dice_pm: PluginManager, tmp_path: Path, execution: dict
) -> None:
    config = parse_config(study(tmp_path, execution=execution))
    check_against_plugins(config, dice_pm)
    result = run_study(config, dice_pm)
    assert result.status == "complete", result
    run = tmp_path / "run"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["counts"]["reference"] == 0 and manifest["counts"]["accepted"] == 500
    assert not (run / "metrics.json").exists()  # nothing real to compare with
    # ... and the run says so rather than skipping silently
    assert manifest["overall"]["status"] == "insufficient evidence"
    assert "without real reference data" in manifest["not_evaluated"]
    assert result.overall == manifest["overall"]
    page = (run / "report.html").read_text()
    assert "Not evaluated" in page and "without real reference data" in page
    samples = pd.concat(pd.read_parquet(p) for p in sorted((run / "samples").glob("*.parquet")))
    assert len(samples) == 500 and samples["roll"].between(1, 5).all()
    # record ids are renumbered across blocks, whichever executor ran them
    assert samples["record_id"].tolist() == list(range(1, 501))


def test_a_fitted_generator_still_needs_a_reference(dice_pm: PluginManager, tmp_path: Path) -> None:
    config = parse_config(study(tmp_path, generator={"name": "dice-fitted"}))
    with pytest.raises(ConfigError, match="reference: generator 'dice-fitted' learns from real data"):
        check_against_plugins(config, dice_pm)


def test_both_dataset_and_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="give exactly one of 'dataset'"):
        parse_config(study(tmp_path, reference={"dataset": "a", "path": "b.csv"}))


def test_text_ids_a_simulator_makes_are_kept_in_block_runs(dice_pm: PluginManager, tmp_path: Path) -> None:
    config = parse_config(
        study(tmp_path, generator={"name": "dice-named"}, execution={"executor": "local", "block_size": 100})
    )
    assert run_study(config, dice_pm).status == "complete"
    samples = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "run" / "samples").glob("*.parquet")))
    assert samples["record_id"].str.startswith("roll-").all() and samples["record_id"].is_unique


def test_a_simulator_with_a_reference_file_is_evaluated(dice_pm: PluginManager, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pd.DataFrame({"record_id": range(400), "roll": rng.integers(1, 6, 400)}).to_csv(
        tmp_path / "real.csv", index=False
    )
    config = parse_config(
        study(tmp_path, reference={"path": str(tmp_path / "real.csv")}, evaluation={"metrics": ["fidelity"]})
    )
    result = run_study(config, dice_pm)
    run = tmp_path / "run"
    assert (run / "metrics.json").exists() and "fidelity" in result.metrics
    manifest = json.loads((run / "manifest.json").read_text())
    assert "not_evaluated" not in manifest and manifest["overall"]["status"] in (
        "usable",
        "usable with warnings",
        "not usable",
        "insufficient evidence",
    )


def test_report_rebuilds_a_not_evaluated_run(dice_pm: PluginManager, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from synthgenesis.cli import app

    run_study(parse_config(study(tmp_path)), dice_pm)
    run = tmp_path / "run"
    (run / "report.html").unlink()
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert "Not evaluated" in (run / "report.html").read_text()


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from synthgenesis.cli import app

    (tmp_path / "manifest.json").write_text("{not json")
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a run directory" in result.stderr


def test_conditions_apply_to_a_generator_that_cannot_save_its_state(
    dice_pm: PluginManager, tmp_path: Path
) -> None:
    config = parse_config(
        study(
            tmp_path,
            generator={"name": "dice-stateless"},
            sampling={"n": 200, "policy": "reject", "conditions": {"roll": 2}},
        )
    )
    result = run_study(config, dice_pm)
    assert result.status == "complete", result
    samples = pd.read_parquet(tmp_path / "run" / "samples")
    assert len(samples) == 200 and (samples["roll"] == 2).all()
