"""The installed console script, in a real subprocess, as users run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("synthgenesis") or str(Path(sys.executable).with_name("synthgenesis"))
    env = {**os.environ, "SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900)


@pytest.mark.slow
def test_console_script_plugins_json() -> None:
    out = run("plugins", "--json")
    assert out.returncode == 0, out.stderr
    assert {p["name"] for p in json.loads(out.stdout)} >= {
        "crystals",
        "molecules",
        "patients",
        "fraud",
        "driving",
    }


def test_console_script_usage_error() -> None:
    out = run("no-such-command")
    assert out.returncode == 2 and "No such command" in out.stderr


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = run("demo", "-n", "400", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "report:" in out.stdout
    metrics = json.loads((tmp_path / "demo/metrics.json").read_text())
    assert 0.5 <= metrics["detection"]["c2st_auc"] < 0.95
    assert metrics["privacy"]["exact_copies"] == 0
    html = (tmp_path / "demo/report.html").read_text()
    assert "Validity: rules applied" in html and "patients-physiological-ranges" in html
