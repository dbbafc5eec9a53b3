"""The driving scenario format (schema version 1) and its structural parser.

A scenario is the initial state of a straight multi-lane road: the road and
every vehicle on it, in a road frame where ``x`` runs along the road from its
start (m) and lane ``k``'s centre line lies at lateral position
``k * lane_width``; ``y`` is a vehicle's lateral offset from its lane centre
and ``heading`` its yaw relative to the road direction (rad, positive toward
higher lane indices). This is the frame of highway-env's straight roads
(lane ``k`` starts at ``[0, k * lane_width]``), so a scenario maps one to one
onto its vehicles for replay.

:func:`parse_scenario` checks structure (keys, types, finite numbers,
positive vehicle sizes, unique vehicle ids, at most ``limits().max_vehicles``
vehicles) and returns a normalised copy; whether the values make physical
sense is for the rules.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from synthgenesis.limits import limits, shown

SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = (1,)

ROAD_KEYS = ("lanes", "lane_width", "length", "speed_limit")
VEHICLE_REQUIRED = ("id", "lane", "x", "speed", "heading", "length", "width", "is_ego")
VEHICLE_OPTIONAL = ("y", "acceleration")
SCENARIO_REQUIRED = ("schema_version", "id", "road", "vehicles")
SCENARIO_OPTIONAL = ("duration", "metadata")
_NAMED_KEYS = 5  # unknown keys named in a message
#: Longest scenario or vehicle id (characters): ids name records in every reason.
MAX_ID_CHARS = 200

#: Field -> meaning and unit, shown by ``synthgenesis domains`` and in the docs.
FIELDS: dict[str, str] = {
    "schema_version": f"format version, an integer; this reader knows {SCHEMA_VERSION}",
    "id": f"scenario id (non-empty text of at most {MAX_ID_CHARS} characters, no control characters), "
    "used as the record id",
    "road.lanes": "number of lanes (integer >= 1), indexed 0 .. lanes-1",
    "road.lane_width": "lane width (m, > 0)",
    "road.length": "road length (m, > 0); x runs from 0 to length",
    "road.speed_limit": "posted speed limit (m/s, > 0)",
    "vehicles[].id": "vehicle id (text as for the scenario id, or an integer), unique within the scenario",
    "vehicles[].lane": "lane index (integer)",
    "vehicles[].x": "longitudinal position of the vehicle's centre (m)",
    "vehicles[].y": "optional lateral offset of the centre from the lane centre (m, default 0)",
    "vehicles[].speed": "speed along the heading (m/s)",
    "vehicles[].heading": "yaw relative to the road direction (rad)",
    "vehicles[].length": "vehicle length (m, > 0)",
    "vehicles[].width": "vehicle width (m, > 0)",
    "vehicles[].acceleration": "optional longitudinal acceleration (m/s^2)",
    "vehicles[].is_ego": "true for the controlled (ego) vehicle",
    "duration": "optional scenario duration to simulate (s, > 0)",
    "metadata": "optional free-form JSON object (source, tags...; finite numbers only)",
}


class ScenarioError(ValueError):
    """A scenario that does not follow the format; the message names the key."""


def _show(value: Any) -> str:
    """A value quoted in a message, cut to the shown-characters limit (never huge, never raising)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length():,} bits"
    try:
        return shown(value)
    except ValueError:  # e.g. an integer too long for text inside a list
        return f"a {type(value).__name__}"


def _number(value: Any, where: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where} must be a number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ScenarioError(f"{where} must be a finite number, got {_show(value)}") from None
    if not math.isfinite(number):
        raise ScenarioError(f"{where} must be a finite number, got {_show(value)}")
    if positive and number <= 0:
        raise ScenarioError(f"{where} must be > 0, got {_show(value)}")
    return number


def _integer(value: Any, where: str) -> int:
    number = _number(value, where)
    if not number.is_integer():
        raise ScenarioError(f"{where} must be an integer, got {_show(value)}")
    return int(number)


