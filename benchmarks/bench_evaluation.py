"""Time and peak memory of the evaluation engine next to reference implementations.

Each measurement runs in its own subprocess and reads that process's peak resident
memory (``VmHWM``, see ``harness.own_peak_mib``), so one case cannot inflate
another's figure. Printed side by side:

* PRDC: ``synthgenesis.evaluation.diversity.compute_prdc`` versus the ``prdc`` package
  on the same standardised one-hot features. ``prdc`` builds dense N x N distance
  matrices, so it is only run up to ``--prdc-cap`` rows; above that the table shows the
  memory its matrices alone would need.
* Full evaluation: ``evaluate`` (all metric families, and fidelity only) versus
  SDMetrics' ``QualityReport`` when ``sdmetrics`` is importable (skipped otherwise).

Usage::

    python benchmarks/bench_evaluation.py              # full sizes (tens of minutes)
    python benchmarks/bench_evaluation.py --quick      # small sizes (about a minute)
    python benchmarks/bench_evaluation.py --threads 1  # one OpenMP/BLAS thread per case

The tables are 50 columns wide: 40 numeric, 9 categorical and a binary label.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from harness import own_peak_mib, proc_status_kib

N_NUMERIC, N_CATEGORICAL = 40, 9
RESULT = "RESULT "


def make_table(n: int, seed: int) -> pd.DataFrame:
    """A mixture table: 8 latent clusters, correlated numeric columns, categoricals."""
    structure = np.random.default_rng(12345)
    centres = structure.normal(0.0, 3.0, (8, N_NUMERIC))
    loadings = structure.normal(0.0, 0.5, (5, N_NUMERIC))
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 8, n)
    latent = rng.normal(size=(n, 5)) @ loadings
    numeric = centres[cluster] + latent + rng.normal(size=(n, N_NUMERIC))
    columns: dict[str, Any] = {f"num{i}": numeric[:, i] for i in range(N_NUMERIC)}
    for j in range(N_CATEGORICAL):
        levels = 4 + 2 * j
        codes = (cluster * (j + 1) + rng.integers(0, 3, n)) % levels
        columns[f"cat{j}"] = np.array([f"level{c}" for c in range(levels)], dtype=object)[codes]
    score = numeric[:, 0] - numeric[:, 1] + rng.normal(0.0, 2.0, n)
    columns["label"] = (score > np.quantile(score, 0.7)).astype(int)
    return pd.DataFrame(columns)


def _features(n: int) -> tuple[np.ndarray, np.ndarray]:
    from synthgenesis.evaluation.encoding import FeatureEncoder
    from synthgenesis.evaluation.preprocess import prepare

    data = prepare(make_table(n, 1), make_table(n, 2))
    encoder = FeatureEncoder(data, data.columns)
    return encoder.onehot(data.real), encoder.onehot(data.synthetic)


def _rss_kib() -> int:
    """Current resident memory of this process (Linux), or 0 where unknown."""
    return proc_status_kib("VmRSS") or 0


def _worker(case: str, n: int) -> dict[str, Any]:
    """Run one measurement in this process: seconds, resident memory before and peak."""
    from synthgenesis.evaluation import evaluate
    from synthgenesis.evaluation.diversity import compute_prdc

    extra: dict[str, Any] = {}
    if case.startswith("prdc"):
        import contextlib
        import io

        from prdc import compute_prdc as reference

        real_x, fake_x = _features(n)
        extra["dims"] = real_x.shape[1]
        extra["start_kib"] = _rss_kib()
        start = time.perf_counter()
        if case == "prdc-ours":
            out = compute_prdc(real_x, fake_x, k=5)
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                out = reference(real_x, fake_x, nearest_k=5)
        seconds = time.perf_counter() - start
        extra.update({k: float(out[k]) for k in ("precision", "recall", "density", "coverage")})
        return {"seconds": seconds, **extra}

    real, synthetic, holdout = make_table(n, 1), make_table(n, 2), make_table(max(2, n // 4), 3)
    if case == "sdmetrics":
        from sdmetrics.reports.single_table import QualityReport

        metadata = {
            "columns": {
                c: {"sdtype": "numerical" if c.startswith("num") else "categorical"} for c in real.columns
            }
        }
    extra["start_kib"] = _rss_kib()
    start = time.perf_counter()
    if case in ("evaluate", "evaluate-fidelity"):
        families = ["fidelity"] if case == "evaluate-fidelity" else None
        result = evaluate(
            real, synthetic, holdout=holdout, target="label", sensitive=["cat0"], metrics=families, seed=0
        )
        extra["fidelity_score"] = result.metrics["fidelity"]["score"]
        extra["timings"] = result.metrics["meta"]["timings_seconds"]
    elif case == "sdmetrics":
        report = QualityReport()
        report.generate(real, synthetic, metadata, verbose=False)
        extra["quality_score"] = float(report.get_score())
    else:
        raise SystemExit(f"unknown case {case}")
    return {"seconds": time.perf_counter() - start, **extra}


#: Environment of the worker processes (thread limits from --threads).
WORKER_ENV: dict[str, str] = dict(os.environ)


def measure(case: str, n: int, timeout: float) -> dict[str, Any]:
    """Run ``case`` at ``n`` rows in a fresh interpreter and collect its figures."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", case, str(n)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=WORKER_ENV)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {done.returncode}: {tail[0][:120]}"}
    return dict(json.loads(lines[-1][len(RESULT) :]))


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


