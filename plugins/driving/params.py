"""Parameters of naturalistic highway traffic, checked when they are set (:class:`TrafficParams`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any


def _pair(value: Any, name: str, low: float = 0.0) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a [low, high] pair of numbers, got {value!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a < low or b < a:
        raise ValueError(f"{name} must be a pair low <= high with low >= {low:g}, got {value!r}")
    return a, b


def check_number(
    value: Any, name: str, low: float, high: float = math.inf, *, open_low: bool = False
) -> float:
    """``value`` as a float if it is finite and in ``[low, high]`` (``(low, high]`` with ``open_low``)."""
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
            set_(self, name, check_number(getattr(self, name), name, low, high))
        for name in ("follow_time", "duration"):
            check_number(getattr(self, name), name, 0.0, open_low=True)
        if self.density[1] >= self.jam_density:
            raise ValueError(f"density {self.density!r} must stay below jam_density {self.jam_density:g}")

    def to_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON values (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


PARAMETERS = tuple(f.name for f in fields(TrafficParams))
