"""``validate`` and ``convert``: rules and formats applied to data files."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from synthgenesis.cli._app import (
    JsonOpt,
    _pm,
    _print_json,
    _stderr,
    _stdout,
    app,
    handle_errors,
)
from synthgenesis.errors import EXIT_CODES


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
        _print_validation(result, file, executor, workers, block_size, out, repair_out)
    if not result.complete:
        raise typer.Exit(EXIT_CODES["error"])
    if result.valid < result.records:
        raise typer.Exit(EXIT_CODES["invalid-samples"])


def _print_validation(
    result: Any,
    file: Path,
    executor: str,
    workers: int,
    block_size: int | None,
    out: Path | None,
    repair_out: Path | None,
) -> None:
    """The per-rule table of a file validation, then its notes, failures and what was written."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(f"{file}: {result.valid} of {result.records} records valid"))
    for col in ("rule", "checked", "passed", "failed", "repaired", "example reason"):
        table.add_column(col, overflow="fold")
    for name, st in result.stats.items():
        colour = "green" if st.failed == 0 else "red"
        example = escape(st.examples[0]) if st.examples else ""
        table.add_row(
            name, str(st.checked), str(st.passed), f"[{colour}]{st.failed}[/]", str(st.repaired), example
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
