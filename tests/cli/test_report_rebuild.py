"""``synthgenesis report RUN`` evaluates a run again exactly as the study did, for every task kind.

A rebuilt report reproduces the run's metrics.json (same seed, same figures)
and keeps every section the run's report had: the survival task's own
section and the privacy section of records about people included.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')
runner = CliRunner()

STUDY = """
[study]
name = "rebuild-{task}"
domain = "patients"
seed = 3

[reference]
dataset = "{dataset}"

[generator]
name = "{generator}"

[sampling]
n = 300

[evaluation]
transfer_task = "{task}"
"""

KINDS = {
    "classification": ("actg175", "actg175-event", "patients-gaussian-copula"),
    "regression": ("diabetes", "diabetes-progression", "patients-gaussian-copula"),
    "survival": ("gbsg2", "gbsg2-survival", "patients-survival"),
}


def section_titles(html: str) -> list[str]:
    return re.findall(r"<h2[^>]*>(.*?)</h2>", html)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_report_reproduces_metrics_json(kind: str, tmp_path: Path) -> None:
    dataset, task, generator = KINDS[kind]
    study = tmp_path / "study.toml"
    study.write_text(STUDY.format(dataset=dataset, task=task, generator=generator), encoding="utf-8")
    run = tmp_path / "run"
    done = runner.invoke(app, ["run", str(study), "--out", str(run), "--json"])
    assert done.exit_code == 0, done.output
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["transfer_task"] == task
    stored = json.loads((run / "metrics.json").read_text())
    original = (run / "report.html").read_text(encoding="utf-8")

    rebuilt_path = tmp_path / "rebuilt.html"
    again = runner.invoke(app, ["report", str(run), "--out", str(rebuilt_path)])
    assert again.exit_code == 0, again.output
    assert "metrics equal metrics.json" in again.output
    rebuilt = rebuilt_path.read_text(encoding="utf-8")
    assert section_titles(rebuilt) == section_titles(original)
    assert any("rivacy" in t for t in section_titles(rebuilt))  # patients: privacy always evaluated
    if kind == "survival":
        assert "transfer" in stored and task in stored["transfer"]
    # the figures are the same too: only the report's own timestamp may differ
    assert abs(len(rebuilt) - len(original)) < 200


def test_report_says_when_metrics_differ(tmp_path: Path) -> None:
    study = tmp_path / "study.toml"
    dataset, task, generator = KINDS["classification"]
    study.write_text(STUDY.format(dataset=dataset, task=task, generator=generator), encoding="utf-8")
    run = tmp_path / "run"
    assert runner.invoke(app, ["run", str(study), "--out", str(run), "--json"]).exit_code == 0
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["overall"]["status"] = "edited"
    (run / "metrics.json").write_text(json.dumps(metrics))
    again = runner.invoke(app, ["report", str(run)])
    assert again.exit_code == 0, again.output
    assert "metrics differ from metrics.json" in again.output
