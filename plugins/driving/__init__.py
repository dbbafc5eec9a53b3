"""Driving: initial traffic scenarios on a straight multi-lane road, and the rules they obey.

A sample is a scenario dict (JSON, versioned by ``schema_version``): the road
(lanes, lane width, length, speed limit) and every vehicle with its lane,
position, speed, heading, size and whether it is the ego. The rules catch
what makes a scenario unusable for simulation: overlapping vehicles at the
start, implausible speeds, vehicles off the road, impossible dimensions. The
format follows highway-env's road frame so scenarios can be replayed in a
gymnasium environment; the rules themselves are plain numpy.
"""

from __future__ import annotations

from typing import Any

from synthgenesis.hookspecs import hookimpl

SYNTHGENESIS_EXTRA = "driving"
SYNTHGENESIS_REQUIRES = ("gymnasium",)


@hookimpl
def synthgenesis_register_domains() -> list[Any]:
    from synthgenesis.plugins.driving.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_validators() -> list[Any]:
    from synthgenesis.plugins.driving import rules

    return list(rules.validators())


@hookimpl
def synthgenesis_register_constraints() -> list[Any]:
    from synthgenesis.plugins.driving import rules

    return list(rules.constraints())
