"""The third-party example package installs, registers by entry point and runs through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "custom_plugin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Install the example into a private folder and return an environment that sees it.

    Installing into a ``--target`` folder (not the test environment itself)
    keeps its entry point from leaking into other tests.
    """
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(EXAMPLE),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=build,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


def cli(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synthgenesis", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_entry_point_plugin_is_listed_active(installed: dict[str, str]) -> None:
    out = cli(installed, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    infos = {p["name"]: p for p in json.loads(out.stdout)}
    assert infos["cytology"]["status"] == "active"
    assert infos["cytology"]["version"] == "0.1.0"
    assert "synthgenesis_register_generators" in infos["cytology"]["hooks"]
    domains = {d["name"]: d for d in json.loads(cli(installed, "domains", "--json").stdout)}
    assert domains["cytology"]["generators"] == ["cytology-class-gaussian"]
    assert "cytology-isoperimetric" in domains["cytology"]["rules"]


@pytest.mark.slow
def test_generate_and_evaluate_through_the_cli(installed: dict[str, str], tmp_path: Path) -> None:
    out = cli(
        installed,
        "generate",
        "cytology",
        "-n",
        "300",
        "--seed",
        "1",
        "--evaluate",
        "--json",
        "--out",
        str(tmp_path / "run"),
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["status"] == "complete" and summary["counts"]["accepted"] == 300
    # The geometric rule really rejects or the repair really fixes some Gaussian draws.
    rules = summary["counts"]["rules"]
    assert rules["cytology-isoperimetric"]["failed"] + rules["cytology-worst-not-below-mean"]["repaired"] > 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert 0.5 <= metrics["detection"]["c2st_auc"] <= 1.0
    assert (tmp_path / "run" / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_blocking_the_plugin_by_env(installed: dict[str, str]) -> None:
    env = {**installed, "SYNTHGENESIS_BLOCK_PLUGINS": "cytology"}
    infos = {p["name"]: p for p in json.loads(cli(env, "plugins", "--json").stdout)}
    assert infos["cytology"]["status"] == "disabled"
    out = cli(env, "generate", "cytology", "-n", "5")
    assert out.returncode == 2 and "unknown domain 'cytology'" in out.stderr


def test_register_in_code(empty_pm) -> None:
    sys.path.insert(0, str(EXAMPLE / "src"))
    try:
        import synthgenesis_cytology

        empty_pm.register(synthgenesis_cytology, name="cytology")
        assert empty_pm.transfer_task("wdbc-malignant").target == "malignant"
    finally:
        sys.path.remove(str(EXAMPLE / "src"))
