"""Block execution: throughput and peak memory of generate + validate, 1 vs 2 workers, and n vs 10n.

    python benchmarks/bench_execution.py            # 1M rows at 1 and 2 workers; 1M vs 10M memory
    python benchmarks/bench_execution.py --quick    # 100k rows; 100k vs 1M memory

Generator: the patients Gaussian copula fitted on ACTG 175 (2,139 real
patients), every patients rule enforced with the repair policy, output
streamed to one Parquet part per block. Each configuration runs in its own
subprocess (``harness.engine_run``) so its peak memory is its own: the peak
resident set of the process calling ``execute`` or, with two workers, of the
largest pool process. The script exits 1 if peak memory for 10n rows is
more than twice that for n rows.
"""

from __future__ import annotations

import argparse
import sys

import harness

BLOCK = 10_000


def patients_run(n: int, workers: int, block_size: int = BLOCK) -> dict:
    """One patients copula generate + validate run on the block engine."""
    return harness.engine_run(
        "patients",
        "patients-gaussian-copula",
        n,
        workers,
        reference="actg175",
        block_size=block_size,
        id_column="patient_id",
    )


def measure(quick: bool) -> list[dict]:
    """Patients copula generate + validate at 1 and 2 workers (the cross-domain table's rows)."""
    n = 100_000 if quick else 1_000_000
    return [patients_run(n, workers) for workers in (1, 2)]


def main() -> None:
    """Print the block engine's time and memory at 1 and 2 workers and at ten times the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows; 100k vs 1M for memory")
    parser.add_argument("--block-size", type=int, default=BLOCK)
    args = parser.parse_args()
    small = 100_000 if args.quick else 1_000_000
    rows = [
        patients_run(small, 1, args.block_size),
        patients_run(small, 2, args.block_size),
        patients_run(10 * small, 1, args.block_size),
    ]
    for r in rows:
        r["label"] = f"{r['label']}, {r['requested']:,} rows"
    harness.print_table("patients copula: generate + validate on the block engine", rows)
    first, big = rows[0], rows[2]
    ratio = big["peak_mib"] / first["peak_mib"]
    print(
        f"peak memory {10 * small:,} vs {small:,} rows (1 worker): {ratio:.2f}x "
        f"({'within' if ratio <= 2 else 'NOT within'} 2x); "
        f"{first['disk_bytes_per_row']:.0f} bytes per row on disk; acceptance {first['acceptance']:.1%}"
    )
    print(f"machine: {harness.machine()}, block size {args.block_size:,}")
    sys.exit(0 if ratio <= 2 else 1)


if __name__ == "__main__":
    main()
