"""Driving generators: determinism, state, the traffic they draw, validity, criticality, engine and CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgenesis import manager
from synthgenesis.cli import app
from synthgenesis.execution import GenerationPlan, execute, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.driving import generators
from synthgenesis.plugins.driving.criticality import criticality_metrics
from synthgenesis.plugins.driving.features import featurize
from synthgenesis.plugins.driving.files import from_storage, to_storage
from synthgenesis.plugins.driving.fleet import build_fleet, lane_followers
from synthgenesis.types import READ_ERROR_COLUMN


@pytest.fixture(scope="module")
def natural() -> pd.DataFrame:
    return generators.naturalistic().sample(600, seed=11)


@pytest.fixture(scope="module")
def risky() -> pd.DataFrame:
    return generators.critical(criticality=0.9).sample(600, seed=11)


def validate(pm: PluginManager, batch: pd.DataFrame):
    return validate_batch(pm.domain("driving"), batch, pm.rules("driving"))


# ----------------------------------------------------------------------------- registration and state


def test_registered_with_a_default(pm: PluginManager) -> None:
    assert set(pm.generators("driving")) == {"driving-naturalistic", "driving-critical"}
    assert pm.default_generator("driving").name == "driving-naturalistic"
    params = pm.generator("driving-critical", "driving").parameters()
    assert {"criticality", "manoeuvres", "density", "truck_share", "time_gap_shift"} <= set(params)
    assert not pm.generator("driving-naturalistic", "driving").create().requires_fit


@pytest.mark.parametrize("make", [generators.naturalistic, lambda: generators.critical(criticality=0.7)])
def test_same_seed_same_scenarios_other_seed_others(make) -> None:
    one, again, other = make().sample(40, seed=3), make().sample(40, seed=3), make().sample(40, seed=4)
    assert one.equals(again)
    assert one["scenario"].tolist() == again["scenario"].tolist()
    assert not set(one["record_id"]) & set(other["record_id"])
    assert [s["vehicles"] for s in one["scenario"]] != [s["vehicles"] for s in other["scenario"]]


def test_state_round_trips_through_json() -> None:
    gen = generators.critical(criticality=0.3, manoeuvres=["cut-in"], lanes=[3], density=[10, 12])
    state = json.loads(json.dumps(gen.get_state()))
    back = generators.CriticalTraffic.from_state(state)
    assert back.get_state() == gen.get_state()
    assert back.sample(15, seed=1).equals(gen.sample(15, seed=1))
    nat = generators.naturalistic(truck_share=0.3).fit(generators.naturalistic().sample(30, seed=2))
    restored = generators.NaturalisticTraffic.from_state(json.loads(json.dumps(nat.get_state())))
    assert restored.fitted and restored.params == nat.params


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lanes": [0]}, "lanes must be lane counts"),
        ({"lanes": [2.5]}, "lanes must be lane counts"),
        ({"density": [20, 10]}, "density must be a pair"),
        ({"density": [10, 150]}, "must stay below jam_density"),
        ({"truck_share": 1.5}, "truck_share must be >= 0 and <= 0.9"),
        ({"speed_limits": []}, "speed_limits must be speeds"),
        ({"ego_position": [0.5, 1.5]}, "ego_position must lie within"),
        ({"follow_time": 0}, "follow_time must be > 0"),
        ({"criticality": 1.5}, "criticality must be >= 0 and <= 1"),
        ({"manoeuvres": ["drift"]}, "manoeuvres must be a non-empty list"),
    ],
)
def test_bad_parameters_are_refused(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generators.critical(**params)


# ----------------------------------------------------------------------------- the traffic drawn


def test_batch_is_in_the_domain_format(pm: PluginManager, natural: pd.DataFrame) -> None:
    assert list(natural.columns) == ["record_id", "scenario", READ_ERROR_COLUMN]
    assert natural[READ_ERROR_COLUMN].isna().all()
    assert natural["record_id"].is_unique
    assert natural["record_id"].tolist() == [s["id"] for s in natural["scenario"]]
    assert all(s["id"].startswith("naturalistic-") and len(s["id"]) == 13 + 16 for s in natural["scenario"])
    assert from_storage(to_storage(natural))["scenario"].tolist() == natural["scenario"].tolist()
    stored = to_storage(natural)
    assert all(isinstance(s, str) for s in stored["scenario"])


def test_naturalistic_traffic_follows_its_model(natural: pd.DataFrame) -> None:
    fleet = build_fleet(natural)
    lanes = fleet.lanes[fleet.row]
    assert set(np.unique(fleet.lanes)) == {2, 3, 4}
    assert np.bincount(fleet.row[fleet.is_ego], minlength=len(natural)).tolist() == [1] * len(natural)
    truck = fleet.length >= 7.0
    assert 0.08 < truck.mean() < 0.16  # truck_share 0.12
    assert not (truck & (fleet.lane == 0) & (lanes > 1)).any()  # never in the leftmost lane
    assert not (truck & fleet.is_ego).any()
    # Lane 0 is the fastest, the rightmost lane the slowest.
    cars = ~truck
    left = fleet.speed[cars & (fleet.lane == 0) & (lanes == 3)].mean()
    right = fleet.speed[cars & (fleet.lane == 2) & (lanes == 3)].mean()
    assert left > right + 1.0
    # Time gaps never go below the shift, and spread like the log-normal.
    follower, _, gap = lane_followers(fleet)
    time_gap = gap / fleet.speed[follower]
    assert time_gap.min() > 0.5 - 0.01
    assert 0.6 < np.median(time_gap) < 3.0
    # Rotated boxes stay within their lane: no vehicle of one lane can touch one of another.
    reach = fleet.length / 2 * np.abs(np.sin(fleet.heading)) + fleet.width / 2 * np.cos(fleet.heading)
    assert (np.abs(fleet.y) + reach < fleet.lane_width[fleet.row] / 2).all()
    assert ((fleet.x - fleet.length / 2 >= 0) & (fleet.x + fleet.length / 2 <= 500.0)).all()


def test_edge_sizes_and_single_lane_roads() -> None:
    empty = generators.critical().sample(0, seed=1)
    assert list(empty.columns) == ["record_id", "scenario", READ_ERROR_COLUMN] and empty.empty
    one_lane = generators.critical(lanes=[1], criticality=1.0).sample(60, seed=1)
    manoeuvres = {s["metadata"]["manoeuvre"] for s in one_lane["scenario"]}
    assert manoeuvres == {"close-follow", "braking-lead"}  # no adjacent lane to cut in from
    sparse = generators.naturalistic(density=[0.5, 1.0]).sample(30, seed=1)
    assert all(sum(v["is_ego"] for v in s["vehicles"]) == 1 for s in sparse["scenario"])


def test_density_parameter_sets_the_vehicle_count() -> None:
    light = featurize(generators.naturalistic(density=[5, 6]).sample(100, seed=1))
    heavy = featurize(generators.naturalistic(density=[25, 26]).sample(100, seed=1))
    assert light["density"].mean() == pytest.approx(5.5, rel=0.2)
    assert heavy["density"].mean() == pytest.approx(25.5, rel=0.2)
    assert heavy["mean_speed"].mean() < light["mean_speed"].mean()  # denser is slower


def test_fit_recovers_the_traffic_parameters() -> None:
    truth = generators.naturalistic(
        lanes=[3],
        speed_limits=[30.0],
        road_length=800.0,
        truck_share=0.2,
        time_gap_shift=0.8,
        time_gap_sigma=0.45,
        density=[10, 20],
    )
    fitted = generators.naturalistic().fit(truth.sample(300, seed=3)).params
    assert fitted.lanes == (3,) and fitted.speed_limits == (30.0,) and fitted.road_length == 800.0
    assert fitted.truck_share == pytest.approx(0.2, abs=0.03)
    assert fitted.time_gap_shift == pytest.approx(0.8, abs=0.1)
    assert fitted.time_gap_sigma == pytest.approx(0.45, abs=0.06)
    assert fitted.density[0] == pytest.approx(10, abs=3) and fitted.density[1] == pytest.approx(20, abs=4)
    with pytest.raises(ValueError, match="no usable scenario"):
        generators.naturalistic().fit(pd.DataFrame({"record_id": ["a"], "scenario": [None]}))


# ----------------------------------------------------------------------------- validity and criticality


def test_naturalistic_scenarios_pass_every_rule(pm: PluginManager, natural: pd.DataFrame) -> None:
    outcome = validate(pm, natural)
    assert outcome.valid.mean() >= 0.995, [e for st in outcome.stats.values() for e in st.examples]
    assert len(outcome.stats) == 9  # read + schema + 7 fleet rules


def test_critical_scenarios_are_mostly_valid_and_the_rest_rejected(
    pm: PluginManager, risky: pd.DataFrame
) -> None:
    outcome = validate(pm, risky)
    assert 0.95 <= outcome.valid.mean() < 1.0
    failing = {name for name, st in outcome.stats.items() if st.failed}
    assert failing <= {"driving-no-overlap", "driving-kinematic-feasibility", "driving-road-bounds"}
    manoeuvres = risky["scenario"].map(lambda s: s["metadata"]["manoeuvre"])
    assert set(manoeuvres) == {"close-follow", "braking-lead", "cut-in"}
    for scenario in risky["scenario"]:
        target = scenario["metadata"]["target"]
        assert any(v["id"] == target for v in scenario["vehicles"])


def test_critical_scenarios_are_closer_to_a_crash(natural: pd.DataFrame, risky: pd.DataFrame) -> None:
    calm, tense = criticality_metrics(natural), criticality_metrics(risky)
    assert tense["ego_time_gap"].median() < 0.4 * calm["ego_time_gap"].median()
    assert tense["ego_ttc"].median() < 0.2 * calm["ego_ttc"].median()
    assert (tense["ego_ttc"] < 3.0).mean() > 0.2 > (calm["ego_ttc"] < 3.0).mean()
    assert tense["min_time_gap"].median() < calm["min_time_gap"].median()
    braking = risky["scenario"].map(lambda s: s["metadata"]["manoeuvre"] == "braking-lead").to_numpy()
    lead_braking = [
        next(v for v in s["vehicles"] if v["id"] == s["metadata"]["target"])["acceleration"]
        for s in risky["scenario"][braking]
    ]
    assert max(lead_braking) < -5.0


def test_criticality_parameter_orders_the_scenarios() -> None:
    medians = [
        criticality_metrics(generators.critical(criticality=c).sample(200, seed=5))["ego_time_gap"].median()
        for c in (0.0, 0.5, 1.0)
    ]
    assert medians[0] > medians[1] > medians[2]


def test_rules_catch_broken_outputs(pm: PluginManager) -> None:
    batch = generators.naturalistic(lanes=[3]).sample(6, seed=9)
    scenarios = [copy.deepcopy(s) for s in batch["scenario"]]

    def ego_and_leader(s):
        vehicles = s["vehicles"]
        k = next(i for i, v in enumerate(vehicles) if v["is_ego"])
        lead = next((v for v in vehicles[k + 1 :] if v["lane"] == vehicles[k]["lane"]), None)
        return vehicles[k], lead

    ego, lead = ego_and_leader(scenarios[0])
    lead["x"] = ego["x"] + 1.0  # rear-ends the ego
    scenarios[1]["vehicles"][-1]["speed"] = 3 * scenarios[1]["road"]["speed_limit"]  # the front of its lane
    scenarios[2]["vehicles"][0]["x"] = -20.0
    ego, lead = ego_and_leader(scenarios[3])
    lead.update(x=ego["x"] + 12.0, speed=ego["speed"] - 12.0, acceleration=-6.0)
    scenarios[4]["vehicles"][1]["acceleration"] = 9.0
    broken = batch.assign(scenario=pd.Series(scenarios, dtype=object))
    outcome = validate(pm, broken)
    failed = {name: st.failed for name, st in outcome.stats.items() if st.failed}
    assert failed == {
        "driving-no-overlap": 1,
        "driving-speed-limits": 1,
        "driving-road-bounds": 1,
        "driving-kinematic-feasibility": 1,
        "driving-acceleration-limits": 1,
    }
    assert outcome.valid.tolist() == [False] * 5 + [True]
    assert outcome.reasons[0][0].startswith(f"driving-no-overlap: scenario '{batch['record_id'].iat[0]}'")


# ----------------------------------------------------------------------------- block engine and CLI


def test_block_engine_bytes_do_not_depend_on_workers(pm: PluginManager, tmp_path: Path) -> None:
    manager.reset_plugin_manager(lambda: pm)
    plan = GenerationPlan(
        domain="driving",
        generator="driving-critical",
        state=None,
        n=240,
        seed=21,
        block_size=80,
        generator_params={"criticality": 0.75, "manoeuvres": ["cut-in"]},
    )
    one = execute(plan, tmp_path / "one")
    # two spawned processes: plugins come from entry points there
    two = execute(plan, tmp_path / "two", workers=2)
    parts = {p.name: p.read_bytes() for p in one.parts()}
    assert len(parts) == 3 and parts == {p.name: p.read_bytes() for p in two.parts()}
    assert one.accepted == 240 and 0.9 < one.acceptance_rate < 1.0  # rejected ones were redrawn
    samples = from_storage(read_samples(one))
    assert samples["record_id"].is_unique
    assert samples["record_id"].tolist() == [s["id"] for s in samples["scenario"]]
    assert validate(pm, samples).valid.all()


@pytest.mark.slow
def test_cli_generates_driving_scenarios(tmp_path: Path, examples: Path) -> None:
    reference = tmp_path / "reference.jsonl"
    scenarios = json.loads((examples / "scenarios.json").read_text())
    lines = [{**s, "id": f"{s['id']}-{k}"} for k in range(2) for s in scenarios]
    reference.write_text("".join(json.dumps(s) + "\n" for s in lines))
    runner = CliRunner()
    args = ["generate", "driving", "--reference-file", str(reference), "-n", "30", "--seed", "4", "--json"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "nat")])
    assert result.exit_code == 0, result.output
    critical = runner.invoke(
        app,
        [
            *args,
            "-g",
            "driving-critical",
            "-p",
            "criticality=0.8",
            "--block-size",
            "10",
            "--out",
            str(tmp_path / "crit"),
        ],
    )
    assert critical.exit_code == 0, critical.output
    for name, prefix in (("nat", "naturalistic-"), ("crit", "critical-")):
        manifest = json.loads((tmp_path / name / "manifest.json").read_text())
        assert manifest["counts"]["accepted"] == 30
        written = json.loads((tmp_path / name / "samples.json").read_text())
        assert len(written) == 30 and all(s["id"].startswith(prefix) for s in written)
    crit = json.loads((tmp_path / "crit" / "manifest.json").read_text())
    assert crit["generator"] == "driving-critical" and crit["execution"]["blocks"] == 3
