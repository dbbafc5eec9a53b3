"""Driving scenario generation side by side with highway-env's own traffic generation.

    python benchmarks/bench_driving.py            # 20,000 scenarios per engine run, 400 highway-env resets
    python benchmarks/bench_driving.py --quick    # 2,000 scenarios, 60 resets (under a minute)
    python benchmarks/bench_driving.py --export examples/data/driving/highway_env_states.jsonl

Throughput: synthgenesis' ``driving-naturalistic`` and ``driving-critical``
generate *and validate* (every driving rule) through the block engine at 1
and 2 workers, each run in a fresh subprocess; the peer is
``gymnasium.make("highway-fast-v0").reset(seed=i)``, which draws a new random
traffic scene on every reset (its equivalent of a generator), configured
with the same number of vehicles per scene as ours draw on average.

Then highway-env's initial states are converted into our scenario format
(by ``export_highway_states.scenario_from_env``, whose docstring gives the
mapping; road frame identical: lane ``k`` centred at ``k * lane_width``) and put
through our rules, and their statistics (time gaps, speeds, density) are
set beside ours on the same road (3 lanes, 30 m/s limit, 4 m lanes).

highway-env (MIT licence) is a benchmark tool here, not a synthgenesis
dependency: ``pip install highway-env``. Without it the script measures our
generators only and says what it skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from export_highway_states import scenario_from_env  # noqa: E402

GENERATORS = (
    ("driving-naturalistic", None),
    ("driving-critical", {"criticality": 0.5}),
)
#: highway-fast-v0's road, for the statistics comparison: 3 lanes of 4 m, every lane limited to 30 m/s.
MATCHED_ROAD = {"lanes": [3], "lane_width": [4.0, 4.0], "speed_limits": [30.0]}


def have_highway_env() -> bool:
    """Whether highway-env is importable (the peer the driving benchmark compares against)."""
    return importlib.util.find_spec("highway_env") is not None


# ----------------------------------------------------------------------------- highway-env


def make_env(vehicles: int) -> Any:
    """highway-fast-v0 with ``vehicles`` vehicles in all (the ego and ``vehicles - 1`` others)."""
    import gymnasium
    import highway_env  # noqa: F401  (registers the environments)

    return gymnasium.make("highway-fast-v0", config={"vehicles_count": max(vehicles - 1, 1)})


def peer_highway_env(n: int, vehicles: int) -> dict[str, Any]:
    """Draw ``n`` traffic scenes with highway-env (timed by the harness)."""
    env = make_env(vehicles)
    counts = []
    for i in range(n):
        env.reset(seed=i)
        counts.append(len(env.unwrapped.road.vehicles))
    env.close()
    return {"n": n, "vehicles_per_scene": float(np.mean(counts))}


def highway_env_batch(n: int, vehicles: int, first_seed: int = 0) -> pd.DataFrame:
    """``n`` highway-env initial states (resets with seeds ``first_seed ..``) as a driving batch."""
    env = make_env(vehicles)
    scenarios = []
    for i in range(first_seed, first_seed + n):
        env.reset(seed=i)
        metadata = {"source": "highway-env highway-fast-v0", "reset_seed": i}
        scenarios.append(scenario_from_env(env, f"highway-env-{i:05d}", metadata))
    env.close()
    return pd.DataFrame(
        {
            "record_id": pd.Series([s["id"] for s in scenarios], dtype=object),
            "scenario": pd.Series(scenarios, dtype=object),
        }
    )


# ----------------------------------------------------------------------------- statistics


def _pm() -> Any:
    import synthgenesis.plugins.driving as driving
    from synthgenesis.manager import PluginManager

    pm = PluginManager(autoload=False)
    pm.register(driving, name="driving")
    return pm


def ours(generator: str, n: int, seed: int = 7, **params: Any) -> pd.DataFrame:
    """``n`` scenarios from the named synthgenesis driving generator."""
    return _pm().generator(generator, "driving").create(**params).sample(n, seed=seed)


def acceptance(batch: pd.DataFrame) -> tuple[float, dict[str, int]]:
    """Share of the batch passing every driving rule, and failures per rule."""
    from synthgenesis.pipeline import validate_batch

    pm = _pm()
    outcome = validate_batch(pm.domain("driving"), batch, pm.rules("driving"))
    return float(outcome.valid.mean()), {k: st.failed for k, st in outcome.stats.items() if st.failed}


def initial_state_stats(batch: pd.DataFrame) -> dict[str, float]:
    """Statistics of initial states that do not depend on the road's length."""
    from synthgenesis.plugins.driving.criticality import criticality_metrics
    from synthgenesis.plugins.driving.fleet import build_fleet, lane_followers

    fleet = build_fleet(batch)
    follower, _, gap = lane_followers(fleet)
    speed = fleet.speed[follower]
    time_gap = gap[(gap > 0) & (speed > 0)] / speed[(gap > 0) & (speed > 0)]
    frame = pd.DataFrame({"row": fleet.row, "x": fleet.x, "lanes": fleet.lanes[fleet.row]})
    span = frame.groupby("row").agg(
        lo=("x", "min"), hi=("x", "max"), lanes=("lanes", "first"), k=("x", "size")
    )
    span = span[span["hi"] > span["lo"]]
    density = (span["k"] / ((span["hi"] - span["lo"]) / 1000.0) / span["lanes"]).mean()
    crit = criticality_metrics(batch)
    ego_gap = crit["ego_time_gap"].replace(np.inf, np.nan)
    return {
        "vehicles per scene": float(fleet.n_vehicles.mean()),
        "density (veh/km/lane, occupied stretch)": float(density),
        "speed mean (m/s)": float(fleet.speed.mean()),
        "speed sd (m/s)": float(fleet.speed.std()),
        "time gap p10 (s)": float(np.percentile(time_gap, 10)),
        "time gap median (s)": float(np.median(time_gap)),
        "time gaps < 1 s": float(np.mean(time_gap < 1.0)),
        "ego has a vehicle ahead in its lane": float(ego_gap.notna().mean()),
        "ego time gap median (s)": float(ego_gap.median()),
        "ego TTC < 3 s": float((crit["ego_ttc"] < 3.0).mean()),
    }


