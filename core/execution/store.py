"""The status file ``chunks.json``: which blocks of a run are done, failed or still to do.

It records the plan (without the generator state) and its fingerprint, and per
block either ``done`` with its row counts and per-rule counts, or ``failed``
with the error. A rerun of the same plan into the same folder reads it and
skips the blocks that are done and whose Parquet part still exists with the
recorded number of rows. It is rewritten atomically, at most every few
seconds while blocks finish and always when the run ends, so a crash loses at
most the record of the last blocks (their parts are then made again, with the
same bytes).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from synthgenesis.errors import SynthgenesisError
from synthgenesis.execution.chunks import SAMPLES_DIR, GenerationPlan, part_name
from synthgenesis.io import write_json
from synthgenesis.pipeline import RuleStats

STATUS_FILE = "chunks.json"
FORMAT = 1


class PlanMismatchError(SynthgenesisError):
    """The output folder holds the status of a different plan; nothing was overwritten."""


def part_rows(path: Path) -> int | None:
    """Rows in a Parquet part, from its footer; ``None`` if missing or unreadable."""
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, ValueError):
        return None


def rule_stats_from_dict(data: dict[str, Any]) -> RuleStats:
    """A :class:`RuleStats` from its ``to_dict()`` form (a block or chunk record)."""
    return RuleStats(
        name=data["name"],
        kind=data["kind"],
        checked=int(data["checked"]),
        failed=int(data["failed"]),
        repaired=int(data["repaired"]),
        examples=list(data.get("examples", [])),
    )


class StatusFile:
    """Block records of one plan in one output folder."""

    def __init__(self, out_dir: Path, plan: GenerationPlan, *, save_every: float = 2.0) -> None:
        self.out_dir = out_dir
        self.path = out_dir / STATUS_FILE
        self.plan = plan
        self.save_every = save_every
        self.blocks: dict[int, dict[str, Any]] = {}
        self._last_save = 0.0
        self._dirty = False

    def load(self) -> set[int]:
        """Read an earlier status of this plan; return the blocks that need no work."""
        if not self.path.exists():
            return set()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PlanMismatchError(
                f"{self.path}: cannot be read ({exc}); move it away to start over"
            ) from exc
        found = data.get("plan", {}).get("fingerprint")
        if data.get("format") != FORMAT or found != self.plan.fingerprint:
            raise PlanMismatchError(
                f"{self.path} belongs to another plan (fingerprint {found}, this plan "
                f"{self.plan.fingerprint}); use another output folder or remove it to start over"
            )
        done: set[int] = set()
        for key, record in data.get("blocks", {}).items():
            index = int(key)
            if record.get("status") != "done" or index >= self.plan.n_blocks:
                continue
            if part_rows(self.out_dir / SAMPLES_DIR / part_name(index)) == record.get("rows"):
                self.blocks[index] = record
                done.add(index)
        return done

    def record(self, rec: dict[str, Any]) -> None:
        """Keep a block's record; save the file if the last save is a few seconds old."""
        self.blocks[int(rec["index"])] = rec
        self._dirty = True
        if time.monotonic() - self._last_save >= self.save_every:
            self.save()

    def save(self) -> None:
        """Write ``chunks.json`` atomically with the plan, a summary and every block's record."""
        done = [i for i, r in self.blocks.items() if r["status"] == "done"]
        failed = sorted(i for i, r in self.blocks.items() if r["status"] == "failed")
        write_json(
            self.path,
            {
                "format": FORMAT,
                "plan": self.plan.describe(),
                "summary": {
                    "blocks": self.plan.n_blocks,
                    "done": len(done),
                    "failed": failed,
                    "pending": self.plan.n_blocks - len(done) - len(failed),
                    "rows": sum(self.blocks[i]["rows"] for i in done),
                    "complete": len(done) == self.plan.n_blocks
                    and all(self.blocks[i]["rows"] == self.blocks[i]["requested"] for i in done),
                },
                "blocks": {str(i): self.blocks[i] for i in sorted(self.blocks)},
            },
        )
        self._last_save = time.monotonic()
        self._dirty = False
