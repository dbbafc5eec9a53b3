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
import json
import os
import platform
import shutil
import socket
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


#: Written into every run's ``manifest.json``: the mark of a folder synthgenesis may replace.
RUN_SCHEMA = "synthgenesis-run/1"
MANIFEST = "manifest.json"
OWNER_FILE = ".owner.json"


def is_run_directory(path: Path) -> bool:
    """Whether ``path`` is a run folder written by synthgenesis (a manifest with our schema).

    Only such folders are ever replaced by ``--overwrite`` or ``output.overwrite``.
    """
    manifest = path / MANIFEST
    if path.is_symlink() or not path.is_dir() or manifest.is_symlink() or not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and str(data.get("run_schema", "")).startswith("synthgenesis-run/")


def _owner_alive(stage: Path) -> bool:
    """Whether the process that made staging folder ``stage`` may still be writing it."""
    try:
        owner = json.loads((stage / OWNER_FILE).read_text(encoding="utf-8"))
        host, pid = owner["host"], int(owner["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return time.time() - stage.stat().st_mtime < 24 * 3600  # no owner recorded: keep it a day
    if host != socket.gethostname():
        return True  # another machine's run on shared storage: never ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_stages(out: Path) -> list[Path]:
    """Staging folders of earlier runs to ``out`` whose process has died (killed runs leave them)."""
    return sorted(
        (
            p
            for pattern in (f".{out.name}.partial-*", f".{out.name}.old-*")
            for p in out.parent.glob(pattern)
            if p.is_dir() and not p.is_symlink() and (pattern.endswith("old-*") or not _owner_alive(p))
        ),
        key=lambda p: p.stat().st_mtime,
    )


class RunDirectory:
    """A run's output folder, staged until :meth:`finish`.

    An existing, non-empty ``out`` is replaced only with ``overwrite`` and only
    if it is a run folder written by synthgenesis (:func:`is_run_directory`);
    anything else is refused, so no setting can delete a folder that is not a run.
    Staging folders left by killed runs to the same ``out`` are removed when a
    new run finishes (a resumed run first takes their finished blocks).
    """

    def __init__(self, out: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.out = Path(out)
        if self.out.is_symlink() or (self.out.exists() and not self.out.is_dir()):
            raise OutputExistsError(self.out, "it is not a folder")
        if self.out.exists() and any(self.out.iterdir()):
            if not overwrite:
                raise OutputExistsError(self.out)
            if not is_run_directory(self.out):
                raise OutputExistsError(self.out, "it is not a synthgenesis run (no manifest.json of ours)")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-", dir=self.out.parent))
        self.stage.chmod(0o777 & ~_umask())
        write_json(self.stage / OWNER_FILE, {"host": socket.gethostname(), "pid": os.getpid()})
        self.started = time.time()
        self.timings: dict[str, float] = {}
        self._t0 = time.perf_counter()

    def path(self, name: str) -> Path:
        """Path of ``name`` inside the run being written (its folder is created)."""
        p = self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def timed(self, step: str, seconds: float) -> None:
        """Add ``seconds`` to the timing of ``step`` in the manifest."""
        self.timings[step] = round(self.timings.get(step, 0.0) + seconds, 4)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json``: ``manifest`` plus schema, start, timings, versions and files."""
        manifest = {
            "run_schema": RUN_SCHEMA,
            **manifest,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "seconds": round(time.perf_counter() - self._t0, 3),
            "timings": self.timings,
            "environment": environment_versions(),
            "files": [
                *sorted(
                    str(p.relative_to(self.stage))
                    for p in self.stage.rglob("*")
                    if p.is_file() and p.name != OWNER_FILE
                ),
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
        if not any(p.is_file() and p.name != OWNER_FILE for p in self.stage.rglob("*")):
            self.discard()  # nothing was produced: leave no folder that holds only a manifest
            exc.add_note(f"nothing was written to {self.out}")
            return
        self.write_manifest(manifest)
        if self.out.exists():
            exc.add_note(f"partial results kept in {self.stage}")
        else:
            self.finish()
            exc.add_note(f"partial results kept in {self.out}")

    def finish(self) -> Path:
        """Move the staged run into place (replacing an old run only now, if allowed)."""
        (self.stage / OWNER_FILE).unlink(missing_ok=True)
        for stale in stale_stages(self.out):
            if stale != self.stage:
                shutil.rmtree(stale, ignore_errors=True)
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            os.replace(self.out, old)
            os.replace(self.stage, self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.stage, self.out)
        return self.out

    def discard(self) -> None:
        """Remove the unfinished run folder; the previous output stays."""
        shutil.rmtree(self.stage, ignore_errors=True)
