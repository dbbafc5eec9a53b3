"""Generators of the ``driving`` domain: naturalistic highway traffic and safety-critical variants of it.

- ``driving-naturalistic`` (:class:`NaturalisticTraffic`) builds initial
  highway states the way traffic flow theory describes them: lanes with
  their own densities, shifted log-normal time gaps, lane-dependent speeds,
  car following, cars and trucks, one ego. The model is
  :mod:`~synthgenesis.plugins.driving.traffic`, its parameters
  :mod:`~synthgenesis.plugins.driving.params`.
- ``driving-critical`` (:class:`CriticalTraffic`) rearranges the traffic
  around the ego of the same scenarios into a close-follow, braking-lead or
  cut-in situation (:mod:`~synthgenesis.plugins.driving.manoeuvres`).

Both turn the arrays into scenario batches with
:mod:`~synthgenesis.plugins.driving.batches`, and ``fit`` measures the
traffic parameters on real scenarios
(:mod:`~synthgenesis.plugins.driving.fitting`). This module holds the
generator classes and their factories.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthgenesis.plugins.driving.batches import scenario_ids, to_batch
from synthgenesis.plugins.driving.fitting import estimate, fit_time_gaps
from synthgenesis.plugins.driving.manoeuvres import MANOEUVRES, make_critical
from synthgenesis.plugins.driving.params import PARAMETERS, TrafficParams, check_number
from synthgenesis.plugins.driving.traffic import Traffic, sample_traffic
from synthgenesis.types import Generator

__all__ = [
    "MANOEUVRES",
    "PARAMETERS",
    "CriticalTraffic",
    "NaturalisticTraffic",
    "Traffic",
    "TrafficParams",
    "critical",
    "estimate",
    "fit_time_gaps",
    "make_critical",
    "naturalistic",
    "sample_traffic",
    "to_batch",
]


class NaturalisticTraffic(Generator):
    """Naturalistic highway scenarios (see the module docstring); ``fit`` is optional."""

    requires_fit = False
    prefix: ClassVar[str] = "naturalistic"

    def __init__(self, params: TrafficParams | None = None) -> None:
        super().__init__()
        self.params = params or TrafficParams()

    def _fit(self, reference: pd.DataFrame) -> None:
        self.params = estimate(reference, self.params)

    def _metadata(self, n: int) -> list[dict[str, Any]]:
        return [{"generator": f"driving-{self.prefix}"} for _ in range(n)]

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        ids = scenario_ids(self.prefix, n, rng)
        traffic = sample_traffic(self.params, n, rng)
        return to_batch(traffic, self.params, ids, self._metadata(n))

    def get_state(self) -> dict[str, Any]:
        """The parameters (plain JSON values) and whether they were fitted."""
        return {"params": self.params.to_dict(), "fitted": self.fitted}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> NaturalisticTraffic:
        """The generator :meth:`get_state` describes."""
        gen = cls(TrafficParams(**state["params"]))
        gen._fitted = bool(state.get("fitted", False))
        return gen


class CriticalTraffic(NaturalisticTraffic):
    """Naturalistic scenarios rearranged into critical situations around the ego (module docstring)."""

    prefix: ClassVar[str] = "critical"

    def __init__(
        self,
        params: TrafficParams | None = None,
        criticality: float = 0.5,
        manoeuvres: Sequence[str] = MANOEUVRES,
    ) -> None:
        super().__init__(params)
        self.criticality = check_number(criticality, "criticality", 0.0, 1.0)
        names = [manoeuvres] if isinstance(manoeuvres, str) else list(manoeuvres)
        unknown = [m for m in names if m not in MANOEUVRES]
        if not names or unknown:
            raise ValueError(
                f"manoeuvres must be a non-empty list of {', '.join(MANOEUVRES)}; got {manoeuvres!r}"
            )
        self.manoeuvres = tuple(names)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        ids = scenario_ids(self.prefix, n, rng)
        traffic = sample_traffic(self.params, n, rng)
        traffic, kind, moved = make_critical(traffic, self.params, self.criticality, self.manoeuvres, rng)
        metadata = [
            {"generator": "driving-critical", "criticality": self.criticality, "manoeuvre": MANOEUVRES[k]}
            for k in kind.tolist()
        ]
        return to_batch(traffic, self.params, ids, metadata, moved)

    def get_state(self) -> dict[str, Any]:
        """The naturalistic state with the criticality and the manoeuvres."""
        return {
            **super().get_state(),
            "criticality": self.criticality,
            "manoeuvres": list(self.manoeuvres),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CriticalTraffic:
        """The generator :meth:`get_state` describes."""
        gen = cls(TrafficParams(**state["params"]), state["criticality"], state["manoeuvres"])
        gen._fitted = bool(state.get("fitted", False))
        return gen


# --------------------------------------------------------------------------- factories


def naturalistic(
    *,
    lanes: Sequence[int] = TrafficParams.lanes,
    lane_width: Sequence[float] = TrafficParams.lane_width,
    speed_limits: Sequence[float] = TrafficParams.speed_limits,
    road_length: float = TrafficParams.road_length,
    density: Sequence[float] = TrafficParams.density,
    lane_density_noise: float = TrafficParams.lane_density_noise,
    jam_density: float = TrafficParams.jam_density,
    truck_share: float = TrafficParams.truck_share,
    truck_speed: float = TrafficParams.truck_speed,
    desired_speed: float = TrafficParams.desired_speed,
    lane_speed_drop: float = TrafficParams.lane_speed_drop,
    speed_noise: float = TrafficParams.speed_noise,
    speed_cap: float = TrafficParams.speed_cap,
    time_gap_shift: float = TrafficParams.time_gap_shift,
    time_gap_sigma: float = TrafficParams.time_gap_sigma,
    follow_time: float = TrafficParams.follow_time,
    lateral_noise: float = TrafficParams.lateral_noise,
    heading_noise: float = TrafficParams.heading_noise,
    acceleration_noise: float = TrafficParams.acceleration_noise,
    ego_position: Sequence[float] = TrafficParams.ego_position,
    duration: float = TrafficParams.duration,
) -> NaturalisticTraffic:
    """Naturalistic highway traffic; every parameter is a field of :class:`TrafficParams`."""
    values = locals()
    return NaturalisticTraffic(TrafficParams(**{k: values[k] for k in PARAMETERS}))


def critical(
    *, criticality: float = 0.5, manoeuvres: Sequence[str] = MANOEUVRES, **traffic: Any
) -> CriticalTraffic:
    """Critical situations around the ego of naturalistic traffic (``criticality`` in [0, 1]).

    The other keyword parameters are :func:`naturalistic`'s (the traffic the
    situations start from); its signature is part of this one, so parameter
    names are checked and listed as for any generator.
    """
    params = naturalistic(**traffic).params
    return CriticalTraffic(params, criticality=criticality, manoeuvres=manoeuvres)


critical.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        *list(inspect.signature(critical).parameters.values())[:2],
        *inspect.signature(naturalistic).parameters.values(),
    ],
    return_annotation=CriticalTraffic,
)
