"""Naturalistic highway traffic drawn as flat numpy arrays: the traffic model of ``driving-naturalistic``.

``driving-naturalistic`` builds initial highway states the way traffic flow
theory describes them. Per scenario it draws a road (lanes, lane width,
speed limit) and a traffic density; each lane gets its own density around
it. Along a lane, vehicles follow one another at *time gaps* (bumper to
bumper, divided by the follower's speed) drawn from a shifted log-normal
distribution, the shape reported for motorway headways (a hard minimum
that few drivers go below, a long right tail of free-flowing vehicles); the
mean gap is the one that gives the lane its density. Speeds scatter around
a lane-dependent desired speed (fastest in lane 0, the leftmost lane as in
highway-env, slowest in the rightmost lane, lower in denser traffic after
Greenshields' speed-density relation); a follower at a short time gap
drives close to its leader's speed, as car following makes it. Trucks (a
share that grows toward the rightmost lane, none in the leftmost lane of a
multi-lane road) are 8-12 m rigid trucks or 15-18.75 m articulated ones and
drive at most ``truck_speed``. One car near a random point of the road is
the ego.

Everything is drawn at once for all scenarios with numpy from the ``rng``
given to ``sample``; scenario ids are 64 random bits from it, so blocks of
a run drawn with different seeds do not share ids (two ids among a million
scenarios coincide with a probability of about 3e-8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from synthgenesis.plugins.driving.params import TrafficParams

# Vehicle bodies (m): passenger cars and vans, rigid trucks, articulated trucks (EU limits 2.55 m, 18.75 m).
CAR_LENGTH, _CAR_LENGTH_SD, _CAR_LENGTH_RANGE = 4.6, 0.35, (3.8, 5.6)
_CAR_WIDTH, _CAR_WIDTH_SD, _CAR_WIDTH_RANGE = 1.82, 0.07, (1.6, 2.05)
_RIGID_LENGTH = (8.0, 12.0)
_ARTICULATED_SHARE, _ARTICULATED_LENGTH, _ARTICULATED_RANGE = 0.6, 16.5, (15.0, 18.75)
_TRUCK_WIDTH, _TRUCK_WIDTH_RANGE = 2.52, (2.45, 2.6)
_MEAN_TRUCK_LENGTH = _ARTICULATED_SHARE * _ARTICULATED_LENGTH + (1 - _ARTICULATED_SHARE) * 10.0
SPEED_FLOOR = 0.3  # slowest vehicle, as a share of the speed limit
_ROUNDING = 0.01  # m kept free of each lane edge, for the rounding of written positions and sizes


@dataclass
class Traffic:
    """Scenarios as flat numpy arrays: per scenario (``lanes`` ...) and per vehicle, grouped by scenario."""

    lanes: np.ndarray
    lane_width: np.ndarray
    speed_limit: np.ndarray
    scene: np.ndarray  # per vehicle from here on
    lane: np.ndarray
    x: np.ndarray
    y: np.ndarray
    speed: np.ndarray
    heading: np.ndarray
    length: np.ndarray
    width: np.ndarray
    acceleration: np.ndarray
    truck: np.ndarray
    ego: np.ndarray

    VEHICLE: ClassVar[tuple[str, ...]] = (
        "scene",
        "lane",
        "x",
        "y",
        "speed",
        "heading",
        "length",
        "width",
        "acceleration",
        "truck",
        "ego",
    )

    def take(self, index: np.ndarray) -> Traffic:
        """The vehicles at ``index`` (in that order); per-scenario arrays are kept."""
        return replace(self, **{k: getattr(self, k)[index] for k in self.VEHICLE})

    def extend(self, other: dict[str, np.ndarray]) -> Traffic:
        """These vehicles followed by ``other``'s (one array per vehicle field)."""
        return replace(self, **{k: np.concatenate([getattr(self, k), other[k]]) for k in self.VEHICLE})

    def ego_index(self) -> np.ndarray:
        """Per scenario, the position of its ego vehicle in the vehicle arrays."""
        out = np.full(len(self.lanes), -1, dtype=int)
        where = np.flatnonzero(self.ego)
        out[self.scene[where]] = where
        return out


