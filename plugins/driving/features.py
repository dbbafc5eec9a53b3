"""Scenario-level traffic features: how many, how fast, how close, how dense.

These are the quantities traffic engineering uses to tell a free-flowing
road from a congested or dangerous one (speed spread, density, gaps and time
headways), so a generator that gets them wrong produces scenarios a planner
would never meet. Rows without a usable scenario get missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.fleet import build_fleet, lane_followers

#: Feature columns, in order, with what each one is.
FEATURES: dict[str, str] = {
    "n_vehicles": "number of vehicles",
    "lanes": "number of lanes",
    "ego_speed": "speed of the ego vehicle (m/s); NaN unless exactly one vehicle is the ego",
    "mean_speed": "mean speed over all vehicles (m/s)",
    "std_speed": "population standard deviation of speed (m/s)",
    "min_gap": "smallest bumper-to-bumper gap between consecutive vehicles of a lane (m; NaN if none)",
    "min_time_headway": "smallest gap / follower speed over moving followers (s; NaN if none)",
    "density": "vehicles per km per lane",
    "share_above_limit": "share of vehicles faster than the speed limit",
}


def _per_row(values: np.ndarray, rows: np.ndarray, n: int, how: str) -> np.ndarray:
    """Reduce per-vehicle ``values`` to one value per row (NaN for rows with none).

    ``how`` is a pandas aggregation name, or ``"pstd"`` for the population
    standard deviation (a lone vehicle has spread 0, not NaN).
    """
    grouped = pd.DataFrame({"row": rows, "v": values}).groupby("row")["v"]
    reduced = grouped.std(ddof=0) if how == "pstd" else grouped.agg(how)
    out = np.full(n, np.nan)
    out[reduced.index.to_numpy(dtype=int)] = reduced.to_numpy(dtype=float)
    return out


def featurize(batch: pd.DataFrame) -> pd.DataFrame:
    """One feature row per scenario, same index as ``batch``."""
    fleet = build_fleet(batch)
    n = len(batch)
    usable = np.array([p is None for p in fleet.problems], dtype=bool)
    n_vehicles = np.where(usable, fleet.n_vehicles, np.nan)

    ego_count = np.bincount(fleet.row[fleet.is_ego], minlength=n) if n else np.zeros(0, dtype=int)
    ego_speed = _per_row(fleet.speed[fleet.is_ego], fleet.row[fleet.is_ego], n, "first")
    ego_speed[ego_count != 1] = np.nan

    follower, _, gap = lane_followers(fleet)
    moving = fleet.speed[follower] > 0
    headway = gap[moving] / fleet.speed[follower][moving]
    above = (fleet.speed > fleet.speed_limit[fleet.row]).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        density = n_vehicles / (fleet.road_length / 1000.0) / fleet.lanes

    features = pd.DataFrame(
        {
            "n_vehicles": n_vehicles,
            "lanes": fleet.lanes,
            "ego_speed": ego_speed,
            "mean_speed": _per_row(fleet.speed, fleet.row, n, "mean"),
            "std_speed": _per_row(fleet.speed, fleet.row, n, "pstd"),
            "min_gap": _per_row(gap, fleet.row[follower], n, "min"),
            "min_time_headway": _per_row(headway, fleet.row[follower][moving], n, "min"),
            "density": density,
            "share_above_limit": _per_row(above, fleet.row, n, "mean"),
        },
        index=batch.index,
    )
    return features
