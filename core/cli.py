"""The ``synthgenesis`` command line.

Exit codes (stable; scripts may rely on them): 0 success, 1 unexpected error,
2 bad usage, config or input, 3 plugin error, 4 missing extra, 5 too few
samples passed the rules, 6 ``validate`` found invalid records.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from synthgenesis.errors import EXIT_CODES, SynthgenesisError

app = typer.Typer(
    name="synthgenesis",
    help="Trustworthy synthetic data: generate domain-valid samples and measure how they transfer "
    "to real data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])
ENV_TRACEBACK = "SYNTHGENESIS_TRACEBACK"


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def handle_errors(func: F) -> F:
    """Turn library errors into one line on standard error and a stable exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            from synthgenesis.threads import limit_threads

            with limit_threads():
                return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except SynthgenesisError as exc:
            _report(exc, exc.exit_code)
        except KeyboardInterrupt:
            _stderr().print("interrupted; finished files are kept")
            raise typer.Exit(130) from None
        except OSError as exc:  # a folder that cannot be written, a full disk: not a bug of ours
            where = f"{exc.filename}: " if exc.filename else ""
            exc_text = exc.strerror or str(exc)
            _report(OSError(f"cannot access {where}{exc_text}"), EXIT_CODES["usage"], cause=exc)
        except Exception as exc:
            _report(exc, EXIT_CODES["error"], unexpected=True)

    return wrapper  # type: ignore[return-value]


def _traceback_wanted() -> bool:
    return os.environ.get(ENV_TRACEBACK, "").strip().lower() in {"1", "true", "yes", "on"}


def _report(
    exc: BaseException, code: int, unexpected: bool = False, cause: BaseException | None = None
) -> None:
    if _traceback_wanted():
        import traceback

        traceback.print_exception(cause or exc)
    prefix = f"unexpected {type(exc).__name__}: " if unexpected else ""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    notes = getattr(cause or exc, "__notes__", [])
    hint = "" if not unexpected else f" (set {ENV_TRACEBACK}=1 to see the traceback)"
    from rich.markup import escape

    err = _stderr()
    err.print(f"[bold red]error:[/] {escape(prefix + message + hint)}")
    for note in notes:
        err.print(f"  {note}", markup=False)
    raise typer.Exit(code)


def _pm() -> Any:
    from synthgenesis.manager import get_plugin_manager

    return get_plugin_manager()


def _print_json(data: Any) -> None:
    from synthgenesis.io import _json_default

    sys.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")


JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on standard output.")]
SeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        min=0,
        max=2**32 - 1,
        help="Random seed (0 to 2**32-1); the same seed gives the same samples.",
    ),
]


# ----------------------------------------------------------------------------- listing


@app.command()
@handle_errors
def plugins(as_json: JsonOpt = False) -> None:
    """List every plugin (built-in and third-party) with version, status and hooks."""
    infos = _pm().plugin_infos()
    if as_json:
        _print_json([i.to_dict() for i in infos])
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="synthgenesis plugins")
    for col in ("name", "version", "status", "source", "hooks", "note"):
        table.add_column(col)
    colour = {"active": "green", "missing-extra": "yellow", "disabled": "dim", "error": "red"}
    for i in infos:
        hooks = ", ".join(h.removeprefix("synthgenesis_") for h in i.hooks)
        table.add_row(
            i.name, i.version or "-", f"[{colour[i.status]}]{i.status}[/]", i.source, hooks, escape(i.message)
        )
    _stdout().print(table)


