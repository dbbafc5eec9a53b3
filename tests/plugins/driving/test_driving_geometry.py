"""Vehicle geometry: pair enumeration, the separating-axis overlap test, lane gaps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from matplotlib.path import Path as PolyPath

from synthgenesis.plugins.driving.fleet import (
    box_overlap,
    build_fleet,
    lane_followers,
    overlapping_pairs,
    vehicle_pairs,
)


def test_pairs_stay_within_each_scenario(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(*(vehicle(f"a{k}", 0, 10.0 * k) for k in range(3)), sid="a"),
        None,
        scenario(*(vehicle(f"b{k}", 0, 10.0 * k) for k in range(4)), sid="b"),
        scenario(vehicle("c0"), sid="c"),
    )
    fleet = build_fleet(batch)
    i, j = vehicle_pairs(fleet)
    assert len(i) == 3 + 6  # C(3,2) + C(4,2); a lone vehicle has no pair
    assert (fleet.row[i] == fleet.row[j]).all() and (i < j).all()
    assert {(fleet.vid[a], fleet.vid[b]) for a, b in zip(i, j, strict=True)} >= {("a0", "a2"), ("b1", "b3")}


def _depth(batch_of, scenario, *vehicles) -> float:
    fleet = build_fleet(batch_of(scenario(*vehicles, lane_width=3.5)))
    return float(box_overlap(fleet, np.array([0]), np.array([1]))[0])


def test_axis_aligned_known_depths(batch_of, scenario, vehicle) -> None:
    # 4.5 m cars 3 m apart along the lane overlap by 1.5 m
    assert _depth(batch_of, scenario, vehicle("a", 0, 100.0), vehicle("b", 0, 103.0)) == pytest.approx(1.5)
    # 1 m apart bumper to bumper: a gap of -1 m
    assert _depth(batch_of, scenario, vehicle("a", 0, 100.0), vehicle("b", 0, 105.5)) == pytest.approx(-1.0)
    # side by side in neighbouring lanes 3.5 m apart with 1.8 m widths: 1.7 m clearance
    assert _depth(batch_of, scenario, vehicle("a", 0, 100.0), vehicle("b", 1, 100.0)) == pytest.approx(-1.7)
    # lateral offsets bring them 0.2 m into each other
    a, b = vehicle("a", 0, 100.0, y=0.95), vehicle("b", 1, 100.0, y=-0.95)
    assert _depth(batch_of, scenario, a, b) == pytest.approx(0.2)


def test_rotation_matters(batch_of, scenario, vehicle) -> None:
    # Two 4 x 1 m boxes whose centres are 2.2 m apart across the lane do not touch when parallel,
    # and do when one is turned 90 degrees (its 2 m half-length reaches across).
    a = vehicle("a", 0, 100.0, length=4.0, width=1.0, y=-1.1)
    b = vehicle("b", 0, 100.0, length=4.0, width=1.0, y=1.1)
    assert _depth(batch_of, scenario, a, b) == pytest.approx(-1.2)
    b_turned = dict(b, heading=math.pi / 2)
    assert _depth(batch_of, scenario, a, b_turned) == pytest.approx(0.3)
    # A diamond off the corner of a square: their axis-aligned bounding boxes overlap, the boxes do not;
    # the gap is along the diagonal, from the square's corner (101, 1) to the diamond's nearest edge.
    c = vehicle("c", 0, 100.0, length=2.0, width=2.0)
    d = vehicle("d", 0, 102.1, y=2.1, length=2.0, width=2.0, heading=math.pi / 4)
    assert _depth(batch_of, scenario, c, d) == pytest.approx(-(2.2 - math.sqrt(2)) / math.sqrt(2))


def test_touching_boxes_do_not_overlap(batch_of, scenario, vehicle) -> None:
    fleet = build_fleet(batch_of(scenario(vehicle("a", 0, 100.0), vehicle("b", 0, 104.5))))
    assert len(overlapping_pairs(fleet)[0]) == 0


def _polygon(x: float, y: float, length: float, width: float, heading: float) -> PolyPath:
    c, s = math.cos(heading), math.sin(heading)
    corners = [
        (x + dx * c - dy * s, y + dx * s + dy * c)
        for dx, dy in [
            (-length / 2, -width / 2),
            (length / 2, -width / 2),
            (length / 2, width / 2),
            (-length / 2, width / 2),
        ]
    ]
    return PolyPath([*corners, corners[0]], closed=True)


_box = st.tuples(
    st.floats(90, 110), st.floats(-4, 4), st.floats(0.5, 8), st.floats(0.3, 3), st.floats(-math.pi, math.pi)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_box, _box)
def test_separating_axis_agrees_with_polygon_intersection(batch_of, scenario, vehicle, a, b) -> None:
    vehicles = [
        vehicle(name, 0, x, y=y, length=length, width=width, heading=heading)
        for name, (x, y, length, width, heading) in (("a", a), ("b", b))
    ]
    fleet = build_fleet(batch_of(scenario(*vehicles, lane_width=100.0)))
    depth = float(box_overlap(fleet, np.array([0]), np.array([1]))[0])
    assume(abs(depth) > 1e-6)  # grazing contact is decided by rounding either way
    expected = _polygon(*a).intersects_path(_polygon(*b), filled=True)
    assert (depth > 0) == expected
    assert (len(overlapping_pairs(fleet)[0]) == 1) == expected  # the bounding-circle filter loses nothing


def test_lane_followers(batch_of, scenario, vehicle) -> None:
    batch = batch_of(
        scenario(
            vehicle("lead", 0, 150.0, length=5.0),
            vehicle("follow", 0, 100.0),
            vehicle("alone", 1, 120.0),
            vehicle("truck", 0, 200.0, length=15.0),
        )
    )
    fleet = build_fleet(batch)
    follower, leader, gap = lane_followers(fleet)
    pairs = {(fleet.vid[f], fleet.vid[ahead]): g for f, ahead, g in zip(follower, leader, gap, strict=True)}
    assert pairs == {("follow", "lead"): pytest.approx(45.25), ("lead", "truck"): pytest.approx(40.0)}
