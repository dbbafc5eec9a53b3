"""examples/patients runs end to end offline and writes its reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_patients_example_quick(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples/patients/run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "site export: 4 of 5 records valid" in out.stdout
    for name in ("gaussian-copula", "bayesian-network", "survival"):
        assert (tmp_path / name / "report.html").exists()


def test_example_study_file_is_valid() -> None:
    pytest.importorskip("lifelines")
    import synthgenesis.plugins.patients as patients
    from synthgenesis.config import load_config
    from synthgenesis.manager import PluginManager
    from synthgenesis.study import check_against_plugins

    pm = PluginManager(autoload=False)
    pm.register(patients, name="patients")
    config = load_config(ROOT / "examples/patients/study.toml")
    check_against_plugins(config, pm)
    assert config.sampling.enrich == {"column": "event", "value": 1, "rate": 0.35}