def print_stats(title: str, columns: dict[str, dict[str, float]]) -> None:
    """Print a Markdown table of statistics, one column per source of scenarios."""
    names = list(columns)
    print(f"### {title}\n")
    print("| statistic | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for key in next(iter(columns.values())):
        cells = []
        for name in names:
            value = columns[name][key]
            cells.append(
                "-" if math.isnan(value) else f"{value:.1%}" if "<" in key or "has" in key else f"{value:.2f}"
            )
        print(f"| {key} | " + " | ".join(cells) + " |")
    print(flush=True)


def criticality_sweep(n: int) -> None:
    """Acceptance under every rule and closeness to a crash, naturalistic and across criticality."""
    from synthgenesis.plugins.driving.criticality import criticality_metrics

    runs = [("driving-naturalistic", {})] + [
        ("driving-critical", {"criticality": c}) for c in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    print(f"### Acceptance and criticality ({n} scenarios each, default road mix)\n")
    print(
        "| generator | criticality | acceptance | rejected by | ego time gap median (s) "
        "| ego TTC median (s) | ego TTC < 3 s | ego DRAC > 3 m/s² | lane min time gap median (s) |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for generator, params in runs:
        batch = ours(generator, n, seed=2024, **params)
        share, failures = acceptance(batch)
        m = criticality_metrics(batch)
        rejected = ", ".join(f"{k.removeprefix('driving-')} {v}" for k, v in failures.items()) or "-"
        print(
            f"| {generator} | {params.get('criticality', '-')} | {share:.2%} | {rejected} "
            f"| {m['ego_time_gap'].median():.2f} | {m['ego_ttc'].median():.1f} "
            f"| {(m['ego_ttc'] < 3).mean():.1%} | {(m['ego_drac'] > 3).mean():.1%} "
            f"| {m['min_time_gap'].median():.2f} |"
        )
    print(flush=True)


# ----------------------------------------------------------------------------- measure


def mean_vehicles() -> int:
    """Vehicles per scenario our naturalistic generator draws with its defaults."""
    return round(
        float(ours("driving-naturalistic", 300)["scenario"].map(lambda s: len(s["vehicles"])).mean())
    )


def measure(quick: bool) -> list[dict[str, Any]]:
    """Engine rows (both generators at 1 and 2 workers) and, if installed, the highway-env row."""
    n = 2_000 if quick else 20_000
    rows = []
    for generator, params in GENERATORS:
        for workers in (1, 2):
            rows.append(harness.engine_run("driving", generator, n, workers, params=params, block_size=1000))
    if have_highway_env():
        resets = 60 if quick else 400
        peer = harness.peer_run(
            "highway-env highway-fast-v0 reset()",
            "bench_driving:peer_highway_env",
            n=resets,
            vehicles=mean_vehicles(),
        )
        ratios = ", ".join(
            f"{r['label'].removeprefix('synthgenesis ')} / this: {harness.ratio(r, peer):.1f}x" for r in rows
        )
        peer["notes"] = f"{peer['vehicles_per_scene']:.1f} vehicles per scene; {ratios}"
        rows.append(peer)
    return rows


def main(argv: list[str] | None = None) -> None:
    """Compare the driving generators with highway-env, or only export its initial states."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer scenarios and resets (under a minute)")
    parser.add_argument("--export", type=Path, help="only write highway-env initial states to this .jsonl")
    parser.add_argument("--export-n", type=int, default=12, help="how many states --export writes")
    args = parser.parse_args(argv)

    if args.export:
        if not have_highway_env():
            sys.exit("--export needs highway-env: pip install highway-env")
        batch = highway_env_batch(args.export_n, mean_vehicles())
        args.export.write_text("".join(json.dumps(s) + "\n" for s in batch["scenario"]))
        print(f"wrote {len(batch)} highway-env initial states to {args.export}")
        return

    print(f"machine: {harness.machine()}\n")
    criticality_sweep(300 if args.quick else 2000)
    rows = measure(args.quick)
    harness.print_table("Scenarios generated and validated per second", rows)
    peer = next((r for r in rows if r["label"].startswith("highway-env")), None)
    if peer is None:
        print("highway-env is not installed: skipped the peer and the comparison (pip install highway-env)")
        return
    print(f"highway-env drew {peer['vehicles_per_scene']:.1f} vehicles per scene.\n")
    for r in rows:
        if r is not peer:
            print(f"ours/peer scenarios per second, {r['label']}: {harness.ratio(r, peer):.1f}x")
    print()

    count = 60 if args.quick else 400
    theirs = highway_env_batch(count, round(peer["vehicles_per_scene"]), first_seed=10_000)
    share, failures = acceptance(theirs)
    print(
        f"highway-env initial states passing every synthgenesis driving rule: {share:.1%} of {count}"
        + (f" (failures per rule: {failures})" if failures else "")
        + "\n"
    )
    natural = ours("driving-naturalistic", count, **MATCHED_ROAD)
    critical = ours("driving-critical", count, criticality=0.5, **MATCHED_ROAD)
    columns = {
        "highway-env": initial_state_stats(theirs),
        "driving-naturalistic": initial_state_stats(natural),
        "driving-critical (0.5)": initial_state_stats(critical),
    }
    print_stats(f"Initial states on highway-fast-v0's road ({count} scenes each)", columns)
    for name in ("driving-naturalistic", "driving-critical (0.5)"):
        share, _ = acceptance(natural if name == "driving-naturalistic" else critical)
        print(f"{name} on that road passing every rule: {share:.1%}")


if __name__ == "__main__":
    main()