def _domain_listing(pm: Any) -> list[dict[str, Any]]:
    out = []
    for name, dom in sorted(pm.domains().items()):
        rules = {**pm.constraints(name), **pm.validators(name)}
        out.append(
            {
                "name": name,
                "description": dom.description,
                "extra": dom.extra,
                "sample_type": dom.sample_type,
                "formats": list(dom.formats),
                "generators": sorted(pm.generators(name)),
                "validators": sorted(n for n, r in rules.items() if r.__class__.__name__ == "ValidatorSpec"),
                "constraints": sorted(
                    n for n, r in rules.items() if r.__class__.__name__ == "ConstraintSpec"
                ),
                "opt_in_rules": sorted(n for n, r in rules.items() if not r.default),
                "reference_datasets": [
                    {
                        "name": d.name,
                        "description": d.description,
                        "licence": d.licence,
                        "citation": d.citation,
                    }
                    for d in dom.reference_datasets
                ],
                "transfer_tasks": [
                    {"name": t.name, "reference": t.reference, "target": t.target, "kind": t.kind}
                    for t in pm.transfer_tasks(name).values()
                ],
            }
        )
    return out


@app.command()
@handle_errors
def domains(as_json: JsonOpt = False) -> None:
    """List each available domain with its generators, rules, reference datasets and transfer tasks."""
    from rich.markup import escape

    pm = _pm()
    listing = _domain_listing(pm)
    if as_json:
        _print_json(listing)
        return
    console = _stdout()
    for d in listing:
        kind = f"{d['sample_type']}; {', '.join(d['formats'])}"
        console.print(f"[bold]{d['name']}[/] ({kind}): {escape(d['description'])}")
        for key in ("generators", "validators", "constraints"):
            console.print(f"  {key}: {', '.join(d[key]) or '-'}")
        if d["opt_in_rules"]:
            console.print(f"  opt-in rules (apply with --rule): {', '.join(d['opt_in_rules'])}")
        console.print(f"  reference datasets: {', '.join(x['name'] for x in d['reference_datasets']) or '-'}")
        console.print(f"  transfer tasks: {', '.join(x['name'] for x in d['transfer_tasks']) or '-'}")
    missing = [i for i in pm.plugin_infos() if i.status != "active"]
    for i in missing:
        console.print(f"[dim]{i.name}: {i.status} ({escape(i.message)})[/]")


# ----------------------------------------------------------------------------- validate


