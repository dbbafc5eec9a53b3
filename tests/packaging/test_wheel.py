"""The built wheel holds what an installed (not editable) synthgenesis needs at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_contents(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = tmp_path.glob("synthgenesis-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "synthgenesis/studies/demo.toml",
        "synthgenesis/py.typed",
        "synthgenesis/plugins/patients/__init__.py",
        "synthgenesis/plugins/crystals/__init__.py",
        "synthgenesis/evaluation/engine.py",
        "synthgenesis/execution/engine.py",
        "synthgenesis/collapse/lab.py",
    ):
        assert needed in names, needed
    entry_points = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    )
    for domain in ("crystals", "molecules", "patients", "fraud", "driving"):
        assert f"{domain} = synthgenesis.plugins.{domain}" in entry_points
