"""The command-line application, its shared options and how errors become exit codes."""

from __future__ import annotations

import functools
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
    from synthgenesis.io import json_text

    sys.stdout.write(json_text(data, strict=True))


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


OutOpt = Annotated[Path | None, typer.Option("--out", help="Output run directory.")]
ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="Where seeded blocks run: 'local' (this process, or --workers processes) or 'dask'.",
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
