"""The ``synthgenesis`` command line.

Exit codes (stable; scripts may rely on them): 0 success, 1 unexpected error,
2 bad usage, config or input, 3 plugin error, 4 missing extra, 5 too few
samples passed the rules, 6 ``validate`` found invalid records.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from synthgenesis.cli._app import app

# Importing a command module registers its commands, in the order ``--help`` lists them.
# isort: off
from synthgenesis.cli import listing, files, studies, evaluation, collapse  # noqa: F401
# isort: on

__all__ = ["app", "main"]


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
