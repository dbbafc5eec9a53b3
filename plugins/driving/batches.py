"""Traffic arrays to scenario dicts (schema version 1) in a batch as the domain reader builds it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.files import RECORD_ID
from synthgenesis.plugins.driving.fleet import SAMPLE_COLUMN
from synthgenesis.plugins.driving.params import TrafficParams
from synthgenesis.plugins.driving.schema import SCHEMA_VERSION
from synthgenesis.plugins.driving.traffic import Traffic
from synthgenesis.types import READ_ERROR_COLUMN


def scenario_ids(prefix: str, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` scenario ids ``<prefix>-<16 hex digits>``, 64 random bits each from ``rng``."""
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
