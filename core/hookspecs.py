"""Hook specifications: what a synthgenesis plugin can provide.

All hooks start with ``synthgenesis_`` and are marked with :data:`hookimpl`
from this module (or ``pluggy.HookimplMarker("synthgenesis")``). Every hook
takes no arguments and returns an iterable of typed records from
:mod:`synthgenesis.types`; every plugin's results are collected. (Which
generator a domain uses by default is part of its record,
:attr:`~synthgenesis.types.Domain.default_generator`, not a hook.)

A minimal plugin module::

    from synthgenesis import hookimpl
    from synthgenesis.types import GeneratorSpec

    @hookimpl
    def synthgenesis_register_generators():
        yield GeneratorSpec(name="my-copula", domain="patients", factory=MyCopula)
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from synthgenesis.rules import RuleSpec
from synthgenesis.types import Domain, GeneratorSpec, TransferTask

PROJECT = "synthgenesis"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def synthgenesis_register_domains() -> Iterable[Domain]:
    """Register domains: kinds of samples with schema, featurizer, I/O and real data.

    :returns: an iterable of :class:`~synthgenesis.types.Domain` records.

    A domain name must be unique across all plugins; a second registration of
    the same name raises :class:`~synthgenesis.errors.DuplicateNameError`.

    Example::

        @hookimpl
        def synthgenesis_register_domains():
            yield Domain(
                name="sensors", description="IoT sensor readings",
                featurize=lambda batch: batch[["temp", "humidity"]],
                read=pd.read_csv, write=lambda b, p: b.to_csv(p, index=False),
                formats=(".csv",),
            )
    """


@hookspec
def synthgenesis_register_generators() -> Iterable[GeneratorSpec]:
    """Register generators: factories of objects with ``fit(reference)`` and ``sample(n, seed)``.

    :returns: an iterable of :class:`~synthgenesis.types.GeneratorSpec` records.

    The factory's keyword arguments are the generator's parameters; study
    configs are checked against them. The generator's domain must be
    registered by some plugin.

    Example::

        @hookimpl
        def synthgenesis_register_generators():
            yield GeneratorSpec(name="sensors-bootstrap", domain="sensors",
                                factory=BootstrapGenerator)
    """


@hookspec
def synthgenesis_register_rules() -> Iterable[RuleSpec]:
    """Register domain rules: ``check(batch)`` gives a mask and reasons; some can ``repair``.

    :returns: an iterable of :class:`~synthgenesis.rules.RuleSpec` records.

    A rule is a :class:`~synthgenesis.rules.Rule`: ``check(batch)`` returns a
    :class:`~synthgenesis.rules.CheckResult` (one pass/fail per row and a
    reason for each failing row). A rule that judges each sample on its own
    derives from :class:`~synthgenesis.rules.SampleRule` and implements
    ``_validate(sample) -> reason | None``; an exception it raises becomes the
    sample's reason. If the rule is ``repairable``, the pipeline may call
    ``repair(batch)`` and check again before rejecting rows.
    ``RuleSpec(..., default=False)`` registers an opt-in rule, applied only
    when named.

    Example::

        class HumidityRange(SampleRule):
            def _validate(self, row):
                h = row["humidity"]
                return None if 0 <= h <= 100 else f"humidity {h} outside [0, 100]"

        class TempPhysical(Rule):
            repairable = True
            def _check(self, batch):
                return CheckResult.from_mask(batch["temp"] >= -273.15,
                    lambda i: f"temp {batch['temp'].iat[i]} below absolute zero")
            def _repair(self, batch):
                batch["temp"] = batch["temp"].clip(lower=-273.15)
                return batch

        @hookimpl
        def synthgenesis_register_rules():
            yield RuleSpec("sensors-humidity-range", "sensors", HumidityRange())
            yield RuleSpec("sensors-temp-physical", "sensors", TempPhysical())
    """


@hookspec
def synthgenesis_register_transfer_tasks() -> Iterable[TransferTask]:
    """Register transfer tasks: supervised tasks on a real reference dataset.

    :returns: an iterable of :class:`~synthgenesis.types.TransferTask` records.

    A task names the domain, the reference dataset it is evaluated on, the
    target column and the task kind; the evaluation engine trains on synthetic
    data and tests on real data, and compares with training on real data.

    Example::

        @hookimpl
        def synthgenesis_register_transfer_tasks():
            yield TransferTask(name="sensors-failure", domain="sensors",
                               reference="sensors-plant-a", target="failed",
                               kind="classification")
    """


#: Every hook name, in the order of the reference documentation.
HOOK_NAMES = (
    "synthgenesis_register_domains",
    "synthgenesis_register_generators",
    "synthgenesis_register_rules",
    "synthgenesis_register_transfer_tasks",
)
