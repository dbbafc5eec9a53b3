"""Export highway-env's initial traffic states as driving scenarios (JSON Lines).

    pip install highway-env
    python benchmarks/export_highway_states.py       # writes tests/data/driving/highway_env_states.jsonl
    python benchmarks/export_highway_states.py --out states.jsonl --scale 2

highway-env (MIT licence, https://github.com/Farama-Foundation/HighwayEnv)
draws a new random traffic scene on every ``reset(seed=...)``. It is the
driving domain's independent reference world: nobody here chose its scenes,
so every driving rule must accept them. This script resets a few straight-
highway configurations with fixed seeds and writes each initial state in the
scenario format (schema version 1). highway-env is needed to *write* the file,
never to read it: the committed fixture is checked by
``tests/plugins/driving/test_driving_real_data.py`` without it.

Configurations (no merge, roundabout or intersection: the format describes a
straight multi-lane road):

============================  =====  =================================================
name                          seeds  configuration
============================  =====  =================================================
``highway-fast``              200    ``highway-fast-v0`` as registered (3 lanes, 20 others)
``highway``                   15     ``highway-v0`` as registered (4 lanes, 50 others)
``highway-fast-2-lanes``      20     ``highway-fast-v0``, ``lanes_count=2``, density 1.5
``highway-fast-4-lanes-dense`` 20    ``highway-fast-v0``, ``lanes_count=4``, density 2
============================  =====  =================================================

Mapping, field by field (highway-env's straight road and ours share one
frame: lane ``k`` starts at ``[0, k * lane_width]`` and runs along ``x``):

- ``road.lanes``: the lanes beside the ego's, ``len(network.all_side_lanes(ego.lane_index))``;
  ``road.lane_width``, ``road.length``, ``road.speed_limit``: the ego lane's
  ``width`` (4 m), ``length`` (10,000 m) and ``speed_limit`` (30 m/s); every
  lane of these roads has the same ones (checked).
- ``vehicles[].lane``: the lane index ``vehicle.lane_index[2]``.
- ``vehicles[].x``, ``vehicles[].y``: ``lane.local_coordinates(vehicle.position)``,
  the longitudinal position of the centre along its lane and the lateral
  offset from the lane centre (m).
- ``vehicles[].heading``: ``vehicle.heading - lane.heading_at(x)`` (rad).
- ``vehicles[].speed``: ``vehicle.speed`` (m/s).
- ``vehicles[].length``, ``vehicles[].width``: ``vehicle.LENGTH``, ``vehicle.WIDTH``
  (5 x 2 m for every vehicle of these configurations).
- ``vehicles[].acceleration``: the longitudinal acceleration the vehicle
  commands at its first step. For highway-env's ``IDMVehicle`` traffic that
  is its IDM acceleration behind the vehicle ahead in its lane, clipped to
  ``IDMVehicle.ACC_MAX`` (6 m/s^2) as ``IDMVehicle.act`` does (lane changes
  have not begun at reset, so the target lane is the current one). The ego's
  acceleration comes from the agent's action, so it is 0 (the ``action`` a
  vehicle holds at reset).
- ``vehicles[].is_ego``: the environment's controlled vehicle; its id is
  ``ego``, the others ``car-NN`` in highway-env's order.
- ``duration``: the configuration's ``duration`` (s); ``metadata``: the
  source, configuration, reset seed and highway-env version.

Values are rounded to the millimetre (m, m/s, m/s^2) and to 1e-6 rad, far
below any rule's tolerance; the file is written compact to stay small.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "tests" / "data" / "driving" / "highway_env_states.jsonl"

#: (name, environment id, configuration overrides, number of seeds)
CONFIGURATIONS: tuple[tuple[str, str, dict[str, Any], int], ...] = (
    ("highway-fast", "highway-fast-v0", {}, 200),
    ("highway", "highway-v0", {}, 15),
    ("highway-fast-2-lanes", "highway-fast-v0", {"lanes_count": 2, "vehicles_density": 1.5}, 20),
    ("highway-fast-4-lanes-dense", "highway-fast-v0", {"lanes_count": 4, "vehicles_density": 2.0}, 20),
)


def first_step_acceleration(vehicle: Any, road: Any) -> float:
    """What ``IDMVehicle.act`` commands longitudinally at the first step (0 for other vehicle types)."""
    from highway_env.vehicle.behavior import IDMVehicle

    if not isinstance(vehicle, IDMVehicle):
        return 0.0
    front, rear = road.neighbour_vehicles(vehicle, vehicle.lane_index)
    acceleration = vehicle.acceleration(ego_vehicle=vehicle, front_vehicle=front, rear_vehicle=rear)
    return float(min(max(acceleration, -vehicle.ACC_MAX), vehicle.ACC_MAX))


def scenario_from_env(env: Any, sid: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """The initial state of a reset highway-env environment, in the driving scenario format."""
    env = env.unwrapped
    road, ego = env.road, env.vehicle
    ego_lane = road.network.get_lane(ego.lane_index)
    side_lanes = road.network.all_side_lanes(ego.lane_index)
    for index in side_lanes:
        lane = road.network.get_lane(index)
        if (lane.width_at(0), lane.length, lane.speed_limit) != (
            ego_lane.width_at(0),
            ego_lane.length,
            ego_lane.speed_limit,
        ):
            raise ValueError(f"{sid}: lanes of different width, length or limit cannot be one road")
    vehicles = []
    for k, v in enumerate(road.vehicles):
        lane = road.network.get_lane(v.lane_index)
        s, r = lane.local_coordinates(v.position)
        vehicles.append(
            {
                "id": "ego" if v is ego else f"car-{k:02d}",
                "lane": int(v.lane_index[2]),
                "x": round(float(s), 3),
                "y": round(float(r), 3),
                "speed": round(float(v.speed), 3),
                "heading": round(float(v.heading - lane.heading_at(s)), 6),
                "length": float(v.LENGTH),
                "width": float(v.WIDTH),
                "acceleration": 0.0 if v is ego else round(first_step_acceleration(v, road), 3),
                "is_ego": v is ego,
            }
        )
    return {
        "schema_version": 1,
        "id": sid,
        "road": {
            "lanes": len(side_lanes),
            "lane_width": float(ego_lane.width_at(0)),
            "length": float(ego_lane.length),
            "speed_limit": float(ego_lane.speed_limit),
        },
        "vehicles": vehicles,
        "duration": float(env.config["duration"]),
        "metadata": metadata,
    }


def export(scale: float = 1.0) -> list[dict[str, Any]]:
    """Every configuration's initial states (``scale`` x its number of seeds), in order."""
    import gymnasium
    import highway_env  # noqa: F401  (registers the environments)

    release = version("highway-env")
    scenarios = []
    for name, env_id, config, seeds in CONFIGURATIONS:
        env = gymnasium.make(env_id, config=config)
        for seed in range(max(1, round(seeds * scale))):
            env.reset(seed=seed)
            metadata = {
                "source": f"highway-env {release}",
                "environment": env_id,
                "config": config,
                "reset_seed": seed,
            }
            scenarios.append(scenario_from_env(env, f"{name}-{seed:04d}", metadata))
        env.close()
    return scenarios


def main(argv: list[str] | None = None) -> None:
    """Write highway-env's initial states as driving scenarios (JSON Lines)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"JSON Lines file (default {DEFAULT_OUT})"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every configuration's seed count")
    args = parser.parse_args(argv)
    try:
        scenarios = export(args.scale)
    except ImportError as exc:
        sys.exit(f"needs highway-env: pip install highway-env ({exc})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(s, separators=(",", ":")) + "\n" for s in scenarios)
    args.out.write_text(text, encoding="utf-8")
    vehicles = sum(len(s["vehicles"]) for s in scenarios)
    print(
        f"wrote {len(scenarios)} highway-env initial states ({vehicles:,} vehicles, "
        f"{len(text):,} bytes) to {args.out}"
    )


if __name__ == "__main__":
    main()
