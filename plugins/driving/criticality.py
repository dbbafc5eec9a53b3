"""How close a scenario starts to a collision: time to collision, time gaps, braking needs.

Surrogate safety measures from traffic-conflict research, computed on the
initial state of every scenario of a batch at once:

- **time to collision** (TTC): bumper-to-bumper gap over closing speed, the
  time until two vehicles touch if neither changes speed (infinite when the
  follower is not faster than its leader);
- **time gap**: gap over the follower's speed, how long the follower needs
  to reach the point where its leader is now;
- **deceleration to avoid a crash** (DRAC): closing speed squared over twice
  the gap, the constant braking the follower needs to match its leader's
  speed just before touching it.

Same-lane pairs use the lane index. The ego measures also count vehicles of
an adjacent lane whose footprint already reaches into the ego's lane (a
vehicle cutting in), which lane indices alone would miss.

:func:`min_gap_when_braking` is the kinematics behind the
``driving-kinematic-feasibility`` rule: can a follower still stop behind its
leader at all?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.fleet import Fleet, build_fleet, lane_followers

#: Metric columns, in order, with what each one is.
METRICS: dict[str, str] = {
    "ego_ttc": "time to collision with the nearest closing vehicle ahead in or entering the ego's lane "
    "(s; inf if none closes in)",
    "ego_time_gap": "gap to the nearest vehicle ahead in or entering the ego's lane over the ego's speed "
    "(s; inf if none)",
    "ego_drac": "deceleration the ego needs to avoid the vehicles ahead in or entering its lane (m/s^2; 0 if "
    "none closes in)",
    "min_ttc": "smallest time to collision over consecutive vehicles of one lane (s; inf if none closes in)",
    "min_time_gap": "smallest gap / follower speed over consecutive vehicles of one lane, moving followers "
    "(s; inf if none)",
    "max_drac": "largest deceleration to avoid a crash over consecutive vehicles of one lane (m/s^2)",
}


def travelled(speed: np.ndarray, deceleration: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Distance covered in time ``t`` from ``speed``, braking at ``deceleration`` (>= 0) until stopped."""
    speed, deceleration, t = np.broadcast_arrays(
        np.asarray(speed, float), np.asarray(deceleration, float), np.asarray(t, float)
    )
    out = speed * t
    braking = deceleration > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        stop = np.where(braking, speed / deceleration, np.inf)
    moving = np.minimum(t, stop)
    return np.where(braking, speed * moving - deceleration * moving**2 / 2, out)


def min_gap_when_braking(
    gap: np.ndarray,
    follower_speed: np.ndarray,
    leader_speed: np.ndarray,
    leader_deceleration: np.ndarray,
    braking: float,
) -> np.ndarray:
    """The smallest gap (m) between a follower that brakes at ``braking`` at once and its leader.

    The leader keeps braking at ``leader_deceleration`` (>= 0; 0: it keeps its
    speed) until it stops. A negative result means the follower hits the
    leader however hard (up to ``braking``) it brakes. Exact: the gap is
    piecewise quadratic in time, so its minimum lies at the start, where both
    speeds are equal while both still move, or when the follower stops
    (after that the gap can only grow).
    """
    gap = np.asarray(gap, float)
    vf = np.maximum(np.asarray(follower_speed, float), 0.0)
    vl = np.maximum(np.asarray(leader_speed, float), 0.0)
    al = np.maximum(np.asarray(leader_deceleration, float), 0.0)
    b = float(braking)
    t_follower = vf / b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_leader = np.where(al > 0, vl / al, np.inf)
        t_equal = np.where(b != al, (vf - vl) / (b - al), -1.0)
    inside = (t_equal > 0) & (t_equal < np.minimum(t_follower, t_leader))
    t_equal = np.where(inside, t_equal, 0.0)

    def at(t: np.ndarray) -> np.ndarray:
        return gap + travelled(vl, al, t) - travelled(vf, np.full_like(vf, b), t)

    return np.minimum(np.minimum(gap, at(t_equal)), at(t_follower))


