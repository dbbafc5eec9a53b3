"""The HTML report: self-contained, one section per failure mode, renders in a browser."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from eval_helpers import FAST, clusters, mixed_table

from synthgenesis.errors import InvalidDataError
from synthgenesis.evaluation import FAILURE_MODES, EvaluationResult, evaluate
from synthgenesis.report import render_html, write_html_report

CHROMIUM: str = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else ""
)
CONTEXT = {
    "run_id": "run-7",
    "run": {"generator": "gaussian-copula", "rows requested": 500},
    "sections": [
        {"title": "Validation rules", "html": "<table><tr><td>rule-a</td><td>3 violations</td></tr></table>"}
    ],
}


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    real = mixed_table(400, seed=71)
    synthetic = mixed_table(400, seed=72, shift=0.4)
    return evaluate(
        real, synthetic, holdout=mixed_table(300, seed=73), target="label", sensitive=["group"], config=FAST
    )


@pytest.fixture(scope="module")
def report(result: EvaluationResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html_report(result, path, title="Test <run>", context=CONTEXT)
    return path


def test_file_is_self_contained(report: Path) -> None:
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html
    assert "@import" not in html and "url(" not in html
    assert os.listdir(report.parent) == ["report.html"]


def test_sections_and_header(report: Path, result: EvaluationResult) -> None:
    html = report.read_text()
    assert "Test &lt;run&gt;" in html  # title is escaped
    for mode, title in FAILURE_MODES.items():
        assert f'id="{mode}"' in html
        assert title in html
        assert f'data-status="{result.verdict(mode).status}"' in html
    assert "run-7" in html
    assert "<td>generator</td><td>gaussian-copula</td>" in html
    assert "<td>rows requested</td><td>500</td>" in html
    assert "<td>rule-a</td>" in html  # caller HTML is inserted as given
    assert 'id="all-metrics"' in html
    assert "<td>hybrid.0.value</td>" in html
    assert "<td>columns.x1.distance</td>" in html


def test_images_are_png_data_uris(report: Path) -> None:
    html = report.read_text()
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    # PRDC, bias, importance, marginals, associations, rare, DCR, TSTR/TRTR, hybrid
    assert len(uris) == 9
    for uri in uris:
        assert base64.b64decode(uri)[:8] == b"\x89PNG\r\n\x1a\n"


def test_not_applicable_sections_render(tmp_path: Path) -> None:
    real = clusters(200, seed=74)
    partial = evaluate(real, clusters(200, seed=75, centres=[0]), metrics=["diversity"])
    html = render_html(partial)
    assert html.count('data-status="n/a"') == 5
    assert 'data-status="fail"' in html  # the collapsed mode


def test_overall_verdict_leads_the_report(report: Path, result: EvaluationResult) -> None:
    html = report.read_text()
    overall = result.overall
    assert f'data-overall="{overall.status}"' in html
    assert html.index('id="overall"') < html.index('id="overview"') < html.index('id="mode_collapse"')
    assert f"Overall verdict: {overall.status}" in html
    for reason in overall.reasons:
        assert html_escape(reason) in html
    # every section says why it reached its status
    assert html.count('<p class="reason"><strong>Why:</strong>') == len(FAILURE_MODES)


def html_escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_all_metrics_are_collapsed(report: Path) -> None:
    html = report.read_text()
    block = html[html.index('id="all-metrics"') :]
    assert "<details open" not in html
    assert block.index("<details") < block.index("<td>hybrid.0.value</td>")


def test_plus_minus_has_equal_decimals_everywhere(report: Path) -> None:
    html = report.read_text()
    pairs = re.findall(r"(-?\d+(?:\.(\d+))?) ± (-?\d+(?:\.(\d+))?)", html)
    assert len(pairs) >= 4 and len(pairs) == html.count("±") - html.count("mean ± sd")
    for value, value_places, spread, spread_places in pairs:
        assert len(value_places) == len(spread_places), (value, spread)


def test_negative_max_amplification_is_explained(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    def table(pos_a: int, pos_b: int) -> pd.DataFrame:
        label = [1] * pos_a + [0] * (100 - pos_a) + [1] * pos_b + [0] * (100 - pos_b)
        return pd.DataFrame({"v": np.arange(200.0), "group": ["A"] * 100 + ["B"] * 100, "y": label})

    flipped = evaluate(table(30, 50), table(50, 30), target="y", sensitive=["group"], metrics=["bias"])
    assert flipped.metrics["bias"]["max_amplification"] == pytest.approx(-1.0)
    html = render_html(flipped)
    assert "max amplification means" in html
    assert "negative: the disparity is reversed" in html
    assert "reversed" in flipped.verdict("bias_amplification").summary


def test_insufficient_evidence_is_rendered() -> None:
    tiny = evaluate(
        mixed_table(9, seed=1), mixed_table(40, seed=2), holdout=mixed_table(3, seed=3), config=FAST
    )
    html = render_html(tiny)
    assert '<span class="badge insufficient">insufficient evidence</span>' in html
    assert 'data-overall="insufficient evidence"' in html
    assert 'data-status="pass"' not in html


def test_report_of_a_run_that_was_not_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html_report(
        None, path, title="Dice run", context=CONTEXT, not_evaluated="the simulator run has no reference data"
    )
    html = path.read_text()
    assert "Not evaluated: the simulator run has no reference data" in html
    assert 'data-overall="insufficient evidence"' in html
    assert "<td>rule-a</td>" in html and "run-7" in html  # run table and caller sections stay
    assert 'id="all-metrics"' not in html and 'class="mode verdict' not in html
    assert html.startswith("<!DOCTYPE html>")


def test_not_evaluated_needs_exactly_one_of_result_and_reason(
    result: EvaluationResult, tmp_path: Path
) -> None:
    with pytest.raises(InvalidDataError, match="reason it was not evaluated"):
        write_html_report(None, tmp_path / "a.html")
    with pytest.raises(InvalidDataError, match="not both"):
        write_html_report(result, tmp_path / "b.html", not_evaluated="skipped")
    assert not list(tmp_path.iterdir())


def test_bad_context_is_refused(result: EvaluationResult, tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="'title' and 'html'"):
        write_html_report(result, tmp_path / "r.html", context={"sections": [{"title": "x"}]})
    assert not (tmp_path / "r.html").exists()


@pytest.mark.skipif(
    not CHROMIUM,
    reason="chromium is not installed (apt-get install "
    "chromium) so the report cannot be rendered in a browser",
)
@pytest.mark.slow
def test_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    # A copy with a probe script that records, after load, how many images decoded.
    probe = tmp_path / "probe.html"
    script = (
        "<script>window.addEventListener('load', () => {"
        "const imgs = [...document.images];"
        "document.body.dataset.images = imgs.length;"
        "document.body.dataset.decoded = imgs.filter(i => i.complete && "
        "i.naturalWidth > 0).length;});</script>"
    )
    probe.write_text(report.read_text().replace("</body>", script + "</body>"))
    profile = tmp_path / "profile"
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
    ]
    done = subprocess.run([*args, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r'data-images="9"', dom), dom[:500]
    assert re.search(r'data-decoded="9"', dom)
    assert dom.count('class="mode verdict') == len(FAILURE_MODES)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*args, "--window-size=1280,2000", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
