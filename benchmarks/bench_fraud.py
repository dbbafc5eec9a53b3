"""The fraud simulator on the block engine, and what the framework's rules cost against bare pandas.

    python benchmarks/bench_fraud.py            # 2,000,000 transactions
    python benchmarks/bench_fraud.py --quick    # 200,000 transactions

Rows, each measured in its own subprocess (see ``harness.py``):

- ``synthgenesis fraud-simulator, 1/2 worker(s)``: generate + validate with
  every fraud rule + write Parquet parts, through the block engine
  (``synthgenesis.execution.execute``), blocks of 50,000 rows;
- ``simulator only``: ``FraudSimulator.sample`` block by block, nothing else;
- ``bare pandas checks``: the same blocks, checked by the seven fraud rules
  written as plain vectorised pandas expressions (masks only, no reasons),
  then written to Parquet;
- ``validate_batch, all fraud rules``: the same blocks, checked by
  synthgenesis' ``validate_batch`` with the registered fraud rules (masks,
  per-rule counts and a reason naming the transaction and values for each
  failure), then written to Parquet.

The last two rows report the seconds spent checking alone (``check_s``); their
ratio is the framework's overhead over hand-written checks. Both check the
same table and must accept every row of it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

BLOCK = 50_000
SEED = 2024


def _blocks(n: int, block_size: int):
    """(index, rows) of each block of an ``n``-row run, as the block engine cuts it."""
    for index, start in enumerate(range(0, n, block_size)):
        yield index, min(block_size, n - start)


def _simulator() -> Any:
    from synthgenesis.plugins.fraud.simulator import FraudSimulator

    return FraudSimulator()


def sample_only(n: int, block_size: int = BLOCK, seed: int = SEED) -> dict[str, Any]:
    """Draw the run's blocks with the simulator alone."""
    from synthgenesis.pipeline import derive_seed

    gen = _simulator()
    rows = fraud = 0
    for index, size in _blocks(n, block_size):
        batch = gen.sample(size, seed=derive_seed(seed, index, 0))
        rows += len(batch)
        fraud += int(batch["is_fraud"].sum())
    return {"n": rows, "fraud_rate": fraud / rows, "notes": f"fraud rate {fraud / rows:.2%}"}


def bare_checks(batch: Any) -> Any:
    """The seven fraud rules as plain pandas expressions: one boolean mask, True where a row is valid."""
    import numpy as np

    from synthgenesis.plugins.fraud.currencies import MINOR_UNITS

    amount = batch["amount"].astype(float)
    decimals = batch["currency"].map(MINOR_UNITS).astype(float)
    scaled = amount * 10.0**decimals
    ts = batch["timestamp"]
    previous = ts.groupby(batch["account_id"], sort=False).cummax().groupby(batch["account_id"]).shift()
    off = (batch["balance_after"] - (batch["balance_before"] - amount)).abs()
    checks = [
        np.isfinite(amount) & (amount >= 0),  # non-negative amount
        decimals.notna()
        & ((scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().clip(lower=1)),  # precision
        previous.isna() | (ts >= previous),  # time order within each account
        ~batch["transaction_id"].duplicated(),  # unique id
        (batch["balance_before"].isna() & batch["balance_after"].isna()) | (off < 0.5 * 10.0**-decimals),
        batch["merchant_category"].astype(str).str.fullmatch(r"[0-9]{4}"),  # MCC format
        batch["is_fraud"].isin([0, 1]),  # binary label
    ]
    valid = checks[0]
    for mask in checks[1:]:
        valid = valid & mask
    return valid.to_numpy(dtype=bool)


def _check_run(n: int, block_size: int, seed: int, framework: bool) -> dict[str, Any]:
    from synthgenesis.pipeline import derive_seed

    gen = _simulator()
    if framework:
        import synthgenesis.plugins.fraud as fraud
        from synthgenesis.manager import PluginManager
        from synthgenesis.pipeline import validate_batch

        pm = PluginManager(autoload=False)
        pm.register(fraud, name="fraud")
        domain, rules = pm.domain("fraud"), pm.rules("fraud")
    check_s = 0.0
    rows = valid = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, size in _blocks(n, block_size):
            batch = gen.sample(size, seed=derive_seed(seed, index, 0))
            t0 = time.perf_counter()
            mask = validate_batch(domain, batch, rules).valid if framework else bare_checks(batch)
            check_s += time.perf_counter() - t0
            batch[mask].to_parquet(Path(tmp) / f"part-{index:06d}.parquet", index=False)
            rows += len(batch)
            valid += int(mask.sum())
    return {
        "n": rows,
        "valid": valid,
        "check_s": check_s,
        "check_per_s": rows / check_s,
        "notes": f"checks {check_s:.2f} s ({rows / check_s:,.0f} rows/s); {valid / rows:.1%} valid",
    }


def bare_pandas(n: int, block_size: int = BLOCK, seed: int = SEED) -> dict[str, Any]:
    """Draw each block, check it with :func:`bare_checks`, write the valid rows to Parquet."""
    return _check_run(n, block_size, seed, framework=False)


def framework_checks(n: int, block_size: int = BLOCK, seed: int = SEED) -> dict[str, Any]:
    """Draw each block, check it with ``validate_batch`` and every fraud rule, write the valid rows."""
    return _check_run(n, block_size, seed, framework=True)


def measure(quick: bool) -> list[dict[str, Any]]:
    """Fraud simulator runs at 1 and 2 workers, the simulator alone, and the checks beside bare pandas."""
    import harness

    n = 200_000 if quick else 2_000_000
    rows = [
        harness.engine_run("fraud", "fraud-simulator", n, workers, block_size=BLOCK, seed=SEED)
        for workers in (1, 2)
    ]
    kwargs = {"n": n, "block_size": BLOCK, "seed": SEED}
    rows.append(harness.peer_run("simulator only (sample)", "bench_fraud:sample_only", **kwargs))
    bare = harness.peer_run("bare pandas checks", "bench_fraud:bare_pandas", **kwargs)
    ours = harness.peer_run("validate_batch, all fraud rules", "bench_fraud:framework_checks", **kwargs)
    ours["notes"] += f"; {ours['check_s'] / bare['check_s']:.1f}x the bare checks' time"
    rows += [bare, ours]
    return rows


def main() -> None:
    """Run the fraud benchmark; stop if a simulated row fails a check."""
    import harness

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 rows instead of 2,000,000")
    args = parser.parse_args()
    rows = measure(args.quick)
    for r in rows:
        if r.get("valid") is not None and r["valid"] != r["n"]:
            raise SystemExit(f"{r['label']}: {r['n'] - r['valid']} simulated rows failed a check")
        if r.get("requested") is not None and r["accepted"] != r["requested"]:
            raise SystemExit(f"{r['label']}: only {r['accepted']} of {r['requested']} rows accepted")
    harness.print_table(f"Fraud simulator, {rows[0]['n']:,} transactions ({harness.machine()})", rows)


if __name__ == "__main__":
    main()