def _row(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(_row(header, widths))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(_row(row, widths))
    print()


def _fmt_time(result: dict[str, Any]) -> str:
    return result["error"] if "error" in result else f"{result['seconds']:.2f}"


def _fmt_mem(result: dict[str, Any]) -> str:
    if "error" in result:
        return "—"
    over = result["peak_kib"] - result.get("start_kib", 0)
    return f"{_mib(result['peak_kib'])} (+{_mib(over)})"


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> str:
    if "error" in a or "error" in b:
        return "—"
    if key == "seconds":
        return f"{a['seconds'] / max(b['seconds'], 1e-9):.1f}x"
    over_a = a["peak_kib"] - a.get("start_kib", 0)
    over_b = b["peak_kib"] - b.get("start_kib", 0)
    return f"{over_a / max(over_b, 1.0):.1f}x"


def bench_prdc(sizes: list[int], cap: int, timeout: float) -> None:
    """Time PRDC against the prdc package at each size and print the table."""
    print("## PRDC (k = 5): synthgenesis versus the prdc package\n")
    header = [
        "rows (each)",
        "dims",
        "ours s",
        "prdc s",
        "time prdc/ours",
        "ours peak MiB",
        "prdc peak MiB",
        "memory prdc/ours",
        "max |diff|",
    ]
    rows = []
    for n in sizes:
        ours = measure("prdc-ours", n, timeout)
        if n <= cap:
            ref = measure("prdc-package", n, timeout)
        else:
            each = 8 * n * n / 2**30
            ref = {"error": f"not run: its dense {n}x{n} float64 matrices take {each:.1f} GiB each"}
        diff = "—"
        if "error" not in ours and "error" not in ref:
            keys = ("precision", "recall", "density", "coverage")
            diff = f"{max(abs(ours[k] - ref[k]) for k in keys):.1e}"
        rows.append(
            [
                f"{n:,}",
                str(ours.get("dims", "—")),
                _fmt_time(ours),
                _fmt_time(ref),
                _ratio(ref, ours, "seconds"),
                _fmt_mem(ours),
                _fmt_mem(ref),
                _ratio(ref, ours, "memory"),
                diff,
            ]
        )
    _print_table(header, rows)


def bench_evaluate(sizes: list[int], timeout: float) -> None:
    """Time the full evaluation (and fidelity alone) beside SDMetrics' QualityReport."""
    print("## Full evaluation versus SDMetrics QualityReport\n")
    try:
        import sdmetrics  # noqa: F401

        have_sdmetrics = True
    except ImportError:
        have_sdmetrics = False
        print("sdmetrics is not importable: its column is skipped (pip install sdmetrics)\n")
    header = [
        "rows (real = synthetic)",
        "evaluate all s",
        "evaluate all peak MiB",
        "evaluate fidelity s",
        "fidelity peak MiB",
        "QualityReport s",
        "QualityReport peak MiB",
        "time QR/fidelity",
    ]
    rows = []
    notes: list[str] = []
    for n in sizes:
        full = measure("evaluate", n, timeout)
        fid = measure("evaluate-fidelity", n, timeout)
        sdm = measure("sdmetrics", n, timeout) if have_sdmetrics else {"error": "skipped"}
        rows.append(
            [
                f"{n:,}",
                _fmt_time(full),
                _fmt_mem(full),
                _fmt_time(fid),
                _fmt_mem(fid),
                _fmt_time(sdm),
                _fmt_mem(sdm),
                _ratio(sdm, fid, "seconds"),
            ]
        )
        if "timings" in full:
            steps = ", ".join(f"{k} {v:.1f}" for k, v in full["timings"].items())
            notes.append(f"{n:,} rows, seconds per family: {steps}")
    _print_table(header, rows)
    for note in notes:
        print(f"- {note}")
    print(
        "\nPeak MiB is the process's peak resident memory; (+N) is the growth above the "
        "memory held just before the measured call (libraries imported, tables built).\n"
    )


def main() -> None:
    """Run the evaluation benchmarks at the sizes asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--prdc-sizes", type=int, nargs="+")
    parser.add_argument("--evaluate-sizes", type=int, nargs="+")
    parser.add_argument(
        "--prdc-cap",
        type=int,
        default=20_000,
        help="largest size the prdc package is run at (dense matrices)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per case")
    parser.add_argument(
        "--threads",
        type=int,
        help="limit OpenMP/BLAS threads of every case (steadier figures on a machine shared with other jobs)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        case, n = args.worker[0], int(args.worker[1])
        out = _worker(case, n)
        out["peak_kib"] = own_peak_mib() * 1024
        print(RESULT + json.dumps(out))
        return
    prdc_sizes = args.prdc_sizes or ([1000, 2000] if args.quick else [2000, 5000, 10_000, 20_000])
    eval_sizes = args.evaluate_sizes or ([2000] if args.quick else [10_000, 50_000])
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            WORKER_ENV[var] = str(args.threads)
    threads = f"{args.threads} thread(s) per case" if args.threads else "default threads"
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {threads}, numpy "
        f"{np.__version__}, pandas {pd.__version__}, load average at start "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    bench_prdc(prdc_sizes, args.prdc_cap, args.timeout)
    bench_evaluate(eval_sizes, args.timeout)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
