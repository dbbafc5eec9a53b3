"""Rules an initial driving scenario must obey, vectorised over every vehicle of a batch.

Each failing scenario gets one reason listing its offending vehicles by id
with the values at fault (the first three, then a count). Rows without a
scenario fail every rule with "no sample (read error)"; scenarios that do
not follow the format fail every rule with "malformed: ..." (the
``driving-scenario-schema`` rule names the key). Thresholds are
constructor arguments so a study can tighten or relax them.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.criticality import min_gap_when_braking
from synthgenesis.plugins.driving.fleet import (
    SAMPLE_COLUMN,
    Fleet,
    build_fleet,
    first_overlaps,
    is_missing,
    lane_followers,
    reason_prefixes,
)
from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario
from synthgenesis.rules import CheckResult, Rule, RuleSpec, SampleRule

DOMAIN = "driving"
_SHOWN = 3  # offending vehicles named per reason


def _positive(value: float, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class ScenarioSchema(SampleRule):
    """The scenario follows the format: keys, types, finite numbers, unique vehicle ids."""

    sample_column = SAMPLE_COLUMN

    def _validate(self, sample: Any) -> str | None:
        if is_missing(sample):
            return "no sample (read error)"
        try:
            parse_scenario(sample)
        except ScenarioError as exc:
            return f"{reason_prefixes([sample])[0]}{exc}"
        return None


class FleetRule(Rule):
    """Shared frame: flatten the batch once, collect per-vehicle findings into per-row reasons."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        fleet = build_fleet(batch)
        reasons = [None if p is None else f"{fleet.prefixes[i]}{p}" for i, p in enumerate(fleet.problems)]
        for row, findings in self._findings(fleet).items():
            if reasons[row] is None and findings:
                total = getattr(findings, "total", len(findings))
                more = f" (and {total - _SHOWN} more)" if total > _SHOWN else ""
                reasons[row] = fleet.prefixes[row] + "; ".join(findings[:_SHOWN]) + more
        return CheckResult(np.array([r is None for r in reasons], dtype=bool), reasons)

    @abstractmethod
    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        """Offences by batch row, each naming a vehicle and its values."""


class _Shown(list):
    """The first findings of a row, with ``total``: how many there are in all."""

    total: int