def _clipped_normal(
    rng: np.random.Generator, mean: Any, sd: Any, bounds: tuple[float, float], size: Any
) -> Any:
    return np.clip(rng.normal(mean, sd, size), *bounds)


def car_bodies(rng: np.random.Generator, size: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lengths and widths (m) of passenger cars and vans, ``size`` of each."""
    length = _clipped_normal(rng, CAR_LENGTH, _CAR_LENGTH_SD, _CAR_LENGTH_RANGE, size)
    width = _clipped_normal(rng, _CAR_WIDTH, _CAR_WIDTH_SD, _CAR_WIDTH_RANGE, size)
    return length, width


def lateral_pose(
    rng: np.random.Generator, p: TrafficParams, length: Any, width: Any, lane_width: Any, size: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Heading and lateral offset such that the rotated box stays inside its lane."""
    limit = 3 * p.heading_noise
    heading = np.clip(rng.normal(0.0, p.heading_noise, size), -limit, limit)
    half = length / 2 * np.abs(np.sin(heading)) + width / 2 * np.cos(heading)
    room = np.maximum(lane_width / 2 - half - _ROUNDING, 0.0)
    y = np.clip(rng.normal(0.0, p.lateral_noise, size), -room, room)
    return heading, y


def _truck_probability(p: TrafficParams, lanes: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Per lane: trucks grow linearly from none in the leftmost lane to most in the rightmost one."""
    weight = np.where(lanes > 1, position / 0.5, 1.0)  # mean weight over a road's lanes is 1
    return np.clip(p.truck_share * weight, 0.0, 0.95)


def sample_traffic(p: TrafficParams, n: int, rng: np.random.Generator) -> Traffic:
    """``n`` naturalistic scenarios as flat arrays (see the module docstring for the model)."""
    lanes = rng.choice(np.asarray(p.lanes), size=n)
    lane_width = np.round(rng.uniform(*p.lane_width, size=n), 2)
    limit = rng.choice(np.asarray(p.speed_limits), size=n)
    density = rng.uniform(*p.density, size=n)

    # One row per lane of every scenario; lane 0 is the leftmost (fastest) lane.
    rows = int(lanes.sum())
    scene = np.repeat(np.arange(n), lanes)
    lane = np.arange(rows) - np.repeat(np.cumsum(lanes) - lanes, lanes)
    position = np.where(lanes[scene] > 1, lane / np.maximum(lanes[scene] - 1, 1), 0.0)  # 0 left .. 1 right
    s = p.lane_density_noise
    lane_density = np.minimum(density[scene] * np.exp(rng.normal(-s * s / 2, s, rows)), 0.9 * p.jam_density)
    flow = np.maximum(1.0 - lane_density / p.jam_density, 0.35)
    lane_speed = limit[scene] * (p.desired_speed - p.lane_speed_drop * position) * flow
    floor, cap = SPEED_FLOOR * limit[scene], p.speed_cap * limit[scene]
    lane_speed = np.clip(lane_speed, floor, cap)
    truck_p = _truck_probability(p, lanes[scene], position)

    # Slots along each lane: enough for the densest packing the time-gap floor allows.
    shortest = p.time_gap_shift * SPEED_FLOOR * min(p.speed_limits) + _CAR_LENGTH_RANGE[0]
    slots = math.ceil(p.road_length / shortest) + 2
    shape = (rows, slots)
    truck = rng.random(shape) < truck_p[:, None]
    car_length, car_width = car_bodies(rng, shape)
    articulated = rng.random(shape) < _ARTICULATED_SHARE
    truck_length = np.where(
        articulated,
        _clipped_normal(rng, _ARTICULATED_LENGTH, 0.4, _ARTICULATED_RANGE, shape),
        rng.uniform(*_RIGID_LENGTH, shape),
    )
    truck_width = _clipped_normal(rng, _TRUCK_WIDTH, 0.03, _TRUCK_WIDTH_RANGE, shape)
    length = np.where(truck, truck_length, car_length)
    width = np.where(truck, truck_width, car_width)

    desired = np.where(truck, np.minimum(lane_speed[:, None], p.truck_speed), lane_speed[:, None])
    spread = np.where(truck, p.speed_noise / 2, p.speed_noise)
    speed = np.clip(desired * (1 + spread * rng.standard_normal(shape)), floor[:, None], cap[:, None])

    # Shifted log-normal time gaps whose mean gives each lane its density.
    mean_length = (1 - truck_p) * CAR_LENGTH + truck_p * _MEAN_TRUCK_LENGTH
    mean_time_gap = (1000.0 / lane_density - mean_length) / lane_speed
    scale = np.maximum(mean_time_gap - p.time_gap_shift, 0.05)
    sigma = p.time_gap_sigma
    mu = np.log(scale) - sigma**2 / 2
    time_gap = p.time_gap_shift + np.exp(mu[:, None] + sigma * rng.standard_normal(shape))

    # Car following: slot k follows slot k + 1 and drifts toward its speed when close behind it.
    pull = np.exp(-time_gap[:, :-1] / p.follow_time)
    speed[:, :-1] += pull * (speed[:, 1:] - speed[:, :-1])
    gap = time_gap * speed

    rear = rng.random(rows) * 1000.0 / lane_density  # rear bumper of each lane's first vehicle
    step = length[:, :-1] / 2 + gap[:, :-1] + length[:, 1:] / 2
    x = np.concatenate([np.zeros((rows, 1)), np.cumsum(step, axis=1)], axis=1)
    x += (rear + length[:, 0] / 2)[:, None]
    valid = x + length / 2 <= p.road_length

    heading, y = lateral_pose(rng, p, length, width, lane_width[scene][:, None], shape)
    limit_a = 3 * p.acceleration_noise
    acceleration = np.clip(rng.normal(0.0, p.acceleration_noise, shape), -limit_a, limit_a)

    # The ego: the car of a random lane closest to a random point; its lane always has a vehicle.
    ego_lane = rng.integers(0, lanes)
    target = rng.uniform(*p.ego_position, size=n) * p.road_length
    ego_row = np.cumsum(lanes) - lanes + ego_lane
    first = x[ego_row, 0]
    x[ego_row, 0] = np.minimum(first, p.road_length - length[ego_row, 0] / 2)
    valid[ego_row, 0] = True
    distance = np.abs(x[ego_row] - target[:, None])
    car_cost = np.where(valid[ego_row] & ~truck[ego_row], distance, np.inf)
    slot = np.argmin(car_cost, axis=1)
    no_car = np.isinf(car_cost[np.arange(n), slot])
    slot = np.where(no_car, np.argmin(np.where(valid[ego_row], distance, np.inf), axis=1), slot)
    # A truck made the ego becomes a car: a shorter, narrower body cannot reach any neighbour.
    truck[ego_row, slot] = False
    length[ego_row, slot] = car_length[ego_row, slot]
    width[ego_row, slot] = car_width[ego_row, slot]
    acceleration[ego_row, slot] = 0.0
    ego = np.zeros(shape, dtype=bool)
    ego[ego_row, slot] = True

    keep = valid.ravel()
    return Traffic(
        lanes=lanes,
        lane_width=lane_width,
        speed_limit=limit,
        scene=np.repeat(scene, slots)[keep],
        lane=np.repeat(lane, slots)[keep],
        x=x.ravel()[keep],
        y=y.ravel()[keep],
        speed=speed.ravel()[keep],
        heading=heading.ravel()[keep],
        length=length.ravel()[keep],
        width=width.ravel()[keep],
        acceleration=acceleration.ravel()[keep],
        truck=truck.ravel()[keep],
        ego=ego.ravel()[keep],
    )