def _ego_index(fleet: Fleet, n: int) -> np.ndarray:
    """Per row, the position of its (first) ego vehicle in the fleet arrays, -1 if it has none."""
    ego = np.full(n, -1, dtype=int)
    where = np.flatnonzero(fleet.is_ego)
    rows = fleet.row[where]
    first = np.unique(rows, return_index=True)[1]
    ego[rows[first]] = where[first]
    return ego


def _group(values: np.ndarray, rows: np.ndarray, n: int, *, fill: float, how: str) -> np.ndarray:
    out = np.full(n, fill)
    (np.minimum if how == "min" else np.maximum).at(out, rows, values)
    return out


def lateral_extent(fleet: Fleet) -> np.ndarray:
    """Half the lateral extent of each vehicle's box, rotated by its heading (m)."""
    return fleet.length / 2 * np.abs(np.sin(fleet.heading)) + fleet.width / 2 * np.abs(np.cos(fleet.heading))


def criticality_metrics(batch: pd.DataFrame) -> pd.DataFrame:
    """One row of :data:`METRICS` per scenario, same index as ``batch``; NaN where there is no usable one."""
    fleet = build_fleet(batch)
    n = len(batch)
    usable = np.array([p is None for p in fleet.problems], dtype=bool)

    follower, leader, gap = lane_followers(fleet)
    vf, vl = fleet.speed[follower], fleet.speed[leader]
    closing = vf - vl
    ahead = gap > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ttc = np.where(ahead & (closing > 0), gap / closing, np.inf)
        time_gap = np.where(ahead & (vf > 0), gap / vf, np.inf)
        drac = np.where(ahead & (closing > 0), closing**2 / (2 * gap), 0.0)
    rows = fleet.row[follower]

    # The ego against every vehicle ahead whose footprint reaches into the ego's lane.
    ego = _ego_index(fleet, n)
    has_ego = ego[fleet.row] >= 0
    k = np.flatnonzero(has_ego & ~fleet.is_ego)
    e = ego[fleet.row[k]]
    half_lane = fleet.lane_width[fleet.row[k]] / 2
    ego_centre = fleet.lane[e] * fleet.lane_width[fleet.row[k]]
    reach = lateral_extent(fleet)[k]
    in_lane = np.abs(fleet.lateral[k] - ego_centre) < half_lane + reach
    ego_gap = fleet.x[k] - fleet.x[e] - (fleet.length[k] + fleet.length[e]) / 2
    front = in_lane & (ego_gap > 0)
    k, e, ego_gap = k[front], e[front], ego_gap[front]
    ego_closing = fleet.speed[e] - fleet.speed[k]
    with np.errstate(divide="ignore", invalid="ignore"):
        ego_ttc = np.where(ego_closing > 0, ego_gap / ego_closing, np.inf)
        ego_tg = np.where(fleet.speed[e] > 0, ego_gap / fleet.speed[e], np.inf)
        ego_drac = np.where(ego_closing > 0, ego_closing**2 / (2 * ego_gap), 0.0)
    ego_rows = fleet.row[e]

    metrics = pd.DataFrame(
        {
            "ego_ttc": _group(ego_ttc, ego_rows, n, fill=np.inf, how="min"),
            "ego_time_gap": _group(ego_tg, ego_rows, n, fill=np.inf, how="min"),
            "ego_drac": _group(ego_drac, ego_rows, n, fill=0.0, how="max"),
            "min_ttc": _group(ttc, rows, n, fill=np.inf, how="min"),
            "min_time_gap": _group(time_gap, rows, n, fill=np.inf, how="min"),
            "max_drac": _group(drac, rows, n, fill=0.0, how="max"),
        },
        index=batch.index,
    )
    no_ego = ego < 0
    metrics.loc[no_ego, ["ego_ttc", "ego_time_gap", "ego_drac"]] = np.nan
    metrics.loc[~usable] = np.nan
    return metrics
