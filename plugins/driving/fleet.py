"""Every vehicle of a batch of scenarios in flat numpy arrays, and the geometry on them.

Rules and features look at thousands of vehicles across many scenarios; one
flat array per field (with the row each vehicle belongs to) lets them work
in a few vectorised numpy expressions instead of a Python loop per vehicle
or per pair. Rows whose scenario is missing or malformed contribute no
vehicles and carry the reason instead.

Every rule of a validation pass looks at the same batch, so the last fleet
built is kept and handed out again while the scenarios are unchanged; their
pickled bytes are the key, which tells apart anything that could change the
result (a mutated dict, a tuple for a list, ``1`` for ``1.0``). The arrays
of a fleet are read-only.
"""

from __future__ import annotations

import math
import pickle
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario, scenario_id
from synthgenesis.types import READ_ERROR_COLUMN

SAMPLE_COLUMN = "scenario"
_TOUCH = 1e-9  # boxes that only touch (overlap below a nanometre) do not intersect


@dataclass(frozen=True)
class Fleet:
    """Vehicles of a batch; per-vehicle arrays share one order, grouped by row."""

    problems: list[str | None]  # per row: why it has no vehicles to check, else None
    prefixes: list[str]  # per row: "scenario '<id>': " to start its reasons, or "" without an id
    lanes: np.ndarray  # per row (NaN where there is no usable scenario)
    lane_width: np.ndarray
    road_length: np.ndarray
    speed_limit: np.ndarray
    n_vehicles: np.ndarray  # per row, 0 where unusable
    row: np.ndarray  # per vehicle: the batch position of its scenario
    vid: np.ndarray  # per vehicle: its id (object)
    lane: np.ndarray
    x: np.ndarray
    y: np.ndarray  # lateral offset from the lane centre
    speed: np.ndarray
    heading: np.ndarray
    length: np.ndarray
    width: np.ndarray
    acceleration: np.ndarray  # 0 where the scenario does not give one
    is_ego: np.ndarray

    @property
    def lateral(self) -> np.ndarray:
        """Lateral position of each vehicle's centre in the road frame (m)."""
        return self.lane * self.lane_width[self.row] + self.y


def is_missing(sample: Any) -> bool:
    """No scenario in this row: ``None``, or the ``NaN`` pandas may put in an empty object cell."""
    return sample is None or (isinstance(sample, float) and math.isnan(sample))


def scenarios_of(batch: pd.DataFrame) -> tuple[list[Any], list[str | None]]:
    """The scenario objects of a batch and, per row, why there is none (read error, no column)."""
    n = len(batch)
    if SAMPLE_COLUMN not in batch.columns:
        return [None] * n, [f"column {SAMPLE_COLUMN!r} missing from the batch"] * n
    samples = batch[SAMPLE_COLUMN].tolist()
    errors = batch[READ_ERROR_COLUMN].tolist() if READ_ERROR_COLUMN in batch.columns else [None] * n
    problems: list[str | None] = []
    for sample, err in zip(samples, errors, strict=True):
        if is_missing(sample) or (isinstance(err, str) and err):
            problems.append("no sample (read error)")
        else:
            problems.append(None)
    return samples, problems


def reason_prefixes(samples: list[Any]) -> list[str]:
    """``"scenario '<id>': "`` for each sample with a usable id, else ``""``.

    A reason without a name is labelled by the caller (the validation
    pipeline names the row's record id), so only a real id is added here.
    """
    prefixes = []
    for sample in samples:
        sid = scenario_id(sample)
        prefixes.append(f"scenario {sid!r}: " if sid is not None else "")
    return prefixes


_LAST: tuple[bytes, Fleet] | None = None
_LOCK = threading.Lock()


