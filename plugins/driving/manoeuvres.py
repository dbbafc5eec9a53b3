"""Safety-critical situations around the ego: the rearrangements of ``driving-critical``.

``driving-critical`` starts from the same scenarios and rearranges the
traffic around the ego into one of three safety-critical situations, more
extreme as ``criticality`` goes from 0 to 1: a slower leader close ahead
(``close-follow``), a leader that brakes hard at a short time gap
(``braking-lead``) or a vehicle of an adjacent lane cutting in just ahead
(``cut-in``). It moves vehicles without checking what they land on: a
moved vehicle can overlap another one, or start in a crash nobody could
brake out of; the domain rules reject those scenarios, which is the point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synthgenesis.plugins.driving.params import TrafficParams
from synthgenesis.plugins.driving.traffic import CAR_LENGTH, SPEED_FLOOR, Traffic, car_bodies, lateral_pose

MANOEUVRES = ("close-follow", "braking-lead", "cut-in")


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
    floor = SPEED_FLOOR * limit

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
    new_length, new_width = car_bodies(rng, n)
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
    spot = x_ego + (l_ego + CAR_LENGTH) / 2 + cut_gap * v_ego
    candidates = np.flatnonzero((t.lane == target_lane[t.scene]) & ~t.ego & (kind[t.scene] == 2))
    cost = np.abs(t.x[candidates] - spot[t.scene[candidates]])
    order = np.lexsort((cost, t.scene[candidates]))
    scenes, first = np.unique(t.scene[candidates][order], return_index=True)
    chosen = np.full(n, -1, dtype=int)
    chosen[scenes] = candidates[order][first]
    chosen = np.where(kind == 2, chosen, np.where(has_leader, leader, -1))

    # Add a car where there is none to move.
    missing = np.flatnonzero(chosen < 0)
    heading0, y0 = lateral_pose(rng, p, new_length, new_width, t.lane_width, n)
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
