"""Every benchmark in one run: each domain's generate + validate at 1 and 2 workers beside its peers.

    OMP_NUM_THREADS=1 python benchmarks/run_all.py --quick
    OMP_NUM_THREADS=1 python benchmarks/run_all.py --sdv-python /path/to/sdv-env/bin/python

For each domain (patients, molecules, crystals, fraud, driving) one table:
synthgenesis' generate + validate through the block engine with one and two
local worker processes, then the peer doing the same work without
synthgenesis (bare RDKit, plain pymatgen and SMACT, bare pandas,
highway-env), with ratios. Then the evaluation engine beside the ``prdc``
package, and the patients generators beside SDV's GaussianCopula and CTGAN
(SDV is source-available, so it lives in its own environment, named with
``--sdv-python``; skipped without it). Every figure comes from its own
subprocess, so peak memory is that configuration's own.

The tables are Markdown; ``docs/performance.md`` keeps the latest run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
DOMAINS = ("execution", "molecules", "crystals", "fraud", "driving")
TITLES = {
    "execution": "patients: Gaussian copula fitted on ACTG 175",
    "molecules": "molecules",
    "crystals": "crystals",
    "fraud": "fraud",
    "driving": "driving",
}


def _script(name: str, args: list[str], python: str = sys.executable) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    print(f"```\n$ python benchmarks/{name} {' '.join(args)}", flush=True)
    proc = subprocess.run([python, str(HERE / name), *args], capture_output=True, text=True, env=env)
    print(proc.stdout.rstrip())
    if proc.returncode != 0:
        print(f"(exit {proc.returncode}) {proc.stderr.strip()[-2000:]}")
    print("```\n", flush=True)


def main() -> None:
    """Run every benchmark (or those named) and print one report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes in all)")
    parser.add_argument("--only", nargs="+", choices=[*DOMAINS, "evaluation", "sdv"], help="run these only")
    parser.add_argument("--sdv-python", help="a Python with SDV installed, for the patients comparison")
    args = parser.parse_args()
    chosen = args.only or [*DOMAINS, "evaluation", "sdv"]
    started = time.perf_counter()
    print(f"## Benchmarks ({'quick' if args.quick else 'full'} sizes)\n\nmachine: {harness.machine()}\n")
    for name in DOMAINS:
        if name not in chosen:
            continue
        module = importlib.import_module(f"bench_{name}")
        rows = module.measure(args.quick)
        harness.print_table(TITLES[name], rows)
    if "evaluation" in chosen:
        print("### evaluation engine vs prdc and SDMetrics\n")
        sizes = ["--quick"] if args.quick else ["--prdc-sizes", "5000", "20000", "--evaluate-sizes", "50000"]
        _script("bench_evaluation.py", [*sizes, "--threads", "1"])
    if "sdv" in chosen:
        print("### patients generators vs SDV\n")
        if args.sdv_python:
            _script("bench_patients.py", ["--quick"] if args.quick else [], python=args.sdv_python)
        else:
            print("skipped: pass --sdv-python with an environment that has SDV (see bench_patients.py)\n")
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
