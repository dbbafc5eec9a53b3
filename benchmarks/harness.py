"""Shared measuring code for the benchmark scripts.

Every measurement runs in a fresh Python subprocess, so its peak memory is its
own and nothing imported by an earlier measurement warms up a later one:

- :func:`engine_run` times synthgenesis's generate + validate through the
  block engine (``synthgenesis.execution.execute``) for one domain,
  generator, row count and worker count;
- :func:`peer_run` times any function ``module:function`` importable from
  ``benchmarks/`` (a peer library doing the same work without synthgenesis).

Both return plain dicts with ``label``, ``n``, ``seconds``, ``per_s`` and
``peak_mib`` (the largest peak resident set of the subprocess and of the
worker processes it started), which :func:`print_table` prints side by side
and :func:`ratio` compares.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def proc_status_kib(field: str) -> int | None:
    """A memory figure of this process from ``/proc/self/status`` (``VmHWM``, ``VmRSS``), KiB; Linux."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def own_peak_mib() -> float:
    """This process's peak resident memory since it started its program.

    ``ru_maxrss`` is not enough: on Linux a new process starts with its
    parent's resident size at the fork as its maximum, so a measurement
    launched from a large parent would report the parent's size. ``VmHWM``
    (the high-water mark of this program's address space) starts afresh at
    ``exec``.
    """
    peak = proc_status_kib("VmHWM")
    if peak is not None:
        return peak / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (
        1024 if sys.platform != "darwin" else 1024**2
    )


def _peaks() -> dict[str, float]:
    driver = own_peak_mib()
    # Worker processes are spawned from the measured process while it is still small, so their
    # inherited floor stays below its own peak and the maximum over both is the true peak.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"driver_mib": driver, "worker_mib": workers, "peak_mib": max(driver, workers)}


def _engine_child(spec: dict[str, Any]) -> dict[str, Any]:
    from synthgenesis.execution import GenerationPlan, execute
    from synthgenesis.manager import get_plugin_manager

    pm = get_plugin_manager()
    gen_spec = pm.generator(spec["generator"], spec["domain"])
    generator = gen_spec.create(**(spec.get("params") or {}))
    t_fit = time.perf_counter()
    state = None
    if generator.requires_fit or spec.get("reference"):
        if not spec.get("reference"):
            raise ValueError(f"generator {spec['generator']!r} needs a reference dataset to fit on")
        real = pm.reference_dataset(spec["reference"], spec["domain"]).load()
        state = generator.fit(real).get_state()
    fit_seconds = time.perf_counter() - t_fit
    plan = GenerationPlan(
        domain=spec["domain"],
        generator=spec["generator"],
        state=state,
        n=spec["n"],
        seed=spec["seed"],
        block_size=spec["block_size"],
        generator_params={} if state is not None else (spec.get("params") or {}),
        id_column=spec.get("id_column"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = execute(plan, tmp, workers=spec["workers"])
        seconds = time.perf_counter() - t0
        disk = sum(p.stat().st_size for p in result.samples_path.glob("*.parquet"))
    return {
        "n": result.accepted,
        "requested": spec["n"],
        "accepted": result.accepted,
        "acceptance": result.acceptance_rate,
        "seconds": seconds,
        "fit_seconds": fit_seconds,
        "per_s": result.accepted / seconds if seconds else float("nan"),
        "disk_bytes_per_row": disk / max(result.accepted, 1),
    }


def _peer_child(spec: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    module, _, name = spec["target"].partition(":")
    func = getattr(importlib.import_module(module), name)
    t0 = time.perf_counter()
    out = dict(func(**spec.get("kwargs", {})))
    seconds = time.perf_counter() - t0
    if "n" not in out:
        raise ValueError(f"{spec['target']} must return a dict with 'n'")
    return {**out, "seconds": seconds, "per_s": out["n"] / seconds if seconds else float("nan")}


def _run_child(kind: str, spec: dict[str, Any], label: str) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH", "")]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{label}: benchmark subprocess failed\n{proc.stderr[-3000:]}")
    return {"label": label, **json.loads(proc.stdout.strip().splitlines()[-1])}


def engine_run(
    domain: str,
    generator: str,
    n: int,
    workers: int,
    *,
    reference: str | None = None,
    params: dict[str, Any] | None = None,
    block_size: int = 1000,
    seed: int = 2024,
    id_column: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Generate + validate ``n`` rows of ``domain`` with ``generator`` on the block engine."""
    spec = {
        "domain": domain,
        "generator": generator,
        "n": n,
        "workers": workers,
        "reference": reference,
        "params": params,
        "block_size": block_size,
        "seed": seed,
        "id_column": id_column,
    }
    label = label or f"synthgenesis {generator}, {workers} worker{'s' if workers > 1 else ''}"
    return {**_run_child("engine", spec, label), "workers": workers}


def peer_run(label: str, target: str, **kwargs: Any) -> dict[str, Any]:
    """Time ``target`` ("module:function" under benchmarks/) called with ``kwargs``."""
    return _run_child("peer", {"target": target, "kwargs": kwargs}, label)


def ratio(ours: dict[str, Any], peer: dict[str, Any], key: str = "per_s") -> float:
    """``ours[key] / peer[key]`` (throughput: above 1 means synthgenesis is faster)."""
    return float(ours[key]) / float(peer[key]) if peer.get(key) else float("nan")


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(title: str, rows: list[dict[str, Any]]) -> str:
    """A Markdown table of ``rows``: label, items, seconds, items/s, peak memory, notes."""
    lines = [
        f"### {title}",
        "",
        "| run | items | seconds | items/s | peak MiB | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        notes = r.get("notes", "")
        if "acceptance" in r and "acceptance" not in notes:
            notes = f"acceptance {r['acceptance']:.1%}" + (f"; {notes}" if notes else "")
        lines.append(
            f"| {r['label']} | {_fmt(r.get('n'))} | {_fmt(r.get('seconds'), 1)} | {_fmt(r.get('per_s'))} "
            f"| {_fmt(r.get('peak_mib'))} | {notes} |"
        )
    return "\n".join(lines)


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """Print ``rows`` as a Markdown table under ``title``."""
    print(format_table(title, rows), end="\n\n", flush=True)


def machine() -> str:
    """One line describing the machine: CPUs, Python version, platform."""
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}"


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--child":
    kind, spec = sys.argv[2], json.loads(sys.argv[3])
    result = _engine_child(spec) if kind == "engine" else _peer_child(spec)
    print(json.dumps({**result, **_peaks()}))
