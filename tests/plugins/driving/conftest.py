"""Shared helpers for the driving tests: example files and hand-made scenarios."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgenesis.manager import PluginManager

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "data" / "driving"


def _vehicle(vid: Any = "car", lane: int = 0, x: float = 100.0, **fields: Any) -> dict[str, Any]:
    vehicle = {
        "id": vid,
        "lane": lane,
        "x": x,
        "speed": 25.0,
        "heading": 0.0,
        "length": 4.5,
        "width": 1.8,
        "is_ego": False,
    }
    vehicle.update(fields)
    return vehicle


def _scenario(*vehicles: dict[str, Any], sid: str = "s1", **road: Any) -> dict[str, Any]:
    base_road = {"lanes": 3, "lane_width": 3.5, "length": 500.0, "speed_limit": 30.0}
    base_road.update(road)
    vehicles = vehicles or (_vehicle("ego", 1, is_ego=True),)
    return {
        "schema_version": 1,
        "id": sid,
        "road": base_road,
        "vehicles": [copy.deepcopy(v) for v in vehicles],
    }


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def vehicle():
    """``vehicle(id, lane, x, **fields)`` -> a vehicle dict (a 4.5 x 1.8 m car at 25 m/s)."""
    return _vehicle


@pytest.fixture
def scenario():
    """``scenario(*vehicles, sid=..., **road)`` -> a scenario dict on a 3-lane, 500 m, 30 m/s road."""
    return _scenario


@pytest.fixture
def batch_of():
    """Scenarios (dicts or None) -> a batch as the reader builds it."""

    def make(*scenarios: Any) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "record_id": [
                    s["id"] if isinstance(s, dict) and "id" in s else f"#{i}" for i, s in enumerate(scenarios)
                ],
                "scenario": pd.Series(list(scenarios), dtype=object),
                "_read_error": pd.Series(
                    [None if s is not None else "unreadable" for s in scenarios], dtype=object
                ),
            }
        )

    return make


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    """The built-in driving plugin alone, registered in code."""
    import synthgenesis.plugins.driving as driving_plugin

    manager = PluginManager(autoload=False)
    manager.register(driving_plugin, name="driving")
    return manager