def _group(rows: np.ndarray, messages: list[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for row, message in zip(rows.tolist(), messages, strict=True):
        out[int(row)].append(message)
    return out


class SingleEgo(FleetRule):
    """Exactly one vehicle is the ego: replay hands control of one vehicle to the policy."""

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        n = len(fleet.problems)
        count = np.bincount(fleet.row[fleet.is_ego], minlength=n)
        egos = _group(fleet.row[fleet.is_ego], [repr(v) for v in fleet.vid[fleet.is_ego].tolist()])
        out: dict[int, list[str]] = {}
        for row in np.flatnonzero(count != 1).tolist():
            named = egos.get(row, [])
            out[row] = [
                f"{len(named)} vehicles are the ego: {', '.join(named)}"
                if named
                else "no vehicle is the ego (is_ego true)"
            ]
        return out


class NoOverlap(FleetRule):
    """No two vehicles' oriented bounding boxes intersect at the start (separating-axis test)."""

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        counts, i, j, depth = first_overlaps(fleet, _SHOWN)
        out: dict[int, list[str]] = {}
        for a, b, d in zip(i.tolist(), j.tolist(), depth.tolist(), strict=True):
            row = int(fleet.row[a])
            if row not in out:
                shown = _Shown()
                shown.total = int(counts[row])
                out[row] = shown
            out[row].append(f"vehicles {fleet.vid[a]!r} and {fleet.vid[b]!r} overlap by {d:.2f} m")
        return out


class SpeedLimits(FleetRule):
    """0 <= speed <= speed_limit * tolerance, and speed <= max_speed whatever the limit.

    Real traffic exceeds posted limits (free-flow speeds of 10-20 % above the
    limit are common on motorways), so the default tolerance is 1.2; 70 m/s
    (252 km/h) bounds what a road vehicle plausibly drives in traffic.
    """

    def __init__(self, tolerance: float = 1.2, max_speed: float = 70.0) -> None:
        self.tolerance = _positive(tolerance, "tolerance")
        self.max_speed = _positive(max_speed, "max_speed")

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        speed, limit = fleet.speed, fleet.speed_limit[fleet.row]
        allowed = limit * self.tolerance
        bad = (speed < 0) | (speed > self.max_speed) | (speed > allowed)
        messages = []
        for k in np.flatnonzero(bad).tolist():
            who, v = f"vehicle {fleet.vid[k]!r} speed {speed[k]:.1f} m/s", speed[k]
            if v < 0:
                messages.append(f"{who} is negative")
            elif v > self.max_speed:
                messages.append(f"{who} exceeds the plausible maximum {self.max_speed:g} m/s")
            else:
                messages.append(
                    f"{who} exceeds {self.tolerance:g} x speed limit {limit[k]:.1f} m/s "
                    f"= {allowed[k]:.1f} m/s"
                )
        return _group(fleet.row[bad], messages)


class RoadBounds(FleetRule):
    """Vehicles are on the road: a valid lane index, 0 <= x <= length, centre within its lane.

    A lateral offset of more than half a lane width puts the vehicle's centre
    in the next lane, so its lane index would be wrong.
    """

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        lanes, length = fleet.lanes[fleet.row], fleet.road_length[fleet.row]
        half_lane = fleet.lane_width[fleet.row] / 2
        bad_lane = (fleet.lane < 0) | (fleet.lane >= lanes)
        bad_x = (fleet.x < 0) | (fleet.x > length)
        bad_y = np.abs(fleet.y) > half_lane
        messages, rows = [], []
        for k in np.flatnonzero(bad_lane | bad_x | bad_y).tolist():
            who = f"vehicle {fleet.vid[k]!r}"
            if bad_lane[k]:
                messages.append(f"{who} lane {int(fleet.lane[k])} is not in 0..{int(lanes[k]) - 1}")
                rows.append(fleet.row[k])
            if bad_x[k]:
                messages.append(f"{who} x {fleet.x[k]:.1f} m is off the road [0, {length[k]:g}] m")
                rows.append(fleet.row[k])
            if bad_y[k]:
                messages.append(
                    f"{who} lateral offset {fleet.y[k]:.2f} m leaves its lane (|y| > {half_lane[k]:g} m)"
                )
                rows.append(fleet.row[k])
        return _group(np.asarray(rows, dtype=int), messages)


class VehicleDimensions(FleetRule):
    """Length and width within road-vehicle bounds, and no vehicle wider than it is long.

    Defaults: length 1.0-30.0 m (a kick scooter to a long truck combination;
    EU limit 25.25 m) and width 0.4-3.0 m (a bicycle to the 2.55-2.6 m legal
    limits plus mirrors). Longer road trains or oversize loads need wider
    bounds, passed as arguments.
    """

    def __init__(
        self,
        min_length: float = 1.0,
        max_length: float = 30.0,
        min_width: float = 0.4,
        max_width: float = 3.0,
    ) -> None:
        self.min_length, self.max_length = (
            _positive(min_length, "min_length"),
            _positive(max_length, "max_length"),
        )
        self.min_width, self.max_width = _positive(min_width, "min_width"), _positive(max_width, "max_width")
        if self.min_length > self.max_length or self.min_width > self.max_width:
            raise ValueError("minimum vehicle dimensions must not exceed the maxima")

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        length, width = fleet.length, fleet.width
        bad_length = (length < self.min_length) | (length > self.max_length)
        bad_width = (width < self.min_width) | (width > self.max_width)
        wider = width > length
        messages, rows = [], []
        for k in np.flatnonzero(bad_length | bad_width | wider).tolist():
            who = f"vehicle {fleet.vid[k]!r}"
            if bad_length[k]:
                messages.append(
                    f"{who} length {length[k]:.2f} m outside [{self.min_length:g}, {self.max_length:g}] m"
                )
                rows.append(fleet.row[k])
            if bad_width[k]:
                messages.append(
                    f"{who} width {width[k]:.2f} m outside [{self.min_width:g}, {self.max_width:g}] m"
                )
                rows.append(fleet.row[k])
            if wider[k]:
                messages.append(f"{who} width {width[k]:.2f} m exceeds its length {length[k]:.2f} m")
                rows.append(fleet.row[k])
        return _group(np.asarray(rows, dtype=int), messages)


class AccelerationLimits(FleetRule):
    """-max_deceleration <= acceleration <= max_acceleration (absent accelerations count as 0).

    Defaults: 6 m/s^2 forward (a sports car's full throttle; highway-env caps
    its vehicles there too) and 10 m/s^2 braking (about what tyre friction on
    dry asphalt allows, 1 g).
    """

    def __init__(self, max_acceleration: float = 6.0, max_deceleration: float = 10.0) -> None:
        self.max_acceleration = _positive(max_acceleration, "max_acceleration")
        self.max_deceleration = _positive(max_deceleration, "max_deceleration")

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        a = fleet.acceleration
        bad = (a > self.max_acceleration) | (a < -self.max_deceleration)
        messages = [
            f"vehicle {fleet.vid[k]!r} acceleration {a[k]:.2f} m/s² outside "
            f"[{-self.max_deceleration:g}, {self.max_acceleration:g}] m/s²"
            for k in np.flatnonzero(bad).tolist()
        ]
        return _group(fleet.row[bad], messages)


class KinematicFeasibility(FleetRule):
    """Every vehicle can still stop behind the one ahead in its lane by braking at ``braking``.

    The leader is taken to keep braking at its own deceleration (its negative
    ``acceleration``) until it stops, or to keep its speed; the follower
    brakes at ``braking`` from the start. If the gap still closes below zero,
    the scenario starts in a crash no driver or controller could avoid: it
    tests nothing about them. Pairs that already overlap are the
    ``driving-no-overlap`` rule's. Default 8 m/s^2, full emergency braking of
    a passenger car on a dry road; pass a smaller value for trucks or wet
    roads, or to demand a margin.
    """

    def __init__(self, braking: float = 8.0) -> None:
        self.braking = _positive(braking, "braking")

    def _findings(self, fleet: Fleet) -> dict[int, list[str]]:
        follower, leader, gap = lane_followers(fleet)
        apart = gap > 0
        follower, leader, gap = follower[apart], leader[apart], gap[apart]
        lead_braking = np.maximum(-fleet.acceleration[leader], 0.0)
        speed = fleet.speed
        least = min_gap_when_braking(gap, speed[follower], speed[leader], lead_braking, self.braking)
        bad = least < 0
        messages = []
        for f, lead, g, d, m in zip(
            follower[bad].tolist(),
            leader[bad].tolist(),
            gap[bad].tolist(),
            lead_braking[bad].tolist(),
            least[bad].tolist(),
            strict=True,
        ):
            leader_does = f"brakes at {d:.1f} m/s²" if d > 0 else "keeps its speed"
            messages.append(
                f"vehicle {fleet.vid[f]!r} at {speed[f]:.1f} m/s cannot stop behind {fleet.vid[lead]!r} "
                f"at {speed[lead]:.1f} m/s {g:.1f} m ahead, which {leader_does}: braking at "
                f"{self.braking:g} m/s² it still runs {-m:.1f} m into it"
            )
        return _group(fleet.row[follower[bad]], messages)


_SPECS = (
    (
        "driving-scenario-schema",
        ScenarioSchema(),
        "scenario follows the format (schema_version 1): keys, types, numbers, unique ids",
    ),
    ("driving-single-ego", SingleEgo(), "exactly one vehicle has is_ego true"),
    ("driving-no-overlap", NoOverlap(), "no two vehicles' oriented bounding boxes intersect"),
    ("driving-speed-limits", SpeedLimits(), "0 <= speed <= 1.2 x speed limit and <= 70 m/s"),
    (
        "driving-road-bounds",
        RoadBounds(),
        "lane index valid, 0 <= x <= road length, |y| <= lane width / 2",
    ),
    (
        "driving-vehicle-dimensions",
        VehicleDimensions(),
        "length 1-30 m, width 0.4-3 m, width <= length",
    ),
    (
        "driving-acceleration-limits",
        AccelerationLimits(),
        "-10 m/s² <= acceleration <= 6 m/s²",
    ),
    (
        "driving-kinematic-feasibility",
        KinematicFeasibility(),
        "every vehicle can stop behind the one ahead in its lane by braking at 8 m/s²",
    ),
)

#: Every driving rule with its default thresholds: the per-scenario structural check, then the
#: vectorised rules over every vehicle of the batch.
RULES: tuple[RuleSpec, ...] = tuple(
    RuleSpec(name=n, domain=DOMAIN, rule=r, description=d) for n, r, d in _SPECS
)
