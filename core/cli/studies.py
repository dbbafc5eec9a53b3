"""``run``, ``generate`` and ``demo``: studies, thin adapters over :class:`synthgenesis.study.Study`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from synthgenesis.cli._app import (
    BlockOpt,
    ExecutorOpt,
    JsonOpt,
    OutOpt,
    OverwriteOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    _execution_overrides,
    _pm,
    _run_config,
    app,
    handle_errors,
)


@app.command()
@handle_errors
def run(
    study: Annotated[Path, typer.Argument(help="A study TOML file.")],
    out: OutOpt = None,
    overwrite: OverwriteOpt = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    block_size: BlockOpt = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Reuse the finished blocks of an interrupted run in --out.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a study file: fit, sample, validate, evaluate and report into a run directory."""
    from synthgenesis.config import load_config

    overrides = _execution_overrides(executor, workers, scheduler, block_size)
    config = load_config(study, {"execution": overrides} if overrides else None)
    _run_config(config, out, overwrite, as_json, resume)


@app.command()
@handle_errors
def generate(
    domain: Annotated[str, typer.Argument(help="Domain to generate for.")],
    generator: Annotated[str | None, typer.Option("--generator", "-g", help="Generator name.")] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", "-r", help="Registered reference dataset.")
    ] = None,
    reference_file: Annotated[
        Path | None, typer.Option("--reference-file", help="Fit on this file (domain's native format).")
    ] = None,
    n: Annotated[int, typer.Option("-n", help="Number of valid samples.")] = 1000,
    seed: SeedOpt = 0,
    policy: Annotated[str, typer.Option("--policy", help="repair or reject invalid samples.")] = "repair",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Generator parameter KEY=VALUE (TOML value).")
    ] = None,
    condition: Annotated[
        list[str] | None, typer.Option("--condition", help="Only rows with COLUMN=VALUE (TOML value).")
    ] = None,
    enrich: Annotated[
        str | None, typer.Option("--enrich", help="COLUMN=VALUE:RATE, e.g. event=1:0.3 for 30% events.")
    ] = None,
    rules_file: Annotated[
        list[Path] | None, typer.Option("--rules-file", help="Also enforce the rules of this TOML rule file.")
    ] = None,
    evaluate_too: Annotated[
        bool, typer.Option("--evaluate", help="Also evaluate and write a report.")
    ] = False,
    out: OutOpt = None,
    overwrite: OverwriteOpt = False,
    executor: ExecutorOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    block_size: BlockOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit a generator on real reference data (a simulator needs none) and write N valid samples."""
    import tomllib

    from synthgenesis.config import parse_config
    from synthgenesis.errors import ConfigError
    from synthgenesis.study import default_reference

    def parse(option: str, item: str) -> tuple[str, Any]:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} {item}", "expected KEY=VALUE")
        try:
            return key.strip(), tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            return key.strip(), value

    params = dict(parse("--param", item) for item in param or [])
    conditions = dict(parse("--condition", item) for item in condition or [])
    enrich_spec: dict[str, Any] = {}
    if enrich is not None:
        head, sep, rate = enrich.rpartition(":")
        column, value = parse("--enrich", head) if sep else ("", None)
        try:
            enrich_spec = {"column": column, "value": value, "rate": float(rate)}
        except ValueError:
            raise ConfigError(f"--enrich {enrich}", "expected COLUMN=VALUE:RATE, e.g. event=1:0.3") from None
    if reference_file is not None:
        reference_section: dict[str, Any] = {"path": str(reference_file)}
    elif reference is not None:
        reference_section = {"dataset": reference}
    else:
        reference_section = default_reference(_pm(), domain, generator, params)
    data: dict[str, Any] = {
        "study": {"name": f"generate-{domain}", "domain": domain, "seed": seed},
        "reference": reference_section,
        "generator": {"name": generator, "params": params} if generator else {"params": params},
        "sampling": {"n": n, "policy": policy, "conditions": conditions, "enrich": enrich_spec},
        "rules": {"files": [str(p) for p in rules_file or []]},
        "execution": _execution_overrides(executor, workers, scheduler, block_size),
        "evaluation": {"enabled": evaluate_too},
        "output": {"dir": str(out) if out else f"runs/generate-{domain}-{seed}"},
    }
    _run_config(parse_config(data, source="command line"), out, overwrite, as_json)


@app.command()
@handle_errors
def demo(
    out: OutOpt = None,
    n: Annotated[int | None, typer.Option("-n", help="Number of synthetic patients (default 1500).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default 7).")] = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the built-in study: synthetic patients for the ACTG 175 trial, evaluated on real holdout data."""
    from synthgenesis.config import load_config
    from synthgenesis.study import default_demo_config

    overrides: dict[str, dict[str, Any]] = {}
    if n is not None:
        overrides["sampling"] = {"n": n}
    if seed is not None:
        overrides["study"] = {"seed": seed}
    config = load_config(default_demo_config(), overrides)  # checked like the file itself
    # The built-in study lives in the installed package: its output goes to the current folder.
    _run_config(config, out or Path(config.output.dir or "synthgenesis-demo"), overwrite, as_json)