def _keys(obj: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ScenarioError(f"{where} must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in required if k not in obj]
    unknown = sorted(str(k) for k in obj if k not in required + optional)
    problems = []
    if missing:
        problems.append(f"is missing key(s) {', '.join(repr(k) for k in missing)}")
    if unknown:
        named = ", ".join(_show(k) for k in unknown[:_NAMED_KEYS])
        more = f" and {len(unknown) - _NAMED_KEYS:,} more" if len(unknown) > _NAMED_KEYS else ""
        problems.append(f"has unknown key(s) {named}{more} (allowed: {', '.join(required + optional)})")
    if problems:
        raise ScenarioError(f"{where} {' and '.join(problems)}")
    return obj


def _usable_text_id(value: Any) -> bool:
    """Non-empty text of at most :data:`MAX_ID_CHARS` characters without control characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_CHARS
        and bool(value.strip())
        and value.isprintable()
    )


def scenario_id(obj: Any) -> str | None:
    """The scenario's id if it has a usable one (for naming records), else ``None``."""
    if isinstance(obj, dict) and _usable_text_id(obj.get("id")):
        return str(obj["id"])
    return None


def plain_json(value: Any) -> Any:
    """numpy scalars and arrays (which generators put in scenarios) as plain JSON values.

    The ``default`` of :func:`json.dumps` for scenarios: anything else is not JSON data.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def parse_scenario(obj: Any) -> dict[str, Any]:
    """Check ``obj`` against the format and return a normalised copy.

    Numbers become floats (lanes and lane indices ints); optional keys that
    are absent stay absent. Raises :class:`ScenarioError` naming the first
    offending key path, e.g. ``vehicles[2] is missing key(s) 'speed'``.
    """
    _keys(obj, "scenario", SCENARIO_REQUIRED, SCENARIO_OPTIONAL)
    version = obj["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version not in SUPPORTED_VERSIONS:
        known = ", ".join(map(str, SUPPORTED_VERSIONS))
        raise ScenarioError(f"schema_version {_show(version)} is not supported (known: {known})")
    if scenario_id(obj) is None:
        raise ScenarioError(
            f"id must be non-empty text of at most {MAX_ID_CHARS} characters without control "
            f"characters, got {_show(obj['id'])}"
        )
    road_in = _keys(obj["road"], "road", ROAD_KEYS, ())
    lanes = _integer(road_in["lanes"], "road.lanes")
    if lanes < 1:
        raise ScenarioError(f"road.lanes must be >= 1, got {_show(road_in['lanes'])}")
    road = {
        "lanes": lanes,
        **{
            k: _number(road_in[k], f"road.{k}", positive=True)
            for k in ("lane_width", "length", "speed_limit")
        },
    }
    if not isinstance(obj["vehicles"], list):
        raise ScenarioError(f"vehicles must be a list, got {type(obj['vehicles']).__name__}")
    most = limits().max_vehicles
    if len(obj["vehicles"]) > most:
        # Checked before any vehicle is looked at: the pairwise rules grow with the square of the count.
        raise ScenarioError(
            f"has {len(obj['vehicles']):,} vehicles, over the limit of {most:,} "
            f"(raise SYNTHGENESIS_MAX_VEHICLES to accept it)"
        )
    vehicles = [_vehicle(v, i) for i, v in enumerate(obj["vehicles"])]
    seen: dict[Any, int] = {}
    for i, v in enumerate(vehicles):
        if v["id"] in seen:
            raise ScenarioError(f"vehicles[{i}].id {v['id']!r} repeats vehicles[{seen[v['id']]}].id")
        seen[v["id"]] = i
    out: dict[str, Any] = {"schema_version": version, "id": obj["id"], "road": road, "vehicles": vehicles}
    if "duration" in obj:
        out["duration"] = _number(obj["duration"], "duration", positive=True)
    if "metadata" in obj:
        if not isinstance(obj["metadata"], dict):
            raise ScenarioError(f"metadata must be a JSON object, got {type(obj['metadata']).__name__}")
        try:
            json.dumps(obj["metadata"], allow_nan=False, default=plain_json)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ScenarioError(f"metadata must be JSON data: {exc}") from None
        out["metadata"] = obj["metadata"]
    return out


_VEHICLE_KEYS = frozenset(VEHICLE_REQUIRED + VEHICLE_OPTIONAL)
_VEHICLE_NEEDS = frozenset(VEHICLE_REQUIRED)
_VEHICLE_NUMBERS = ("x", "y", "speed", "heading", "length", "width", "acceleration")
_EXACT = 2**53  # integers a float holds exactly
_VEHICLE_SIZES = frozenset(("length", "width"))  # must be > 0: a box of no size is not a vehicle


def _vehicle(obj: Any, i: int) -> dict[str, Any]:
    # Scenarios hold thousands of vehicles: well-formed values take the short paths.
    if not (isinstance(obj, dict) and _VEHICLE_NEEDS <= obj.keys() <= _VEHICLE_KEYS):
        _keys(obj, f"vehicles[{i}]", VEHICLE_REQUIRED, VEHICLE_OPTIONAL)
    vid = obj["id"]
    integer_id = isinstance(vid, int) and not isinstance(vid, bool) and vid.bit_length() <= 64
    if not integer_id and not _usable_text_id(vid):
        raise ScenarioError(
            f"vehicles[{i}].id must be non-empty text of at most {MAX_ID_CHARS} characters without "
            f"control characters, or a 64-bit integer, got {_show(vid)}"
        )
    if not isinstance(obj["is_ego"], bool):
        raise ScenarioError(f"vehicles[{i}].is_ego must be true or false, got {_show(obj['is_ego'])}")
    lane = obj["lane"]
    out: dict[str, Any] = {
        "id": vid,
        "lane": lane if type(lane) is int and abs(lane) <= _EXACT else _integer(lane, f"vehicles[{i}].lane"),
    }
    for key in _VEHICLE_NUMBERS:
        if key in obj:
            value = obj[key]
            size = key in _VEHICLE_SIZES
            if type(value) is float and math.isfinite(value) and (value > 0 or not size):
                out[key] = value
            else:
                out[key] = _number(value, f"vehicles[{i}].{key}", positive=size)
    out["is_ego"] = obj["is_ego"]
    return out
