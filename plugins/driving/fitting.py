"""Traffic parameters measured on real scenarios: what ``fit`` of the driving generators does."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.fleet import build_fleet, lane_followers
from synthgenesis.plugins.driving.params import TrafficParams

_TRUCK_LENGTH = 7.0  # a vehicle at least this long counts as a truck when fitting


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
