"""``evaluate`` and ``report``: metrics and reports for tables and runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synthgenesis.cli._app import (
    JsonOpt,
    OverwriteOpt,
    SeedOpt,
    _pm,
    _print_headline,
    _print_json,
    _print_overall,
    _stdout,
    app,
    handle_errors,
)


@app.command()
@handle_errors
def evaluate(
    real: Annotated[Path, typer.Option("--real", help="Real (training) table, CSV or Parquet.")],
    synthetic: Annotated[Path, typer.Option("--synthetic", help="Synthetic table, CSV or Parquet.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for metrics.json and report.html.")],
    holdout: Annotated[
        Path | None, typer.Option("--holdout", help="Real rows not used for training.")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", help="Label column for utility metrics.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="classification or regression.")] = None,
    sensitive: Annotated[
        list[str] | None, typer.Option("--sensitive", help="Column to audit for bias.")
    ] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", help="Only these metric families.")] = None,
    seed: SeedOpt = 0,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Compare a synthetic table with real data; write metrics.json and report.html."""
    from synthgenesis.errors import OutputExistsError
    from synthgenesis.evaluation import evaluate as run_evaluation
    from synthgenesis.io import read_table
    from synthgenesis.progress import Progress, RichProgress
    from synthgenesis.report import write_html_report

    if task not in (None, "classification", "regression"):
        raise typer.BadParameter("must be classification or regression", param_hint="--task")
    for name in ("metrics.json", "report.html"):
        if (out / name).exists() and not overwrite:
            raise OutputExistsError(out / name)
    progress = Progress() if as_json else RichProgress()
    result = run_evaluation(
        read_table(real),
        read_table(synthetic),
        holdout=read_table(holdout) if holdout else None,
        target=target,
        task=task,
        sensitive=sensitive or (),
        metrics=metric,
        seed=seed,
        progress=progress.stage,
    )
    result.to_json(out / "metrics.json")
    write_html_report(result, out / "report.html", title=f"{synthetic.name} vs {real.name}")
    if as_json:
        _print_json(result.to_dict())
    else:
        _print_headline(result.metrics, _stdout())
        _print_overall(result.overall.to_dict(), _stdout())
        _stdout().print(f"wrote {out / 'metrics.json'} and {out / 'report.html'}")


@app.command()
@handle_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by run, generate or demo.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file (default RUN_DIR/report.html).")
    ] = None,
) -> None:
    """Rebuild the HTML report of a run from its stored features (same seed, same figures).

    The run is evaluated again exactly as the study evaluated it; the command
    says whether the metrics match the run's metrics.json.
    """
    from synthgenesis.study import Study, same_metrics

    study, manifest = Study.from_run(run_dir, _pm())
    target, metrics = study.rebuild_report(run_dir, manifest, out)
    console = _stdout()
    if metrics is None:
        console.print(f"wrote {target} (not evaluated: {manifest.get('not_evaluated')})", markup=False)
        return
    stored = run_dir / "metrics.json"
    if stored.exists():
        same = same_metrics(json.loads(stored.read_text(encoding="utf-8")), metrics)
        note = "metrics equal metrics.json" if same else "metrics differ from metrics.json (other versions?)"
        console.print(f"wrote {target} ({note})", markup=False)
    else:
        console.print(f"wrote {target}", markup=False)