@app.command()
@handle_errors
def validate(
    domain: Annotated[str, typer.Argument(help="Domain name, e.g. crystals, molecules, patients.")],
    file: Annotated[Path, typer.Argument(help="A file in one of the domain's native formats.")],
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Check only these rules (repeatable).")
    ] = None,
    rules_file: Annotated[
        list[Path] | None, typer.Option("--rules-file", help="Also check the rules of this TOML rule file.")
    ] = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Repair what can be repaired before the final checks.")
    ] = False,
    repair_out: Annotated[
        Path | None,
        typer.Option("--repair-out", help="Repair what can be repaired and write the valid records here."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write valid/ and rejected/ Parquet parts and validation.json here."),
    ] = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="Where chunks are checked: local (processes) or dask.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")
    ] = None,
    block_size: Annotated[
        int | None,
        typer.Option("--block-size", help="Records per chunk (memory is bounded by it); default: one chunk."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every record of FILE against the domain's rules and print a per-rule summary.

    With --block-size the file is read and checked in chunks of that many
    records (memory bounded by it), on --workers processes or a Dask cluster;
    --workers or --executor alone choose chunks of 10,000. Exits 0 if every
    record is valid and 6 if some are not.
    """
    import shutil
    import tempfile

    from synthgenesis.errors import ConfigError
    from synthgenesis.execution import DEFAULT_BLOCK_SIZE, read_valid, validate_file
    from synthgenesis.progress import Progress, RichProgress

    if scheduler is not None:
        if executor not in (None, "dask"):
            raise ConfigError(
                "--scheduler", f"a scheduler address only applies to --executor dask, not {executor!r}"
            )
        executor = "dask"
        if repair_out is not None and out is None:
            raise ConfigError(
                "--repair-out", "with --scheduler, also give --out on storage the workers share"
            )
    if block_size is None and (workers > 1 or executor is not None):
        block_size = DEFAULT_BLOCK_SIZE
    executor = executor or "local"
    pm = _pm()
    dom = pm.domain(domain)
    keep = repair_out is not None
    with contextlib.ExitStack() as stack:
        parts_dir = out
        if keep and parts_dir is None:
            parts_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        result = validate_file(
            domain,
            file,
            parts_dir,
            rules=rule,
            rule_files=list(rules_file or []),
            repair=repair or keep,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            block_size=block_size,
            progress=Progress() if as_json else RichProgress(),
        )
        summary = result.summary()
        if out is not None:
            summary["out"] = str(out)
        if repair_out is not None and parts_dir is not None and result.valid:
            dom.write(read_valid(parts_dir, dom), repair_out)
            summary["written"] = {"path": str(repair_out), "records": result.valid}
        if out is None and parts_dir is not None:
            shutil.rmtree(parts_dir, ignore_errors=True)
    if as_json:
        _print_json(summary)
    else:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(f"{file}: {result.valid} of {result.records} records valid"))
        for col in ("rule", "checked", "passed", "failed", "repaired", "example reason"):
            table.add_column(col, overflow="fold")
        for name, st in result.stats.items():
            colour = "green" if st.failed == 0 else "red"
            table.add_row(
                name,
                str(st.checked),
                str(st.passed),
                f"[{colour}]{st.failed}[/]",
                str(st.repaired),
                escape(st.examples[0]) if st.examples else "",
            )
        console = _stdout()
        console.print(table)
        if block_size is not None:
            console.print(
                f"{result.n_blocks} chunks of up to {block_size:,} records, {executor} executor, "
                f"{workers} worker{'s' if workers > 1 else ''}, {result.seconds:.1f} s"
            )
        for note in result.notes:
            console.print(f"[yellow]note:[/] {escape(note)}")
        for index, error in result.failed_blocks.items():
            console.print(f"[red]chunk {index} failed:[/] {escape(error)}")
        if result.read_error:
            console.print(f"[red]reading stopped:[/] {escape(result.read_error)}")
        if out is not None:
            console.print(f"wrote valid/ and rejected/ parts and validation.json to {out}")
        if repair_out is not None:
            written = (
                f"wrote {result.valid} valid records to"
                if result.valid
                else "no valid records; nothing written to"
            )
            console.print(f"{written} {repair_out}")
    if not result.complete:
        raise typer.Exit(EXIT_CODES["error"])
    if result.valid < result.records:
        raise typer.Exit(EXIT_CODES["invalid-samples"])


@app.command()
@handle_errors
def convert(
    domain: Annotated[str, typer.Argument(help="Domain whose formats to convert between.")],
    source: Annotated[Path, typer.Argument(help="Input file in one of the domain's formats.")],
    target: Annotated[Path, typer.Argument(help="Output file; its suffix picks the format.")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output file.")] = False,
    keep_formulas: Annotated[
        bool,
        typer.Option(
            "--keep-csv-formulas",
            help="Write CSV text starting with = + - @ unchanged (by default it gets a leading apostrophe).",
        ),
    ] = False,
) -> None:
    """Convert samples between a domain's formats (for example patients CSV -> FHIR Bundle JSON).

    Records that cannot be read are reported and left out; the others are written.
    """
    from synthgenesis.errors import InvalidDataError, OutputExistsError
    from synthgenesis.io import check_data_file, csv_formula_policy
    from synthgenesis.types import READ_ERROR_COLUMN

    dom = _pm().domain(domain)
    for path, what in ((source, "input"), (target, "output")):
        if path.suffix.lower() not in dom.formats:
            raise InvalidDataError(f"{path}: {domain} {what} must be one of {', '.join(dom.formats)}")
    check_data_file(source)
    if target.exists() and not overwrite:
        raise OutputExistsError(target)
    batch = dom.read(source)
    bad = batch[READ_ERROR_COLUMN].notna() if READ_ERROR_COLUMN in batch.columns else None
    if bad is not None and bad.any():
        for reason in batch.loc[bad, READ_ERROR_COLUMN].head(5):
            _stderr().print(f"skipped: {reason}", markup=False)
        batch = batch[~bad]
    with csv_formula_policy("keep" if keep_formulas else "neutralise"):
        dom.write(batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore").reset_index(drop=True), target)
    _stdout().print(
        f"wrote {len(batch)} records to {target}"
        + (f" ({int(bad.sum())} unreadable skipped)" if bad is not None and bad.any() else "")
    )


# ----------------------------------------------------------------------------- studies


def _run_config(config: Any, out: Path | None, overwrite: bool, as_json: bool, resume: bool = False) -> None:
    from synthgenesis.progress import Progress, RichProgress
    from synthgenesis.study import run_study

    progress = Progress() if as_json else RichProgress()
    result = run_study(config, _pm(), out=out, overwrite=overwrite or None, progress=progress, resume=resume)
    summary = {
        "out": str(result.out),
        "status": result.status,
        "counts": result.generation.summary() if result.generation else None,
        "report": str(result.out / "report.html") if (result.out / "report.html").exists() else None,
        "overall": result.overall,
    }
    if as_json:
        _print_json(summary)
    else:
        console = _stdout()
        gen = result.generation
        if gen is not None:
            console.print(
                f"[bold]{result.status}[/]: {gen.accepted}/{gen.requested} valid samples "
                f"(acceptance {gen.acceptance_rate:.1%}) in {result.out}"
            )
        _print_headline(result.metrics, console)
        _print_overall(result.overall, console)
        if summary["report"]:
            console.print(f"report: {summary['report']}")
    raise typer.Exit(result.exit_code)


def _print_overall(overall: dict[str, Any] | None, console: Any) -> None:
    """The overall verdict and the reasons that decided it."""
    if not overall:
        return
    from rich.markup import escape

    colour = {"usable": "green", "usable with warnings": "yellow", "not usable": "red"}.get(
        overall["status"], "magenta"
    )
    console.print(f"overall: [bold {colour}]{escape(overall['status'])}[/]")
    for reason in overall.get("reasons", [])[:5]:
        console.print(f"  - {escape(reason)}")


def _print_headline(metrics: dict[str, Any], console: Any) -> None:
    """A few key figures, if the evaluation produced them."""
    picks = [
        ("fidelity", "score"),
        ("detection", "c2st_auc"),
        ("diversity", "precision"),
        ("diversity", "recall"),
        ("privacy", "dcr_share_closer_to_train"),
        ("privacy", "exact_copies"),
        ("utility", "ratio"),
    ]
    parts = []
    for family, key in picks:
        value = metrics.get(family, {}).get(key) if isinstance(metrics.get(family), dict) else None
        if isinstance(value, (int, float)):
            parts.append(f"{family}.{key}={value:.3g}")
    if parts:
        console.print("  ".join(parts))


OutOpt = Annotated[Path | None, typer.Option("--out", help="Output run directory.")]
ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor", help="Generate in seeded blocks on 'local' processes or 'dask' (default: in-process)."
    ),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Worker processes for --executor.")]
SchedulerOpt = Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")]
BlockOpt = Annotated[int | None, typer.Option("--block-size", help="Rows per seeded block (default 10000).")]


def _execution_overrides(
    executor: str | None, workers: int | None, scheduler: str | None, block_size: int | None
) -> dict[str, Any]:
    given = {"executor": executor, "workers": workers, "scheduler": scheduler, "block_size": block_size}
    overrides = {k: v for k, v in given.items() if v is not None}
    if scheduler is not None and executor is None:
        overrides["executor"] = "dask"
    elif overrides and "executor" not in overrides:
        overrides["executor"] = "local"
    return overrides


OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace an existing output directory.")]


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
    _pm().domain(domain)  # an unknown or unavailable domain is the first thing to report
    reference_section: dict[str, Any] = {}
    if reference_file is not None:
        reference_section = {"path": str(reference_file)}
    elif reference is not None:
        reference_section = {"dataset": reference}
    else:
        datasets = sorted(_pm().reference_datasets(domain))
        spec = _pm().generator(generator, domain) if generator else _pm().default_generator(domain)
        if datasets:
            reference_section = {"dataset": datasets[0]}
        elif spec.create(**params).requires_fit:
            raise ConfigError(
                "--reference", f"domain {domain!r} has no registered reference; pass --reference-file"
            )
        # else: a simulator, which runs without real data
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

    config = load_config(default_demo_config())
    if n is not None:
        config.sampling.n = n
    if seed is not None:
        config.study.seed = seed
    # The built-in study lives in the installed package: its output goes to the current folder.
    _run_config(config, out or Path(config.output.dir or "synthgenesis-demo"), overwrite, as_json)


# ----------------------------------------------------------------------------- evaluation


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
    """Rebuild the HTML report of a run from its stored features (same seed, same figures)."""
    from synthgenesis.errors import InvalidDataError
    from synthgenesis.evaluation import evaluate as run_evaluation
    from synthgenesis.io import read_table
    from synthgenesis.report import write_html_report
    from synthgenesis.rundir import is_run_directory
    from synthgenesis.study import report_context

    if not is_run_directory(run_dir):
        raise InvalidDataError(f"{run_dir} is not a run directory (no manifest.json written by synthgenesis)")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    missing = [k for k in ("config", "study", "generator", "seed", "domain") if k not in manifest]
    if missing:
        raise InvalidDataError(f"{run_dir}/manifest.json lacks {', '.join(missing)}; it cannot be reported")
    validation_path = run_dir / "validation.json"
    validation = json.loads(validation_path.read_text()) if validation_path.exists() else None
    target = out or run_dir / "report.html"
    feats = run_dir / "features"
    if not (feats / "synthetic.parquet").exists():
        reason = manifest.get("not_evaluated")
        if not reason:
            raise InvalidDataError(f"{run_dir} has no stored features; it was run without evaluation")
        write_html_report(
            None,
            target,
            title=f"{manifest['study']}: {manifest['generator']}",
            context=report_context(manifest, validation),
            not_evaluated=reason,
        )
        _stdout().print(f"wrote {target} (not evaluated: {reason})", markup=False)
        return
    pm = _pm()
    cfg = manifest["config"]
    task_name = manifest.get("transfer_task")
    task = pm.transfer_task(task_name) if task_name else None
    ev = cfg["evaluation"]
    train = read_table(feats / "train.parquet")
    result = run_evaluation(
        train,
        read_table(feats / "synthetic.parquet"),
        holdout=read_table(feats / "holdout.parquet"),
        target=task.target if task else ev.get("target"),
        task=task.kind if task else ev.get("task"),
        sensitive=[
            s for s in (ev.get("sensitive") or (task.sensitive if task else ())) if s in train.columns
        ],
        metrics=ev.get("metrics"),
        seed=manifest["seed"],
    )
    reference = cfg["reference"]["dataset"] or cfg["reference"]["path"]
    write_html_report(
        result,
        target,
        title=f"{manifest['study']}: {manifest['generator']} on {reference}",
        context=report_context(manifest, validation),
    )
    _stdout().print(f"wrote {target}")


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


@app.callback()
def _options(
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help="Threads for numerical libraries (default: the cores this process may use, "
            "or SYNTHGENESIS_THREADS).",
        ),
    ] = None,
) -> None:
    """Trustworthy synthetic data: domain-valid samples, measured against real data."""
    if threads is not None:
        os.environ["SYNTHGENESIS_THREADS"] = str(threads)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
