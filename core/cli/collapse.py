"""``collapse``: the model-collapse lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthgenesis.cli._app import (
    JsonOpt,
    OutOpt,
    OverwriteOpt,
    SeedOpt,
    _pm,
    _print_json,
    _stdout,
    app,
    handle_errors,
)


@app.command()
@handle_errors
def collapse(
    domain: Annotated[str, typer.Argument(help="Domain to run the generations in.")],
    generator: Annotated[
        str | None, typer.Option("--generator", "-g", help="Generator name (default: the domain's).")
    ] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", "-r", help="Registered real reference dataset.")
    ] = None,
    generations: Annotated[int, typer.Option("--generations", help="Number of generations.")] = 5,
    regime: Annotated[
        str, typer.Option("--regime", help="replace, accumulate, anchor or all (the three side by side).")
    ] = "all",
    anchor_fraction: Annotated[
        float, typer.Option("--anchor-fraction", help="Share of real records per anchor training set.")
    ] = 0.1,
    fresh_anchors: Annotated[
        bool, typer.Option("--fresh-anchors/--fixed-anchors", help="Draw new real anchors every generation.")
    ] = True,
    filter_valid: Annotated[
        bool, typer.Option("--filter-valid", help="Keep only samples passing the domain's rules.")
    ] = False,
    guided: Annotated[
        bool, typer.Option("--guided", help="Up-weight poorly covered real regions in the next fit.")
    ] = False,
    n: Annotated[
        int | None, typer.Option("-n", help="Samples per generation (default: size of the real train set).")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Label column for utility (default: the dataset's).")
    ] = None,
    seed: SeedOpt = 0,
    out: OutOpt = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Model-collapse lab: refit a generator on its own output for several generations.

    Writes collapse.json (every metric per generation and regime) and report.html.
    """
    from synthgenesis.collapse import REGIMES, CollapseConfig, run_collapse
    from synthgenesis.errors import ConfigError
    from synthgenesis.progress import Progress, RichProgress

    if regime != "all" and regime not in REGIMES:
        raise ConfigError("--regime", f"unknown regime {regime!r}; use {', '.join(REGIMES)} or all")
    if not 0.0 < anchor_fraction <= 1.0:
        raise ConfigError("--anchor-fraction", f"must lie in (0, 1], got {anchor_fraction}")
    if generations < 1:
        raise ConfigError("--generations", f"must be at least 1, got {generations}")
    config = CollapseConfig(
        generations=generations,
        regimes=REGIMES if regime == "all" else (regime,),
        n=n,
        anchor_fraction=anchor_fraction,
        fresh_anchors=fresh_anchors,
        filter_valid=filter_valid,
        guided=guided,
        target=target,
        seed=seed,
    )
    run = run_collapse(
        _pm(),
        domain,
        config,
        out=out or Path("runs") / f"collapse-{domain}-{seed}",
        generator=generator,
        reference=reference,
        overwrite=overwrite,
        progress=Progress() if as_json else RichProgress(),
    )
    summary = {
        "out": str(run.out),
        "collapse": str(run.out / "collapse.json"),
        "report": str(run.out / "report.html"),
        "verdict": run.verdict,
        "verdicts": [v["sentence"] for v in run.verdicts],
    }
    if as_json:
        _print_json(summary)
        return
    console = _stdout()
    from rich.markup import escape

    for sentence in summary["verdicts"]:
        console.print(escape(sentence))
    console.print(f"wrote {summary['collapse']} and {summary['report']}")
