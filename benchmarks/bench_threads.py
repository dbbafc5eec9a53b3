"""The demo on an idle machine and beside CPU-bound neighbours, and the command's start-up time.

Users run synthgenesis on shared workstations and cluster nodes. There, a
process whose BLAS and OpenMP pools start one thread per core of the machine
(instead of per core it may use) oversubscribes the cores and spins, and
slows far more than its share. This script runs ``synthgenesis demo`` (fit,
sample, validate and evaluate ACTG 175 patients) three times:

- alone,
- beside ``--busy`` CPU-bound processes (default: as many as the cores this
  process may use), with the thread pools sized by synthgenesis (cores left
  free by the load),
- the same with ``--threads 1``,
- the same, with ``SYNTHGENESIS_THREADS`` set to the machine's core count
  times ``--oversubscribe`` and spinning OpenMP threads (what an unsized
  pool does on a big host),

and prints the wall times and the ratio to the idle run (after one warm-up run). With N busy
neighbours on N cores the demo's fair share is about 1/(N+1) of the cores,
so a ratio near N + 1 means it slowed only by its share. It also times
``synthgenesis --help`` (start-up, which must stay lazy).

    python benchmarks/bench_threads.py                   # about 5 minutes on 2 cores
    python benchmarks/bench_threads.py --n 500 --busy 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import machine  # noqa: E402

from synthgenesis.threads import usable_cores  # noqa: E402

BUSY_LOOP = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def _cli() -> list[str]:
    return [sys.executable, "-m", "synthgenesis"]


def run_demo(n: int, env: dict[str, str]) -> float:
    """Seconds the demo takes to write ``n`` patients with the given environment."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [*_cli(), "demo", "-n", str(n), "--out", str(Path(tmp) / "demo"), "--json"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - t0


def beside_busy(n: int, busy: int, env: dict[str, str], limit: float, settle: float) -> float:
    """Seconds the demo takes while ``busy`` CPU-bound neighbours run."""
    code = BUSY_LOOP.format(seconds=limit + settle)
    loops = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(busy)]
    try:
        time.sleep(settle)  # the neighbours have been running a while, as on a shared machine
        return run_demo(n, env)
    finally:
        for p in loops:
            p.kill()
            p.wait()


def startup_seconds(repeats: int = 5) -> float:
    """Best of ``repeats`` wall-clock times of ``synthgenesis --help`` (start-up cost)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([*_cli(), "--help"], check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    """Measure the demo idle, beside busy neighbours (sized, one thread, oversubscribed) and start-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500, help="synthetic patients the demo writes")
    parser.add_argument("--busy", type=int, default=usable_cores(), help="CPU-bound neighbour processes")
    parser.add_argument("--oversubscribe", type=int, default=8, help="threads per core for the unsized run")
    parser.add_argument("--settle", type=float, default=75, help="seconds the neighbours run first")
    parser.add_argument("--skip-unsized", action="store_true", help="leave out the (slow) oversubscribed run")
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in ("SYNTHGENESIS_THREADS", "OMP_NUM_THREADS")}
    print(f"machine: {machine()}; cores this process may use: {usable_cores()}; neighbours: {args.busy}")
    run_demo(args.n, base)  # warm-up: caches (fonts, compiled files) filled, not counted
    idle = run_demo(args.n, base)
    limit = 20 * idle + 60
    sized = beside_busy(args.n, args.busy, base, limit, args.settle)
    one = beside_busy(args.n, args.busy, {**base, "SYNTHGENESIS_THREADS": "1"}, limit, args.settle)
    unsized_env = {
        **base,
        "SYNTHGENESIS_THREADS": str((os.cpu_count() or 1) * args.oversubscribe),
        "OMP_WAIT_POLICY": "ACTIVE",
    }
    unsized = None if args.skip_unsized else beside_busy(args.n, args.busy, unsized_env, limit, args.settle)
    help_s = startup_seconds()
    print()
    print("| run | seconds | / idle |")
    print("|---|---:|---:|")
    print(f"| demo, idle | {idle:.1f} | 1.00x |")
    print(f"| demo beside {args.busy} busy processes, pools sized | {sized:.1f} | {sized / idle:.2f}x |")
    print(f"| demo beside {args.busy} busy processes, --threads 1 | {one:.1f} | {one / idle:.2f}x |")
    if unsized is not None:
        print(
            f"| demo beside {args.busy} busy processes, {args.oversubscribe} threads per core, spinning "
            f"| {unsized:.1f} | {unsized / idle:.2f}x |"
        )
    print(f"\nsynthgenesis --help: {help_s:.2f} s (best of 5)")
    print(f"fair share beside {args.busy} neighbours: about {args.busy + 1:.0f}x the idle time")


if __name__ == "__main__":
    main()