def _fingerprint(samples: list[Any], problems: list[str | None]) -> bytes | None:
    try:
        return pickle.dumps((samples, problems), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # objects that cannot be pickled are simply not cached
        return None


def build_fleet(batch: pd.DataFrame) -> Fleet:
    """Flatten ``batch``'s scenarios; malformed ones become row problems naming the key."""
    global _LAST
    samples, problems = scenarios_of(batch)
    key = _fingerprint(samples, problems)
    with _LOCK:
        last = _LAST
    if key is not None and last is not None and last[0] == key:
        return last[1]
    fleet = _flatten(samples, problems)
    if key is not None:
        with _LOCK:
            _LAST = (key, fleet)
    return fleet


def _flatten(samples: list[Any], problems: list[str | None]) -> Fleet:
    n = len(samples)
    road = np.full((n, 4), np.nan)
    counts = np.zeros(n, dtype=int)
    rows: list[int] = []
    fields: dict[str, list[Any]] = {
        k: [] for k in ("id", "lane", "x", "y", "speed", "heading", "length", "width", "acceleration")
    }
    ego: list[bool] = []
    for i, sample in enumerate(samples):
        if problems[i] is not None:
            continue
        try:
            scenario = parse_scenario(sample)
        except ScenarioError as exc:
            problems[i] = f"malformed: {exc}"
            continue
        r = scenario["road"]
        road[i] = (r["lanes"], r["lane_width"], r["length"], r["speed_limit"])
        counts[i] = len(scenario["vehicles"])
        for v in scenario["vehicles"]:
            rows.append(i)
            for key in fields:
                fields[key].append(v.get(key, 0.0))
            ego.append(v["is_ego"])
    as_float = {k: np.asarray(fields[k], dtype=float) for k in fields if k != "id"}
    vid = np.empty(len(rows), dtype=object)
    vid[:] = fields["id"]
    fleet = Fleet(
        problems=problems,
        prefixes=reason_prefixes(samples),
        lanes=road[:, 0],
        lane_width=road[:, 1],
        road_length=road[:, 2],
        speed_limit=road[:, 3],
        n_vehicles=counts,
        row=np.asarray(rows, dtype=int),
        vid=vid,
        is_ego=np.asarray(ego, dtype=bool),
        **as_float,
    )
    for field in dataclass_fields(fleet):
        value = getattr(fleet, field.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return fleet


def vehicle_pairs(fleet: Fleet) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair of vehicles in the same scenario, as two index arrays (i < j)."""
    total = len(fleet.row)
    if total == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    starts = np.concatenate(([0], np.cumsum(fleet.n_vehicles)[:-1]))
    local = np.arange(total) - starts[fleet.row]
    partners = fleet.n_vehicles[fleet.row] - 1 - local
    first = np.repeat(np.arange(total), partners)
    offsets = np.arange(partners.sum()) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    return first, first + offsets


def box_overlap(fleet: Fleet, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Penetration depth of the oriented boxes of vehicles ``i`` and ``j`` (m); <= 0: apart.

    Separating-axis test for two rectangles: they intersect only if their
    projections overlap on all four edge normals (two per box). The depth is
    the smallest of those four overlaps, the distance one box must move to
    separate them; any axis with a gap makes it negative.
    """
    centre = np.stack([fleet.x, fleet.lateral], axis=-1)
    offset = centre[j] - centre[i]  # (P, 2)
    boxes = []
    for k in (i, j):
        cos, sin = np.cos(fleet.heading[k]), np.sin(fleet.heading[k])
        along = np.stack([cos, sin], axis=-1)  # unit vector along the vehicle
        across = np.stack([-sin, cos], axis=-1)  # unit vector across it
        boxes.append((along, across, fleet.length[k] / 2, fleet.width[k] / 2))
    axes = np.stack([boxes[0][0], boxes[0][1], boxes[1][0], boxes[1][1]])  # (4, P, 2)

    def radius(
        along: np.ndarray, across: np.ndarray, half_length: np.ndarray, half_width: np.ndarray
    ) -> np.ndarray:
        """Half the extent of a box projected on each axis, (4, P)."""
        return half_length * np.abs((axes * along).sum(-1)) + half_width * np.abs((axes * across).sum(-1))

    overlap = radius(*boxes[0]) + radius(*boxes[1]) - np.abs((axes * offset).sum(-1))
    return overlap.min(axis=0)


def _near_pair_batches(fleet: Fleet) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of vehicles of one scenario whose bounding circles meet, a batch at a time (sweep and prune).

    Vehicles are sorted by scenario and ``x``; the ``k``-th batch pairs each
    vehicle with the one ``k`` places ahead, for the vehicles still within
    reach (their own circle plus the largest one) of it. Work and memory grow
    with the pairs that are close along the road, not with the square of
    the vehicle count, and each batch holds at most one pair per vehicle.
    Pairs come as flat indices ``i < j``.
    """
    total = len(fleet.row)
    if total < 2:
        return
    reach = 0.5 * np.hypot(fleet.length, fleet.width)
    order = np.lexsort((fleet.x, fleet.row))
    x, row, r, lateral = fleet.x[order], fleet.row[order], reach[order], fleet.lateral[order]
    widest = float(r.max())
    active = np.arange(total - 1)
    k = 1
    while active.size:
        active = active[active + k < total]
        partner = active + k
        dx = x[partner] - x[active]
        # Sorted by x: once the vehicle k places ahead is out of reach, every later one is too.
        keep = (row[partner] == row[active]) & (dx <= r[active] + widest)
        active, partner, dx = active[keep], partner[keep], dx[keep]
        near = np.hypot(dx, lateral[partner] - lateral[active]) <= r[active] + r[partner]
        a, b = order[active[near]], order[partner[near]]
        yield np.minimum(a, b), np.maximum(a, b)
        k += 1


def _by_pair(i: np.ndarray, j: np.ndarray, *rest: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.lexsort((j, i))
    return tuple(a[order] for a in (i, j, *rest))


def overlapping_pairs(fleet: Fleet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of vehicles whose boxes intersect, with the penetration depth (m), ordered by ``(i, j)``."""
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i, j in _near_pair_batches(fleet):
        depth = box_overlap(fleet, i, j)
        hit = depth > _TOUCH
        found.append((i[hit], j[hit], depth[hit]))
    if not found:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0)
    i, j, depth = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return _by_pair(i, j, depth)  # type: ignore[return-value]


def first_overlaps(fleet: Fleet, shown: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping pairs per scenario: how many (per row), and the first ``shown`` of each by ``(i, j)``.

    :func:`overlapping_pairs` with memory bounded by the vehicle count: a
    pile-up of a thousand vehicles overlaps in half a million pairs, which are
    counted here but not kept. Returns ``(count per row, i, j, depth)``.
    """
    counts = np.zeros(len(fleet.problems), dtype=int)
    kept = (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))
    for i, j in _near_pair_batches(fleet):
        depth = box_overlap(fleet, i, j)
        hit = depth > _TOUCH
        if not hit.any():
            continue
        counts += np.bincount(fleet.row[i[hit]], minlength=len(counts))
        new = (i[hit], j[hit], depth[hit])
        ki, kj, kd = _by_pair(*(np.concatenate(pair) for pair in zip(kept, new, strict=True)))
        rows = fleet.row[ki]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        first = rank < shown
        kept = (ki[first], kj[first], kd[first])
    return (counts, *kept)


def lane_followers(fleet: Fleet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each vehicle and the next one ahead in its lane: (follower, leader, bumper-to-bumper gap m).

    The gap is centre distance minus half of each length, negative when the
    two overlap along the lane.
    """
    order = np.lexsort((fleet.x, fleet.lane, fleet.row))
    same = (fleet.row[order][1:] == fleet.row[order][:-1]) & (fleet.lane[order][1:] == fleet.lane[order][:-1])
    follower, leader = order[:-1][same], order[1:][same]
    gap = fleet.x[leader] - fleet.x[follower] - (fleet.length[leader] + fleet.length[follower]) / 2
    return follower, leader, gap
