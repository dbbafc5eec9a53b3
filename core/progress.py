"""Progress reporting for long work, decoupled from the terminal.

Library code reports through a :class:`Progress` object; the command line
passes one backed by rich progress bars, Python callers get a silent one by
default.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class Progress:
    """Silent progress: the interface library code calls."""

    def stage(self, message: str) -> None:
        """A new step of the work has started."""

    @contextlib.contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Any]:
        """A measurable step (``total`` None: not known in advance); yields ``update(done)``."""
        yield lambda done: None


class RichProgress(Progress):
    """Progress bars and stage lines on a rich console (standard error by default)."""

    def __init__(self, console: Any | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)

    def stage(self, message: str) -> None:
        """Print the step as a highlighted line."""
        self.console.print(f"[bold cyan]>[/] {message}")

    @contextlib.contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Any]:
        """Show a progress bar while the step runs; yields ``update(done)``."""
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        ) as bar:
            tid = bar.add_task(description, total=total)
            yield lambda done: bar.update(tid, completed=done)
