"""Driving: initial traffic scenarios on a straight multi-lane road, and the rules they obey.

A sample is a scenario dict (JSON, versioned by ``schema_version``): the road
(lanes, lane width, length, speed limit) and every vehicle with its lane,
position, speed, heading, size and whether it is the ego. The rules catch
what makes a scenario unusable for simulation: overlapping vehicles at the
start, implausible speeds or accelerations, crashes no braking could avoid,
vehicles off the road, impossible dimensions. Two generators draw highway
scenarios: naturalistic traffic, and safety-critical situations built from
it. The format follows highway-env's road frame so scenarios can be
replayed in a gymnasium environment; rules and generators are plain numpy.
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
def synthgenesis_register_generators() -> list[Any]:
    from synthgenesis.plugins.driving import generators
    from synthgenesis.types import GeneratorSpec

    return [
        GeneratorSpec(
            name="driving-naturalistic",
            domain="driving",
            factory=generators.naturalistic,
            description="highway traffic: per-lane densities, shifted log-normal time gaps, lane-dependent "
            "speeds with car following, cars and trucks, one ego; optional fit of its parameters",
        ),
        GeneratorSpec(
            name="driving-critical",
            domain="driving",
            factory=generators.critical,
            description="naturalistic traffic rearranged around the ego into a close follow, a braking lead "
            "vehicle or a cut-in, as extreme as criticality in [0, 1]",
        ),
    ]


@hookimpl
def synthgenesis_default_generator(domain: str) -> str | None:
    return "driving-naturalistic" if domain == "driving" else None


@hookimpl
def synthgenesis_register_validators() -> list[Any]:
    from synthgenesis.plugins.driving import rules

    return list(rules.validators())


@hookimpl
def synthgenesis_register_constraints() -> list[Any]:
    from synthgenesis.plugins.driving import rules

    return list(rules.constraints())
