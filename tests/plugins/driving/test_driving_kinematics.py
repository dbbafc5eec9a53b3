"""Braking kinematics, criticality metrics and the acceleration and feasibility rules: known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgenesis.plugins.driving import rules
from synthgenesis.plugins.driving.criticality import (
    METRICS,
    criticality_metrics,
    min_gap_when_braking,
    travelled,
)


def test_travelled_stops_at_the_stopping_distance() -> None:
    assert travelled(np.array(20.0), np.array(8.0), np.array(1.0)) == pytest.approx(16.0)
    assert travelled(np.array(20.0), np.array(8.0), np.array(10.0)) == pytest.approx(25.0)  # 400 / 16
    assert travelled(np.array(20.0), np.array(0.0), np.array(3.0)) == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("gap", "vf", "vl", "al", "expected"),
    [
        (30.0, 20.0, 0.0, 0.0, 5.0),  # stopped leader: follower needs 20^2 / 16 = 25 m
        (20.0, 20.0, 0.0, 0.0, -5.0),
        (12.0, 30.0, 30.0, 0.0, 12.0),  # same speed, leader cruising: the gap only grows
        (12.0, 30.0, 30.0, 4.0, 12.0),  # leader brakes softer than the follower can
        (10.0, 30.0, 30.0, 10.0, 10.0 + 45.0 - 56.25),  # leader brakes harder: stops 11.25 m sooner
        (9.0, 30.0, 20.0, 0.0, 9.0 - 6.25),  # speeds equal after 1.25 s: 10^2 / 16 m lost
    ],
)
def test_min_gap_when_braking_known_answers(gap, vf, vl, al, expected) -> None:
    got = min_gap_when_braking(np.array([gap]), np.array([vf]), np.array([vl]), np.array([al]), 8.0)
    assert got[0] == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(
    gap=st.floats(0.1, 100),
    vf=st.floats(0, 50),
    vl=st.floats(0, 50),
    al=st.floats(0, 12),
    b=st.floats(1, 12),
)
def test_min_gap_matches_a_fine_time_grid(gap, vf, vl, al, b) -> None:
    """The closed form is the minimum of the gap over time, found here by brute force."""
    t = np.linspace(0, max(vf / b, 1e-9), 20001)
    brute = np.min(
        gap
        + travelled(np.full_like(t, vl), np.full_like(t, al), t)
        - travelled(np.full_like(t, vf), np.full_like(t, b), t)
    )
    got = min_gap_when_braking(np.array([gap]), np.array([vf]), np.array([vl]), np.array([al]), b)[0]
    assert got <= brute + 1e-9
    assert got == pytest.approx(brute, abs=1e-3 * max(1.0, vf * vf / b))


def test_criticality_metrics_known_values(batch_of, scenario, vehicle) -> None:
    ahead = (
        vehicle("ego", 1, 100.0, speed=30.0, is_ego=True),
        vehicle("lead", 1, 130.0, speed=20.0),  # gap 25.5 m, closing 10 m/s
        vehicle("behind", 1, 80.0, speed=35.0),  # gap 15.5 m behind the ego, closing 5 m/s
    )
    cutting = vehicle("cut", 0, 115.0, speed=25.0, y=1.2)  # its box reaches 0.35 m into lane 1
    beside = vehicle("beside", 0, 115.0, speed=25.0)  # stays in lane 0
    batch = batch_of(
        scenario(*ahead, sid="lane"), scenario(*ahead, cutting, sid="cut"), scenario(*ahead, beside)
    )
    got = criticality_metrics(batch)
    assert list(got.columns) == list(METRICS)
    lane, cut, side = (got.iloc[i] for i in range(3))
    assert lane["ego_ttc"] == pytest.approx(2.55)
    assert lane["ego_time_gap"] == pytest.approx(25.5 / 30)
    assert lane["ego_drac"] == pytest.approx(100 / 51)
    assert lane["min_ttc"] == pytest.approx(2.55)  # behind the ego: 15.5 m at 5 m/s, 3.1 s
    assert lane["min_time_gap"] == pytest.approx(15.5 / 35)
    assert cut["ego_ttc"] == pytest.approx(10.5 / 5)
    assert cut["ego_time_gap"] == pytest.approx(10.5 / 30)
    assert side["ego_ttc"] == pytest.approx(
        2.55
    )  # a neighbour that stays in its lane is not ahead of the ego


def test_criticality_metrics_where_undefined(batch_of, scenario, vehicle) -> None:
    alone = scenario(vehicle("ego", 0, 10.0, is_ego=True), sid="alone")
    slower_ego = scenario(vehicle("ego", 0, 10.0, speed=10.0, is_ego=True), vehicle("a", 0, 40.0, speed=20.0))
    no_ego = scenario(vehicle("a", 0, 10.0), vehicle("b", 0, 40.0), sid="no-ego")
    got = criticality_metrics(batch_of(alone, slower_ego, no_ego, None))
    assert math.isinf(got["ego_ttc"].iat[0]) and math.isinf(got["min_time_gap"].iat[0])
    assert math.isinf(got["ego_ttc"].iat[1]) and got["ego_drac"].iat[1] == 0.0
    assert got["ego_time_gap"].iat[1] == pytest.approx(25.5 / 10)
    assert np.isnan(got["ego_ttc"].iat[2]) and got["min_time_gap"].iat[2] == pytest.approx(25.5 / 25)
    assert got.iloc[3].isna().all()


def check(rule, batch) -> list[str | None]:
    result = rule.check(batch)
    assert [r is None for r in result.reasons] == result.mask.tolist()
    return result.reasons


def test_acceleration_limits(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(
            vehicle("ego", is_ego=True, acceleration=-10.0), vehicle("a", 1, acceleration=6.0), sid="edge"
        ),
        scenario(vehicle("ego", is_ego=True), vehicle("a", 1, acceleration=-10.5), sid="hard"),
        scenario(vehicle("ego", is_ego=True, acceleration=7.0), sid="launch"),
    )
    assert check(rules.AccelerationLimits(), batch) == [
        None,
        "scenario 'hard': vehicle 'a' acceleration -10.50 m/s² outside [-10, 6] m/s²",
        "scenario 'launch': vehicle 'ego' acceleration 7.00 m/s² outside [-10, 6] m/s²",
    ]
    assert check(rules.AccelerationLimits(max_acceleration=8.0, max_deceleration=11.0), batch) == [None] * 3
    with pytest.raises(ValueError, match="max_deceleration"):
        rules.AccelerationLimits(max_deceleration=0)


def test_kinematic_feasibility(batch_of, scenario, vehicle) -> None:
    stopped = vehicle("stopped", 1, 130.0, speed=0.0)  # rear bumper 25.5 m ahead of the ego's front
    batch = batch_of(
        scenario(vehicle("ego", 1, 100.0, speed=20.0, is_ego=True), stopped, sid="stops"),  # needs 25 m
        scenario(vehicle("ego", 1, 100.0, speed=21.0, is_ego=True), stopped, sid="late"),  # needs 27.6 m
        scenario(vehicle("ego", 0, 100.0, speed=21.0, is_ego=True), stopped, sid="other-lane"),
        scenario(vehicle("ego", 1, 100.0, speed=30.0, is_ego=True), vehicle("x", 1, 102.0), sid="overlap"),
        scenario(
            vehicle("ego", 1, 100.0, speed=30.0, is_ego=True),
            vehicle("lead", 1, 110.0, speed=30.0, acceleration=-9.5),  # stops 8.9 m sooner
            sid="hard-brake",
        ),
    )
    got = check(rules.KinematicFeasibility(), batch)
    assert got[0] is None and got[2] is None
    assert got[1] == (
        "scenario 'late': vehicle 'ego' at 21.0 m/s cannot stop behind 'stopped' at 0.0 m/s 25.5 m ahead, "
        "which keeps its speed: braking at 8 m/s² it still runs 2.1 m into it"
    )
    assert got[3] is None  # overlapping pairs are the overlap rule's
    assert got[4] is not None and "which brakes at 9.5 m/s²" in got[4]
    assert check(rules.KinematicFeasibility(braking=9.0), batch)[1] is None
    assert check(rules.KinematicFeasibility(braking=9.6), batch)[4] is None
