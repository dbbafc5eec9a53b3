"""The scenario format: what parses, what the errors name."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario


def test_valid_scenario_is_normalised(scenario, vehicle) -> None:
    raw = scenario(vehicle("ego", 1.0, 120, is_ego=True, y=0, acceleration=1), lanes=2, length=300)
    raw["duration"] = 30
    raw["metadata"] = {"source": "test"}
    parsed = parse_scenario(raw)
    ego = parsed["vehicles"][0]
    assert ego["lane"] == 1 and isinstance(ego["lane"], int)
    assert ego["x"] == 120.0 and isinstance(ego["x"], float)
    assert parsed["road"] == {"lanes": 2, "lane_width": 3.5, "length": 300.0, "speed_limit": 30.0}
    assert parsed["duration"] == 30.0 and parsed["metadata"] == {"source": "test"}
    assert parse_scenario(parsed) == parsed  # normalising twice changes nothing


def test_optional_keys_stay_absent(scenario) -> None:
    parsed = parse_scenario(scenario())
    assert "y" not in parsed["vehicles"][0] and "duration" not in parsed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("road"), "scenario is missing key(s) 'road'"),
        (lambda s: s["vehicles"][0].pop("speed"), "vehicles[0] is missing key(s) 'speed'"),
        (lambda s: s["vehicles"][0].update(sped=1), "vehicles[0] has unknown key(s) 'sped'"),
        (lambda s: s.update(schema_version=2), "schema_version 2 is not supported"),
        (lambda s: s.update(schema_version="1"), "schema_version '1' is not supported"),
        (lambda s: s.update(id=""), "id must be non-empty text"),
        (lambda s: s["road"].update(lanes=0), "road.lanes must be >= 1"),
        (lambda s: s["road"].update(lanes=2.5), "road.lanes must be an integer"),
        (lambda s: s["road"].update(lane_width=-3.5), "road.lane_width must be > 0"),
        (lambda s: s["road"].update(speed_limit=math.inf), "road.speed_limit must be a finite number"),
        (lambda s: s.update(vehicles={}), "vehicles must be a list"),
        (lambda s: s["vehicles"].append("car"), "vehicles[1] must be a JSON object, got str"),
        (lambda s: s["vehicles"][0].update(lane=1.5), "vehicles[0].lane must be an integer"),
        (lambda s: s["vehicles"][0].update(x="12"), "vehicles[0].x must be a number, got '12'"),
        (lambda s: s["vehicles"][0].update(speed=True), "vehicles[0].speed must be a number, got True"),
        (lambda s: s["vehicles"][0].update(heading=math.nan), "vehicles[0].heading must be a finite number"),
        (lambda s: s["vehicles"][0].update(is_ego=1), "vehicles[0].is_ego must be true or false"),
        (lambda s: s["vehicles"][0].update(id=None), "vehicles[0].id must be non-empty text of at most 200"),
        (
            lambda s: s["vehicles"].append(dict(s["vehicles"][0])),
            "vehicles[1].id 'ego' repeats vehicles[0].id",
        ),
        (lambda s: s.update(duration=0), "duration must be > 0"),
        (lambda s: s.update(metadata=[1]), "metadata must be a JSON object"),
    ],
)
def test_structural_errors_name_the_key(scenario, change, message: str) -> None:
    raw = scenario()
    change(raw)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(raw)
    assert message in str(info.value)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_json)
def test_any_json_value_parses_or_raises_scenario_error(value: object) -> None:
    try:
        parse_scenario(value)
    except ScenarioError as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["schema_version", "id", "road", "vehicles"]), value=_json)
def test_any_value_in_a_required_key_never_crashes(scenario, key: str, value: object) -> None:
    raw = scenario()  # the fixture is a pure builder, safe to share between examples
    raw[key] = value
    try:
        parse_scenario(raw)
    except ScenarioError as exc:
        assert str(exc)
