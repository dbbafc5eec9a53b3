"""Block execution: throughput and peak memory of generate + validate, 1 vs 2 workers, and n vs 10n.

    python benchmarks/bench_execution.py            # 1M rows at 1 and 2 workers; 1M vs 10M memory
    python benchmarks/bench_execution.py --quick    # 100k rows; 100k vs 1M memory

Generator: the patients Gaussian copula fitted on ACTG 175 (2,139 real
patients), every patients rule enforced with the repair policy, output
streamed to one Parquet part per block. Each configuration runs in its own
subprocess so its peak memory is its own: ``driver`` is the peak resident set
of the process calling ``execute``, ``worker`` the largest peak of its pool
processes (with one worker, blocks run in the driver). Also printed: bytes
per row in memory (the generated frame) and on disk (Parquet).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def child(n: int, workers: int, block_size: int, out: str) -> None:
    from synthgenesis.execution import GenerationPlan, execute
    from synthgenesis.plugins.patients.datasets import load_actg175
    from synthgenesis.plugins.patients.generators import gaussian_copula

    real = load_actg175()
    gen = gaussian_copula().fit(real)
    frame = gen.sample(block_size, seed=0)
    plan = GenerationPlan(
        domain="patients",
        generator="patients-gaussian-copula",
        state=gen.get_state(),
        n=n,
        seed=2024,
        block_size=block_size,
        id_column="patient_id",
    )
    t0 = time.perf_counter()
    result = execute(plan, out, workers=workers)
    seconds = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in result.samples_path.glob("*.parquet"))
    print(
        json.dumps(
            {
                "n": n,
                "workers": workers,
                "seconds": seconds,
                "rows_per_s": result.accepted / seconds,
                "accepted": result.accepted,
                "acceptance": result.acceptance_rate,
                "driver_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "memory_bytes_per_row": frame.memory_usage(deep=True).sum() / len(frame),
                "disk_bytes_per_row": disk / max(result.accepted, 1),
            }
        )
    )


def run(n: int, workers: int, block_size: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        cmd = [sys.executable, __file__, "--child", str(n), str(workers), str(block_size), tmp]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows; 100k vs 1M for memory")
    parser.add_argument("--block-size", type=int, default=10_000)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, workers, block_size, out = args.child
        child(int(n), int(workers), int(block_size), out)
        return
    small = 100_000 if args.quick else 1_000_000
    rows = []
    for n, workers in ((small, 1), (small, 2), (10 * small, 1)):
        r = run(n, workers, args.block_size)
        rows.append(r)
        print(
            f"n={n:>10,} workers={workers}  {r['rows_per_s']:>9,.0f} rows/s  {r['seconds']:7.1f} s  "
            f"driver peak {r['driver_mib']:6.0f} MiB  worker peak {r['worker_mib']:6.0f} MiB",
            flush=True,
        )
    first, big = rows[0], rows[2]
    ratio = big["driver_mib"] / first["driver_mib"]
    print(
        f"\npeak memory {10 * small:,} vs {small:,} rows (1 worker): {ratio:.2f}x "
        f"({'within' if ratio <= 2 else 'NOT within'} 2x)"
    )
    print(
        f"bytes per row: {first['memory_bytes_per_row']:.0f} in memory (pandas), "
        f"{first['disk_bytes_per_row']:.0f} on disk (Parquet); acceptance {first['acceptance']:.1%}"
    )
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, block size {args.block_size:,}")
    sys.exit(0 if ratio <= 2 else 1)


if __name__ == "__main__":
    main()
