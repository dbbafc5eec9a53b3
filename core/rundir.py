"""Run directories: staged, then moved into place, with a manifest.

A run writes into a hidden staging folder beside its output folder and moves
it into place when it ends, whether it succeeded or not, so the output folder
is never half-written and a failure still keeps everything produced before it
(the manifest records the status and the error). An existing, non-empty
output folder is never touched unless ``overwrite`` is given, and then it is
replaced only once the new run is complete.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from synthgenesis.errors import OutputExistsError
from synthgenesis.io import _umask, write_json


def environment_versions() -> dict[str, Any]:
    """Python, platform and every installed distribution with its version."""
    dists = {}
    for dist in md.distributions():
        name = dist.name
        if name:
            dists[name] = dist.version
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": dict(sorted(dists.items(), key=lambda kv: kv[0].lower())),
    }


class RunDirectory:
    """A run's output folder, staged until :meth:`finish`."""

    def __init__(self, out: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.out = Path(out)
        if self.out.exists() and (not self.out.is_dir() or any(self.out.iterdir())) and not overwrite:
            raise OutputExistsError(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-", dir=self.out.parent))
        self.stage.chmod(0o777 & ~_umask())
        self.started = time.time()
        self.timings: dict[str, float] = {}
        self._t0 = time.perf_counter()

    def path(self, name: str) -> Path:
        p = self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def timed(self, step: str, seconds: float) -> None:
        self.timings[step] = round(self.timings.get(step, 0.0) + seconds, 4)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest = {
            **manifest,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "seconds": round(time.perf_counter() - self._t0, 3),
            "timings": self.timings,
            "environment": environment_versions(),
            "files": [
                *sorted(str(p.relative_to(self.stage)) for p in self.stage.rglob("*") if p.is_file()),
                "manifest.json",
            ],
        }
        write_json(self.stage / "manifest.json", manifest)

    def fail(self, manifest: dict[str, Any], step: str, exc: BaseException) -> None:
        """Record a failed ``step`` and keep what was produced: in place if the output is free, else staged.

        An existing output (a run being overwritten or resumed) is never replaced
        by a failed run; the note added to ``exc`` says where the partial results are.
        """
        manifest.update(status="failed", failed_step=step, error=f"{step}: {type(exc).__name__}: {exc}")
        self.write_manifest(manifest)
        if self.out.exists():
            exc.add_note(f"partial results kept in {self.stage}")
        else:
            self.finish()
            exc.add_note(f"partial results kept in {self.out}")

    def finish(self) -> Path:
        """Move the staged run into place (replacing an old run only now, if allowed)."""
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            os.replace(self.out, old)
            os.replace(self.stage, self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.stage, self.out)
        return self.out

    def discard(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
