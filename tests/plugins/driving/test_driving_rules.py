"""Driving rules: known answers, thresholds, missing and malformed scenarios, garbage."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.plugins.driving import rules


def check(rule, batch: pd.DataFrame) -> list[str | None]:
    result = rule.check(batch)
    assert [r is None for r in result.reasons] == result.mask.tolist()
    return result.reasons


# ----------------------------------------------------------------------------- ego


def test_single_ego(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(vehicle("ego", is_ego=True), sid="one"),
        scenario(vehicle("a"), sid="none"),
        scenario(vehicle("e1", is_ego=True), vehicle("e2", 1, is_ego=True), sid="two"),
    )
    assert check(rules.SingleEgo(), batch) == [
        None,
        "scenario 'none': no vehicle is the ego (is_ego true)",
        "scenario 'two': 2 vehicles are the ego: 'e1', 'e2'",
    ]


# ----------------------------------------------------------------------------- overlap


def test_no_overlap_known_answers(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(
            vehicle("ego", 1, 100.0, is_ego=True), vehicle("a", 1, 110.0), vehicle("b", 0, 100.0), sid="ok"
        ),
        scenario(vehicle("ego", 1, 100.0, is_ego=True), vehicle("a", 1, 103.0), sid="rear-end"),
        scenario(vehicle("ego", 1, 100.0, is_ego=True), vehicle("b", 0, 100.0, y=1.75), sid="side"),
    )
    got = check(rules.NoOverlap(), batch)
    assert got[0] is None
    assert got[1] == "scenario 'rear-end': vehicles 'ego' and 'a' overlap by 1.50 m"
    assert got[2] == "scenario 'side': vehicles 'ego' and 'b' overlap by 0.05 m"


def test_overlap_reason_lists_three_pairs_then_counts(batch_of, scenario, vehicle) -> None:
    pile = [vehicle(f"v{k}", 0, 100.0 + 0.1 * k, is_ego=k == 0) for k in range(4)]  # 6 overlapping pairs
    reason = check(rules.NoOverlap(), batch_of(scenario(*pile)))[0]
    assert reason is not None and reason.count("overlap by") == 3 and reason.endswith("(and 3 more)")


# ----------------------------------------------------------------------------- speed


def test_speed_limits_known_answers(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(
            vehicle("ego", is_ego=True, speed=36.0), vehicle("stopped", 1, speed=0.0), sid="ok"
        ),  # 36 = 1.2 x 30
        scenario(vehicle("ego", is_ego=True, speed=36.5), sid="fast"),
        scenario(vehicle("ego", is_ego=True, speed=-0.1), sid="reverse"),
        scenario(vehicle("ego", is_ego=True, speed=71.0), sid="rocket", speed_limit=80.0),
    )
    got = check(rules.SpeedLimits(), batch)
    assert got[0] is None
    assert (
        got[1]
        == "scenario 'fast': vehicle 'ego' speed 36.5 m/s exceeds 1.2 x speed limit 30.0 m/s = 36.0 m/s"
    )
    assert got[2] == "scenario 'reverse': vehicle 'ego' speed -0.1 m/s is negative"
    assert got[3] == "scenario 'rocket': vehicle 'ego' speed 71.0 m/s exceeds the plausible maximum 70 m/s"


def test_speed_tolerance_is_configurable(batch_of, scenario, vehicle) -> None:
    batch = batch_of(scenario(vehicle("ego", is_ego=True, speed=31.0)))
    assert check(rules.SpeedLimits(), batch) == [None]
    assert check(rules.SpeedLimits(tolerance=1.0), batch)[0] is not None
    assert check(rules.SpeedLimits(max_speed=30.0), batch)[0] is not None
    with pytest.raises(ValueError, match="tolerance must be a finite number > 0"):
        rules.SpeedLimits(tolerance=0)


# ----------------------------------------------------------------------------- road bounds


def test_road_bounds_known_answers(batch_of, scenario, vehicle) -> None:
    edge = scenario(vehicle("ego", 2, 500.0, is_ego=True, y=-1.75), vehicle("start", 0, 0.0), sid="edges")
    batch = batch_of(
        edge,
        scenario(vehicle("ego", 3, 10.0, is_ego=True), sid="lane"),
        scenario(vehicle("ego", -1, 10.0, is_ego=True), sid="negative-lane"),
        scenario(vehicle("ego", 0, 500.5, is_ego=True), sid="beyond"),
        scenario(vehicle("ego", 0, 10.0, is_ego=True, y=1.8), sid="drifting"),
    )
    got = check(rules.RoadBounds(), batch)
    assert got[0] is None
    assert got[1] == "scenario 'lane': vehicle 'ego' lane 3 is not in 0..2"
    assert got[2] == "scenario 'negative-lane': vehicle 'ego' lane -1 is not in 0..2"
    assert got[3] == "scenario 'beyond': vehicle 'ego' x 500.5 m is off the road [0, 500] m"
    assert got[4] == "scenario 'drifting': vehicle 'ego' lateral offset 1.80 m leaves its lane (|y| > 1.75 m)"


# ----------------------------------------------------------------------------- dimensions


def test_vehicle_dimensions_known_answers(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(
            vehicle("ego", is_ego=True),
            vehicle("bike", 1, length=1.8, width=0.6),
            vehicle("truck", 2, length=25.25, width=2.55),
            sid="ok",
        ),
        scenario(vehicle("ego", is_ego=True, length=0.5, width=0.3), sid="tiny"),
        scenario(vehicle("ego", is_ego=True, length=2.0, width=2.5), sid="wide"),
        scenario(vehicle("ego", is_ego=True, length=40.0), sid="long"),
    )
    got = check(rules.VehicleDimensions(), batch)
    assert got[0] is None
    assert got[1] == (
        "scenario 'tiny': vehicle 'ego' length 0.50 m outside [1, 30] m; "
        "vehicle 'ego' width 0.30 m outside [0.4, 3] m"
    )
    assert got[2] == "scenario 'wide': vehicle 'ego' width 2.50 m exceeds its length 2.00 m"
    assert got[3] == "scenario 'long': vehicle 'ego' length 40.00 m outside [1, 30] m"
    assert check(rules.VehicleDimensions(max_length=45.0), batch)[3] is None
    with pytest.raises(ValueError, match="must not exceed"):
        rules.VehicleDimensions(min_width=4.0)


# ----------------------------------------------------------------------------- schema validator


def test_schema_validator(scenario) -> None:
    validator = rules.ScenarioSchema()
    assert validator.validate(scenario()) is None
    bad = scenario(sid="x")
    bad["vehicles"][0]["speed"] = "fast"
    assert validator.validate(bad) == "scenario 'x': vehicles[0].speed must be a number, got 'fast'"
    assert validator.validate(None) == "no sample (read error)"
    assert validator.validate(float("nan")) == "no sample (read error)"
    assert validator.validate("not a scenario") == "scenario must be a JSON object, got str"


# ----------------------------------------------------------------------------- shared behaviour

ALL = [spec.rule for spec in rules.RULES]
FLEET_RULES = [rule for rule in ALL if isinstance(rule, rules.FleetRule)]


@pytest.mark.parametrize("rule", ALL, ids=lambda r: type(r).__name__)
def test_example_file_passes(rule, examples) -> None:
    from synthgenesis.plugins.driving.files import read

    assert all(r is None for r in check(rule, read(examples / "scenarios.json")))


@pytest.mark.parametrize("rule", ALL, ids=lambda r: type(r).__name__)
def test_missing_and_malformed_scenarios_fail_every_rule(rule, batch_of, scenario) -> None:
    broken = scenario(sid="broken")
    del broken["vehicles"][0]["width"]
    got = check(rule, batch_of(scenario(), None, broken))
    assert got[0] is None
    assert got[1] == "no sample (read error)"
    assert got[2] is not None and got[2].startswith("scenario 'broken': ")
    assert "vehicles[0] is missing key(s) 'width'" in got[2]


@pytest.mark.parametrize("rule", FLEET_RULES, ids=lambda r: type(r).__name__)
def test_batch_without_scenario_column(rule) -> None:
    got = check(rule, pd.DataFrame({"record_id": ["a", "b"]}))
    assert got == ["column 'scenario' missing from the batch"] * 2


def test_schema_rule_without_scenario_column() -> None:
    assert check(rules.ScenarioSchema(), pd.DataFrame({"record_id": ["a"]})) == [
        "batch has no 'scenario' column"
    ]


def test_registered_names() -> None:
    names = [s.name for s in rules.RULES]
    assert len(set(names)) == len(names) == 8
    assert all(n.startswith("driving-") for n in names)
    assert not any(s.rule.repairable for s in rules.RULES)
    assert [s.name for s in rules.RULES if s.kind == "sample"] == ["driving-scenario-schema"]
    assert len(FLEET_RULES) == 7


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)
_number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**12), 10**12), _json)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    samples=st.lists(_json, max_size=3),
    fields=st.dictionaries(
        st.sampled_from(["lane", "x", "y", "speed", "heading", "length", "width", "is_ego", "id"]), _number
    ),
)
def test_garbage_never_raises(batch_of, scenario, vehicle, samples, fields) -> None:
    odd = scenario(vehicle("ego", is_ego=True), {**vehicle("v", 1, 100.0), **fields})
    batch = batch_of(*samples, odd)
    for rule in ALL:
        reasons = check(rule, batch)
        assert len(reasons) == len(batch)
        assert all(r is None or (isinstance(r, str) and r) for r in reasons)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.floats(0, 500), st.floats(-2, 40), st.floats(-math.pi, math.pi)),
        min_size=1,
        max_size=12,
    )
)
def test_random_fleets_have_consistent_results(batch_of, scenario, vehicle, specs) -> None:
    vehicles = [
        vehicle(f"v{k}", lane, x, speed=speed, heading=heading, is_ego=k == 0)
        for k, (lane, x, speed, heading) in enumerate(specs)
    ]
    batch = batch_of(scenario(*vehicles))
    for rule in FLEET_RULES:
        reason = check(rule, batch)[0]
        assert reason is None or reason.startswith("scenario 's1': ")
    speeding = any(s < 0 or s > 36.0 for _, _, s, _ in specs)
    assert (check(rules.SpeedLimits(), batch)[0] is not None) == speeding
