"""Generators of the ``driving`` domain: naturalistic highway traffic and safety-critical variants of it.

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

``driving-critical`` starts from the same scenarios and rearranges the
traffic around the ego into one of three safety-critical situations, more
extreme as ``criticality`` goes from 0 to 1: a slower leader close ahead
(``close-follow``), a leader that brakes hard at a short time gap
(``braking-lead``) or a vehicle of an adjacent lane cutting in just ahead
(``cut-in``). It moves vehicles without checking what they land on: a
moved vehicle can overlap another one, or start in a crash nobody could
brake out of; the domain rules reject those scenarios, which is the point.

Everything is drawn at once for all scenarios with numpy from the ``rng``
given to ``sample``; scenario ids are 64 random bits from it, so blocks of
a run drawn with different seeds do not share ids (two ids among a million
scenarios coincide with a probability of about 3e-8).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.files import RECORD_ID
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN, build_fleet, lane_followers
from synthgenesis.plugins.driving.schema import SCHEMA_VERSION
from synthgenesis.types import READ_ERROR_COLUMN, Generator

MANOEUVRES = ("close-follow", "braking-lead", "cut-in")

# Vehicle bodies (m): passenger cars and vans, rigid trucks, articulated trucks (EU limits 2.55 m, 18.75 m).
_CAR_LENGTH, _CAR_LENGTH_SD, _CAR_LENGTH_RANGE = 4.6, 0.35, (3.8, 5.6)
_CAR_WIDTH, _CAR_WIDTH_SD, _CAR_WIDTH_RANGE = 1.82, 0.07, (1.6, 2.05)
_RIGID_LENGTH = (8.0, 12.0)
_ARTICULATED_SHARE, _ARTICULATED_LENGTH, _ARTICULATED_RANGE = 0.6, 16.5, (15.0, 18.75)
_TRUCK_WIDTH, _TRUCK_WIDTH_RANGE = 2.52, (2.45, 2.6)
_MEAN_TRUCK_LENGTH = _ARTICULATED_SHARE * _ARTICULATED_LENGTH + (1 - _ARTICULATED_SHARE) * 10.0
_SPEED_FLOOR = 0.3  # slowest vehicle, as a share of the speed limit
_TRUCK_LENGTH = 7.0  # a vehicle at least this long counts as a truck when fitting
_ROUNDING = 0.01  # m kept free of each lane edge, for the rounding of written positions and sizes


def _pair(value: Any, name: str, low: float = 0.0) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a [low, high] pair of numbers, got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a < low or b < a:
        raise ValueError(f"{name} must be a pair low <= high with low >= {low:g}, got {value!r}")
    return a, b


def _number(value: Any, name: str, low: float, high: float = math.inf, *, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (open_low and value == low):
        bound = f"{'>' if open_low else '>='} {low:g}" + (f" and <= {high:g}" if high < math.inf else "")
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class TrafficParams:
    """Parameters of naturalistic highway traffic (SI units; speeds in m/s). See the module docstring."""

    lanes: tuple[int, ...] = (2, 3, 4)  # lane counts, drawn uniformly
    lane_width: tuple[float, float] = (3.5, 3.75)  # uniform range (m)
    speed_limits: tuple[float, ...] = (27.78, 33.33, 36.11)  # 100, 120, 130 km/h, drawn uniformly
    road_length: float = 500.0  # m
    density: tuple[float, float] = (6.0, 28.0)  # scenario density, uniform range (vehicles per km per lane)
    lane_density_noise: float = 0.25  # log-normal spread of each lane's density around the scenario's
    jam_density: float = 140.0  # vehicles per km per lane at standstill (Greenshields)
    truck_share: float = 0.12  # expected share of trucks
    truck_speed: float = 23.6  # trucks' desired speed (85 km/h)
    desired_speed: float = 1.0  # free-flow speed of the leftmost lane, as a multiple of the limit
    lane_speed_drop: float = 0.12  # how much slower the rightmost lane is, as a multiple of the limit
    speed_noise: float = 0.07  # coefficient of variation of cars' speeds (trucks: half)
    speed_cap: float = 1.15  # no vehicle faster than this multiple of the limit
    time_gap_shift: float = 0.5  # s, the shift (smallest time gap) of the log-normal
    time_gap_sigma: float = 0.6  # log-scale spread of time gaps
    follow_time: float = (
        1.0  # s; a follower at time gap t takes exp(-t / follow_time) of the speed difference
    )
    lateral_noise: float = 0.2  # m, sd of the offset from the lane centre (boxes stay in their lane)
    heading_noise: float = 0.005  # rad, sd of the yaw
    acceleration_noise: float = 0.3  # m/s^2, sd of the initial acceleration (clipped at 3 sd)
    ego_position: tuple[float, float] = (0.3, 0.5)  # ego near this share of the road length, uniform
    duration: float = 30.0  # s, the duration written into each scenario

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        try:
            lanes = tuple(int(v) for v in self.lanes)
        except (TypeError, ValueError):
            raise ValueError(f"lanes must be a list of lane counts, got {self.lanes!r}") from None
        if (
            not lanes
            or any(k < 1 or k > 12 for k in lanes)
            or any(float(a) != k for a, k in zip(self.lanes, lanes, strict=True))
        ):
            raise ValueError(f"lanes must be lane counts between 1 and 12, got {self.lanes!r}")
        set_(self, "lanes", lanes)
        try:
            limits = tuple(float(v) for v in self.speed_limits)
        except (TypeError, ValueError):
            raise ValueError(
                f"speed_limits must be a list of speeds (m/s), got {self.speed_limits!r}"
            ) from None
        if not limits or any(not math.isfinite(v) or v < 3.0 or v > 60.0 for v in limits):
            raise ValueError(f"speed_limits must be speeds between 3 and 60 m/s, got {self.speed_limits!r}")
        set_(self, "speed_limits", limits)
        set_(self, "lane_width", _pair(self.lane_width, "lane_width", low=2.5))
        set_(self, "density", _pair(self.density, "density", low=0.1))
        set_(self, "ego_position", _pair(self.ego_position, "ego_position"))
        if self.ego_position[1] > 1:
            raise ValueError(f"ego_position must lie within [0, 1], got {self.ego_position!r}")
        checks = {
            "road_length": (50.0, 5000.0),
            "lane_density_noise": (0.0, 2.0),
            "jam_density": (50.0, 300.0),
            "truck_share": (0.0, 0.9),
            "truck_speed": (3.0, 60.0),
            "desired_speed": (0.3, 1.15),
            "lane_speed_drop": (0.0, 0.5),
            "speed_noise": (0.0, 0.5),
            "speed_cap": (0.5, 1.2),
            "time_gap_shift": (0.0, 5.0),
            "time_gap_sigma": (0.0, 2.0),
            "follow_time": (0.0, 10.0),
            "lateral_noise": (0.0, 1.0),
            "heading_noise": (0.0, 0.2),
            "acceleration_noise": (0.0, 2.0),
            "duration": (0.0, 3600.0),
        }
        for name, (low, high) in checks.items():
            set_(self, name, _number(getattr(self, name), name, low, high))
        for name in ("follow_time", "duration"):
            _number(getattr(self, name), name, 0.0, open_low=True)
        if self.density[1] >= self.jam_density:
            raise ValueError(f"density {self.density!r} must stay below jam_density {self.jam_density:g}")

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


PARAMETERS = tuple(f.name for f in fields(TrafficParams))


# --------------------------------------------------------------------------- traffic as flat arrays


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
        return replace(self, **{k: getattr(self, k)[index] for k in self.VEHICLE})

    def extend(self, other: dict[str, np.ndarray]) -> Traffic:
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


def _car_bodies(rng: np.random.Generator, size: Any) -> tuple[np.ndarray, np.ndarray]:
    length = _clipped_normal(rng, _CAR_LENGTH, _CAR_LENGTH_SD, _CAR_LENGTH_RANGE, size)
    width = _clipped_normal(rng, _CAR_WIDTH, _CAR_WIDTH_SD, _CAR_WIDTH_RANGE, size)
    return length, width


def _lateral(
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
    floor, cap = _SPEED_FLOOR * limit[scene], p.speed_cap * limit[scene]
    lane_speed = np.clip(lane_speed, floor, cap)
    truck_p = _truck_probability(p, lanes[scene], position)

    # Slots along each lane: enough for the densest packing the time-gap floor allows.
    shortest = p.time_gap_shift * _SPEED_FLOOR * min(p.speed_limits) + _CAR_LENGTH_RANGE[0]
    slots = math.ceil(p.road_length / shortest) + 2
    shape = (rows, slots)
    truck = rng.random(shape) < truck_p[:, None]
    car_length, car_width = _car_bodies(rng, shape)
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
    mean_length = (1 - truck_p) * _CAR_LENGTH + truck_p * _MEAN_TRUCK_LENGTH
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

    heading, y = _lateral(rng, p, length, width, lane_width[scene][:, None], shape)
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


# --------------------------------------------------------------------------- criticality


def _lerp(low: float, high: float, c: float) -> float:
    return low + (high - low) * c


def make_critical(
    traffic: Traffic,
    p: TrafficParams,
    criticality: float,
    manoeuvres: Sequence[str],
    rng: np.random.Generator,
) -> tuple[Traffic, np.ndarray, np.ndarray]:
    """Rearrange the traffic around each ego into a critical situation.

    Returns the new traffic (sorted), the manoeuvre index of each scenario and
    the vehicle index (in the returned traffic) of the vehicle each one moved
    or added. All draws are made for every scenario, so the random stream
    does not depend on which manoeuvre a scenario got.
    """
    c = criticality
    n = len(traffic.lanes)
    t = traffic
    ego = t.ego_index()
    kinds = np.asarray([MANOEUVRES.index(m) for m in manoeuvres])
    kind = kinds[rng.integers(0, len(kinds), size=n)]
    v_ego, x_ego, l_ego = t.speed[ego], t.x[ego], t.length[ego]
    lane_ego = t.lane[ego]
    limit = t.speed_limit
    floor = _SPEED_FLOOR * limit

    # Draws for every scenario, used by the manoeuvre it got.
    ttc = _lerp(10.0, 1.5, c) * rng.uniform(0.7, 1.3, n)
    closing = rng.uniform(2.0, _lerp(6.0, 15.0, c), n)
    brake_gap = _lerp(2.0, 0.5, c) * rng.uniform(0.8, 1.2, n)
    brake_ratio = rng.uniform(0.9, 1.0, n)
    brake = _lerp(2.0, 9.0, c) * rng.uniform(0.8, 1.0, n)
    cut_gap = _lerp(1.5, 0.2, c) * rng.uniform(0.7, 1.3, n)
    cut_slower = c * rng.uniform(0.0, 4.0, n)
    cut_offset = _lerp(0.15, 0.42, c) * rng.uniform(0.9, 1.1, n)
    cut_yaw = _lerp(0.01, 0.06, c) * rng.uniform(0.8, 1.2, n)
    side = np.where(rng.random(n) < 0.5, -1, 1)
    new_length, new_width = _car_bodies(rng, n)
    limit_a = 3 * p.acceleration_noise
    new_accel = np.clip(rng.normal(0.0, p.acceleration_noise, n), -limit_a, limit_a)

    # A cut-in needs an adjacent lane: prefer the drawn side, else the other; single lanes follow closely.
    cut_lane = lane_ego + side
    cut_lane = np.where((cut_lane < 0) | (cut_lane >= t.lanes), lane_ego - side, cut_lane)
    single = (cut_lane < 0) | (cut_lane >= t.lanes)
    kind = np.where((kind == 2) & single, 0, kind)
    target_lane = np.where(kind == 2, cut_lane, lane_ego)

    # The vehicle to move: the ego's leader, or for a cut-in the adjacent-lane vehicle closest to the spot.
    leader = ego + 1
    has_leader = (leader < len(t.x)) & (t.scene[np.minimum(leader, len(t.x) - 1)] == np.arange(n))
    has_leader &= t.lane[np.minimum(leader, len(t.x) - 1)] == lane_ego
    spot = x_ego + (l_ego + _CAR_LENGTH) / 2 + cut_gap * v_ego
    candidates = np.flatnonzero((t.lane == target_lane[t.scene]) & ~t.ego & (kind[t.scene] == 2))
    cost = np.abs(t.x[candidates] - spot[t.scene[candidates]])
    order = np.lexsort((cost, t.scene[candidates]))
    scenes, first = np.unique(t.scene[candidates][order], return_index=True)
    chosen = np.full(n, -1, dtype=int)
    chosen[scenes] = candidates[order][first]
    chosen = np.where(kind == 2, chosen, np.where(has_leader, leader, -1))

    # Add a car where there is none to move.
    missing = np.flatnonzero(chosen < 0)
    heading0, y0 = _lateral(rng, p, new_length, new_width, t.lane_width, n)
    added = {
        "scene": missing,
        "lane": target_lane[missing],
        "x": x_ego[missing],
        "y": y0[missing],
        "speed": v_ego[missing],
        "heading": heading0[missing],
        "length": new_length[missing],
        "width": new_width[missing],
        "acceleration": new_accel[missing],
        "truck": np.zeros(len(missing), dtype=bool),
        "ego": np.zeros(len(missing), dtype=bool),
    }
    chosen[missing] = len(t.x) + np.arange(len(missing))
    t = t.extend(added)
    moved = chosen
    length = t.length[moved]

    # close-follow: a slower leader at a small time to collision.
    lead_speed = np.maximum(v_ego - closing, floor)
    follow_gap = ttc * np.maximum(v_ego - lead_speed, 0.5)
    # braking-lead: a leader at about the ego's speed, a short time gap ahead, braking hard.
    brake_speed = np.maximum(v_ego * brake_ratio, floor)
    # cut-in: a slower car just ahead, half into the ego's lane and heading into it.
    cut_speed = np.maximum(v_ego - cut_slower, floor)
    toward = np.sign(lane_ego - target_lane)
    gap = np.select([kind == 0, kind == 1], [follow_gap, brake_gap * v_ego], cut_gap * v_ego)
    # A leader only ever moves back toward the ego: further ahead it would be less critical (and could
    # land on its own leader).
    current = t.x[moved] - x_ego - (l_ego + length) / 2
    gap = np.where((kind < 2) & has_leader, np.minimum(gap, current), gap)
    t.x[moved] = x_ego + (l_ego + length) / 2 + gap
    t.speed[moved] = np.select([kind == 0, kind == 1], [lead_speed, brake_speed], cut_speed)
    t.acceleration[moved] = np.where(kind == 1, -brake, t.acceleration[moved])
    cutting = kind == 2
    t.y[moved] = np.where(cutting, toward * cut_offset * t.lane_width, t.y[moved])
    t.heading[moved] = np.where(cutting, toward * cut_yaw, t.heading[moved])
    marker = np.zeros(len(t.x), dtype=bool)
    marker[moved] = True
    order = np.lexsort((t.x, t.lane, t.scene))
    t = t.take(order)
    return t, kind, np.flatnonzero(marker[order])


# --------------------------------------------------------------------------- scenarios


def _scenario_ids(prefix: str, n: int, rng: np.random.Generator) -> list[str]:
    codes = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
    return [f"{prefix}-{int(code):016x}" for code in codes]


def to_batch(
    traffic: Traffic,
    p: TrafficParams,
    ids: list[str],
    metadata: list[dict[str, Any]],
    moved: np.ndarray | None = None,
) -> pd.DataFrame:
    """Scenario dicts (schema version 1) in a batch as the domain reader builds it.

    Vehicles are named ``ego``, ``car-<k>`` and ``truck-<k>`` in order of lane and position.
    """
    n = len(traffic.lanes)
    counts = np.bincount(traffic.scene, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    local = np.arange(len(traffic.scene)) - starts[traffic.scene]
    kind = np.where(traffic.truck, "truck", "car")
    names = [
        "ego" if e else f"{k}-{i:02d}"
        for e, k, i in zip(traffic.ego.tolist(), kind.tolist(), local.tolist(), strict=True)
    ]
    vehicles = [
        {
            "id": name,
            "lane": lane,
            "x": x,
            "y": y,
            "speed": speed,
            "heading": heading,
            "length": length,
            "width": width,
            "acceleration": acceleration,
            "is_ego": ego,
        }
        for name, lane, x, y, speed, heading, length, width, acceleration, ego in zip(
            names,
            traffic.lane.tolist(),
            np.round(traffic.x, 2).tolist(),
            np.round(traffic.y, 3).tolist(),
            np.round(traffic.speed, 2).tolist(),
            np.round(traffic.heading, 4).tolist(),
            np.round(traffic.length, 2).tolist(),
            np.round(traffic.width, 2).tolist(),
            np.round(traffic.acceleration, 2).tolist(),
            traffic.ego.tolist(),
            strict=True,
        )
    ]
    if moved is not None:
        for s, k in zip(traffic.scene[moved].tolist(), moved.tolist(), strict=True):
            metadata[s]["target"] = names[k]
    lanes, widths = traffic.lanes.tolist(), traffic.lane_width.tolist()
    limits = traffic.speed_limit.tolist()
    scenarios = []
    for s in range(n):
        a, b = int(starts[s]), int(starts[s] + counts[s])
        scenarios.append(
            {
                "schema_version": SCHEMA_VERSION,
                "id": ids[s],
                "road": {
                    "lanes": int(lanes[s]),
                    "lane_width": widths[s],
                    "length": p.road_length,
                    "speed_limit": limits[s],
                },
                "vehicles": vehicles[a:b],
                "duration": p.duration,
                "metadata": metadata[s],
            }
        )
    return pd.DataFrame(
        {
            RECORD_ID: pd.Series(ids, dtype=object),
            SAMPLE_COLUMN: pd.Series(scenarios, dtype=object),
            READ_ERROR_COLUMN: pd.Series([None] * n, dtype=object),
        }
    )


# --------------------------------------------------------------------------- fitting


def estimate(reference: pd.DataFrame, base: TrafficParams) -> TrafficParams:
    """Traffic parameters measured on real scenarios; the others are kept from ``base``.

    Measured: lane counts, lane-width range, speed limits, the density range
    (5th to 95th percentile of per-lane densities), the truck share (vehicles
    at least 7 m long), and the time-gap shift (0.9 x the 1st percentile)
    and log-spread (pooled within lanes, so that density differences between
    lanes do not inflate it). Rows without a usable scenario are ignored.
    """
    fleet = build_fleet(reference)
    usable = np.array([q is None for q in fleet.problems], dtype=bool)
    if not usable.any() or len(fleet.row) == 0:
        raise ValueError("the reference has no usable scenario with vehicles to estimate traffic from")
    lanes = fleet.lanes[usable].astype(int)
    changes: dict[str, Any] = {
        "lanes": tuple(sorted(set(lanes.tolist()))),
        "lane_width": (float(fleet.lane_width[usable].min()), float(fleet.lane_width[usable].max())),
        "speed_limits": tuple(sorted(set(np.round(fleet.speed_limit[usable], 2).tolist()))),
        "truck_share": float(np.mean(fleet.length >= _TRUCK_LENGTH)),
    }
    # Scenario densities; a uniform range whose 5th and 95th percentiles match theirs.
    km = fleet.road_length[usable] / 1000.0
    scenario_density = fleet.n_vehicles[usable] / (lanes * km)
    lo, hi = np.percentile(scenario_density, [5, 95])
    pad = 0.05 * (hi - lo) / 0.9
    changes["density"] = (float(max(lo - pad, 0.1)), float(min(max(hi + pad, lo), 0.9 * base.jam_density)))
    changes["road_length"] = float(np.median(fleet.road_length[usable]))
    lane_index = fleet.lane.astype(int)
    key = fleet.row * (int(lane_index.max() - lane_index.min()) + 1) + (lane_index - lane_index.min())

    follower, _, gap = lane_followers(fleet)
    speed = fleet.speed[follower]
    ok = (gap > 0) & (speed > 1.0)
    fitted = fit_time_gaps(gap[ok] / speed[ok], key[follower][ok])
    if fitted is not None:
        changes["time_gap_shift"], changes["time_gap_sigma"] = fitted
    return replace(base, **changes)


def fit_time_gaps(time_gap: np.ndarray, lane: np.ndarray, grid: int = 100) -> tuple[float, float] | None:
    """Shift and log-spread of shifted log-normal time gaps, by profile likelihood.

    Each lane (``lane`` labels the groups) has its own log-mean, since its
    density sets its mean gap; the shift and the spread are shared. For each
    shift on a grid below the smallest gap, the spread is the pooled
    within-lane deviation of ``log(gap - shift)``; the shift that maximises
    the log-likelihood wins. ``None`` with fewer than 10 gaps.
    """
    if len(time_gap) < 10:
        return None
    _, group = np.unique(lane, return_inverse=True)
    counts = np.bincount(group)
    shifts = np.linspace(0.0, 0.995 * float(time_gap.min()), grid)
    best: tuple[float, float, float] | None = None
    for shift in shifts.tolist():
        logs = np.log(time_gap - shift)
        means = np.bincount(group, weights=logs) / counts
        sigma2 = float(np.mean((logs - means[group]) ** 2))
        if sigma2 <= 0:
            continue
        loglik = -float(logs.sum()) - len(logs) / 2 * math.log(sigma2)
        if best is None or loglik > best[0]:
            best = (loglik, shift, math.sqrt(sigma2))
    if best is None:
        return None
    dof = len(time_gap) - len(counts)
    return best[1], best[2] * math.sqrt(len(time_gap) / dof) if dof > 0 else best[2]


# --------------------------------------------------------------------------- generators


class NaturalisticTraffic(Generator):
    """Naturalistic highway scenarios (see the module docstring); ``fit`` is optional."""

    requires_fit = False
    prefix: ClassVar[str] = "naturalistic"

    def __init__(self, params: TrafficParams | None = None) -> None:
        super().__init__()
        self.params = params or TrafficParams()

    def _fit(self, reference: pd.DataFrame) -> None:
        self.params = estimate(reference, self.params)

    def _metadata(self, n: int) -> list[dict[str, Any]]:
        return [{"generator": f"driving-{self.prefix}"} for _ in range(n)]

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        ids = _scenario_ids(self.prefix, n, rng)
        traffic = sample_traffic(self.params, n, rng)
        return to_batch(traffic, self.params, ids, self._metadata(n))

    def get_state(self) -> dict[str, Any]:
        return {"params": self.params.to_dict(), "fitted": self.fitted}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> NaturalisticTraffic:
        gen = cls(TrafficParams(**state["params"]))
        gen._fitted = bool(state.get("fitted", False))
        return gen


class CriticalTraffic(NaturalisticTraffic):
    """Naturalistic scenarios rearranged into critical situations around the ego (module docstring)."""

    prefix: ClassVar[str] = "critical"

    def __init__(
        self,
        params: TrafficParams | None = None,
        criticality: float = 0.5,
        manoeuvres: Sequence[str] = MANOEUVRES,
    ) -> None:
        super().__init__(params)
        self.criticality = _number(criticality, "criticality", 0.0, 1.0)
        names = [manoeuvres] if isinstance(manoeuvres, str) else list(manoeuvres)
        unknown = [m for m in names if m not in MANOEUVRES]
        if not names or unknown:
            raise ValueError(
                f"manoeuvres must be a non-empty list of {', '.join(MANOEUVRES)}; got {manoeuvres!r}"
            )
        self.manoeuvres = tuple(names)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        ids = _scenario_ids(self.prefix, n, rng)
        traffic = sample_traffic(self.params, n, rng)
        traffic, kind, moved = make_critical(traffic, self.params, self.criticality, self.manoeuvres, rng)
        metadata = [
            {"generator": "driving-critical", "criticality": self.criticality, "manoeuvre": MANOEUVRES[k]}
            for k in kind.tolist()
        ]
        return to_batch(traffic, self.params, ids, metadata, moved)

    def get_state(self) -> dict[str, Any]:
        return {
            **super().get_state(),
            "criticality": self.criticality,
            "manoeuvres": list(self.manoeuvres),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CriticalTraffic:
        gen = cls(TrafficParams(**state["params"]), state["criticality"], state["manoeuvres"])
        gen._fitted = bool(state.get("fitted", False))
        return gen


# --------------------------------------------------------------------------- factories


def naturalistic(
    *,
    lanes: Sequence[int] = TrafficParams.lanes,
    lane_width: Sequence[float] = TrafficParams.lane_width,
    speed_limits: Sequence[float] = TrafficParams.speed_limits,
    road_length: float = TrafficParams.road_length,
    density: Sequence[float] = TrafficParams.density,
    lane_density_noise: float = TrafficParams.lane_density_noise,
    jam_density: float = TrafficParams.jam_density,
    truck_share: float = TrafficParams.truck_share,
    truck_speed: float = TrafficParams.truck_speed,
    desired_speed: float = TrafficParams.desired_speed,
    lane_speed_drop: float = TrafficParams.lane_speed_drop,
    speed_noise: float = TrafficParams.speed_noise,
    speed_cap: float = TrafficParams.speed_cap,
    time_gap_shift: float = TrafficParams.time_gap_shift,
    time_gap_sigma: float = TrafficParams.time_gap_sigma,
    follow_time: float = TrafficParams.follow_time,
    lateral_noise: float = TrafficParams.lateral_noise,
    heading_noise: float = TrafficParams.heading_noise,
    acceleration_noise: float = TrafficParams.acceleration_noise,
    ego_position: Sequence[float] = TrafficParams.ego_position,
    duration: float = TrafficParams.duration,
) -> NaturalisticTraffic:
    """Naturalistic highway traffic; every parameter is a field of :class:`TrafficParams`."""
    values = locals()
    return NaturalisticTraffic(TrafficParams(**{k: values[k] for k in PARAMETERS}))


def critical(
    *, criticality: float = 0.5, manoeuvres: Sequence[str] = MANOEUVRES, **traffic: Any
) -> CriticalTraffic:
    """Critical situations around the ego of naturalistic traffic (``criticality`` in [0, 1]).

    The other keyword parameters are :func:`naturalistic`'s (the traffic the
    situations start from); its signature is part of this one, so parameter
    names are checked and listed as for any generator.
    """
    params = naturalistic(**traffic).params
    return CriticalTraffic(params, criticality=criticality, manoeuvres=manoeuvres)


critical.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *list(inspect.signature(critical).parameters.values())[:2],
        *inspect.signature(naturalistic).parameters.values(),
    ],
    return_annotation=CriticalTraffic,
)
