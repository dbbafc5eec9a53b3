"""The ``collapse`` command on the patients domain, its files, and its refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.mark.slow
def test_collapse_all_regimes_on_patients(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = tmp_path / "lab"
    args = ["collapse", "patients", "--generator", "patients-gaussian-copula", "--reference", "actg175"]
    args += ["--generations", "3", "--regime", "all", "-n", "200", "--seed", "3", "--out", str(out)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["out"] == str(out) and summary["verdict"]
    data = json.loads((out / "collapse.json").read_text())
    assert data["config"]["regimes"] == ["replace", "accumulate", "anchor"]
    assert data["config"]["target"] == "event"
    records = data["records"]
    assert [(r["regime"], r["generation"]) for r in records] == [
        (regime, g) for regime in ("replace", "accumulate", "anchor") for g in (1, 2, 3)
    ]
    for record in records:
        m = record["metrics"]
        for key in (
            "fidelity.score",
            "detection.c2st_auc",
            "diversity.precision",
            "diversity.recall",
            "diversity.density",
            "diversity.coverage",
            "rare_events.share",
            "spread.variance_ratio",
            "spread.entropy_ratio",
            "utility.tstr",
            "utility.ratio",
        ):
            assert isinstance(m[key], float), key
        assert 0.0 <= m["diversity.recall"] <= 1.0 and 0.4 <= m["detection.c2st_auc"] <= 1.0
        assert record["samples"] == 200 and 0.0 <= record["validity"]["pass_rate"] <= 1.0
    by = {(r["regime"], r["generation"]): r for r in records}
    assert by[("replace", 2)]["real_share"] == 0.0 and by[("replace", 2)]["training_rows"] == 200
    assert by[("anchor", 2)]["real_share"] == pytest.approx(0.1)
    assert by[("accumulate", 3)]["training_rows"] == by[("accumulate", 1)]["training_rows"] + 400
    assert data["verdict"] == data["verdicts"][0]["sentence"]
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 8 and data["verdict"].split(" (")[0] in report
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 3
    assert "generations" in manifest["timings"] and manifest["environment"]["python"]
    assert set(manifest["files"]) >= {"collapse.json", "report.html", "manifest.json"}

    again = runner.invoke(app, [*args, "--json"])
    assert again.exit_code == 2 and "already exists" in again.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--regime", "shrink"], "unknown regime"),
        (["--anchor-fraction", "0"], "(0, 1]"),
        (["--anchor-fraction", "1.5"], "(0, 1]"),
        (["--generations", "0"], "at least 1"),
    ],
)
def test_collapse_rejects_bad_input(tmp_path: Path, extra: list[str], message: str) -> None:
    out = tmp_path / "bad"
    result = runner.invoke(app, ["collapse", "patients", "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_collapse_existing_output_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["collapse", "patients", "--generations", "1", "--out", str(out)])
    assert result.exit_code == 2 and "already exists" in result.output
    assert (out / "keep.txt").read_text() == "mine"
    assert not list(tmp_path.glob(".taken.partial-*"))
