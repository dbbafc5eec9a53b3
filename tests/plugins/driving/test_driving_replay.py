"""A generated scenario replays in highway-env: the road frames match and the simulation runs from it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("gymnasium", reason='needs the driving extra: pip install "synthgenesis[driving]"')
pytest.importorskip("highway_env", reason="highway-env is only used to check replay: pip install highway-env")

import gymnasium

from synthgenesis.plugins.driving import generators, rules

RULES = [spec.rule for spec in rules.RULES if isinstance(spec.rule, rules.FleetRule)]


def place(env: Any, scenario: dict[str, Any]) -> dict[Any, Any]:
    """Put the scenario's road and vehicles into a reset highway-env environment; vehicles by id."""
    from highway_env.road.lane import LineType, StraightLane
    from highway_env.road.road import Road, RoadNetwork
    from highway_env.vehicle.behavior import IDMVehicle

    env = env.unwrapped
    road_spec = scenario["road"]
    lanes, width, length = road_spec["lanes"], road_spec["lane_width"], road_spec["length"]
    network = RoadNetwork()
    for k in range(lanes):
        lines = [
            LineType.CONTINUOUS_LINE if k == 0 else LineType.STRIPED,
            LineType.CONTINUOUS_LINE if k == lanes - 1 else LineType.NONE,
        ]
        network.add_lane(
            "0",
            "1",
            StraightLane(
                [0.0, k * width],
                [length, k * width],
                width=width,
                line_types=lines,
                speed_limit=road_spec["speed_limit"],
            ),
        )
    road = Road(network=network, np_random=env.np_random, record_history=False)
    placed = {}
    for v in scenario["vehicles"]:
        cls = env.action_type.vehicle_class if v["is_ego"] else IDMVehicle
        vehicle = cls(road, [v["x"], v["lane"] * width + v.get("y", 0.0)], v["heading"], v["speed"])
        vehicle.LENGTH, vehicle.WIDTH = v["length"], v["width"]
        vehicle.diagonal = float(np.hypot(v["length"], v["width"]))
        road.vehicles.append(vehicle)
        placed[v["id"]] = vehicle
        if v["is_ego"]:
            env.controlled_vehicles = [vehicle]
    env.road = road
    return placed


@pytest.mark.parametrize(("name", "params"), [("naturalistic", {}), ("critical", {"criticality": 0.8})])
def test_generated_scenario_replays_in_highway_env(name: str, params: dict[str, Any]) -> None:
    batch = getattr(generators, name)(lanes=[3], **params).sample(5, seed=2)
    valid = [all(r.check(batch).mask[i] for r in RULES) for i in range(len(batch))]
    scenario = batch["scenario"].iat[valid.index(True)]
    env = gymnasium.make("highway-fast-v0", config={"lanes_count": 3, "vehicles_count": 1})
    env.reset(seed=0)
    placed = place(env, scenario)
    width = scenario["road"]["lane_width"]
    assert len(env.unwrapped.road.vehicles) == len(scenario["vehicles"])
    for v in scenario["vehicles"]:
        sim = placed[v["id"]]
        assert sim.position == pytest.approx([v["x"], v["lane"] * width + v["y"]])
        assert sim.lane_index[2] == v["lane"]  # the simulator puts it in the same lane
        assert sim.speed == pytest.approx(v["speed"])
    assert env.unwrapped.vehicle is placed["ego"]
    start = placed["ego"].position.copy()
    obs = None
    for _ in range(5):
        obs, _, terminated, truncated, _ = env.step(1)  # IDLE
        assert np.isfinite(obs).all()
        if terminated or truncated:
            break
    assert placed["ego"].position[0] > start[0]  # it drove on along the road
    env.close()
