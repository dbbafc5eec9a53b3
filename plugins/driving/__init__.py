"""Driving: initial traffic scenarios on a straight multi-lane road, and the rules they obey.

A sample is a scenario dict (JSON, versioned by ``schema_version``): the road
(lanes, lane width, length, speed limit) and every vehicle with its lane,
position, speed, heading, size and whether it is the ego. The rules catch
what makes a scenario unusable for simulation: overlapping vehicles at the
start, implausible speeds or accelerations, crashes no braking could avoid,
vehicles off the road, impossible dimensions. Two generators draw highway
scenarios: naturalistic traffic, and safety-critical situations built from
it. The format follows highway-env's road frame so scenarios can be
replayed in a gymnasium environment; rules and generators are plain numpy,
so the plugin needs nothing beyond synthgenesis itself.
"""

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec

PLUGIN = LazyPlugin(
    extra="driving",
    requires=(),
    domains="synthgenesis.plugins.driving.domain:DOMAIN",
    rules="synthgenesis.plugins.driving.rules:RULES",
    generators=[
        GeneratorSpec(
            name="driving-naturalistic",
            domain="driving",
            factory=lazy("synthgenesis.plugins.driving.generators:naturalistic"),
            description="highway traffic: per-lane densities, shifted log-normal time gaps, lane-dependent "
            "speeds with car following, cars and trucks, one ego; optional fit of its parameters",
        ),
        GeneratorSpec(
            name="driving-critical",
            domain="driving",
            factory=lazy("synthgenesis.plugins.driving.generators:critical"),
            description="naturalistic traffic rearranged around the ego into a close follow, a braking lead "
            "vehicle or a cut-in, as extreme as criticality in [0, 1]",
        ),
    ],
)
