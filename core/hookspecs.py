"""Hook specifications: what a synthgenesis plugin can provide.

All hooks start with ``synthgenesis_`` and are marked with :data:`hookimpl`
from this module (or ``pluggy.HookimplMarker("synthgenesis")``). Registration
hooks take no arguments and return an iterable of typed records from
:mod:`synthgenesis.types`; every plugin's results are collected. The one
``firstresult`` hook picks a single answer and says so.

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

from synthgenesis.types import ConstraintSpec, Domain, GeneratorSpec, TransferTask, ValidatorSpec

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
def synthgenesis_register_validators() -> Iterable[ValidatorSpec]:
    """Register per-sample validators: pass, or fail with a reason; never raise.

    :returns: an iterable of :class:`~synthgenesis.types.ValidatorSpec` records.

    A validator sees one sample at a time (a row, or the object in the
    domain's ``sample_column``) and returns ``None`` if it passes, else a
    sentence naming the offending value.

    Example::

        @hookimpl
        def synthgenesis_register_validators():
            yield ValidatorSpec(
                name="sensors-humidity-range", domain="sensors",
                validator=FunctionValidator(
                    lambda row: None if 0 <= row["humidity"] <= 100
                    else f"humidity {row['humidity']} outside [0, 100]"),
            )
    """


@hookspec
def synthgenesis_register_constraints() -> Iterable[ConstraintSpec]:
    """Register domain constraints: vectorised rules with ``check`` and optional ``repair``.

    :returns: an iterable of :class:`~synthgenesis.types.ConstraintSpec` records.

    ``check(batch)`` returns a :class:`~synthgenesis.types.CheckResult` (mask
    and reasons). If the constraint is ``repairable``, the pipeline may call
    ``repair(batch)`` and check again before rejecting rows.

    Example::

        class NonNegativeTemp(Constraint):
            repairable = True
            def _check(self, batch):
                return CheckResult.from_mask(batch["temp"] >= -273.15,
                    lambda i: f"temp {batch['temp'].iat[i]} below absolute zero")
            def _repair(self, batch):
                batch["temp"] = batch["temp"].clip(lower=-273.15)
                return batch

        @hookimpl
        def synthgenesis_register_constraints():
            yield ConstraintSpec(name="sensors-temp-physical", domain="sensors",
                                 constraint=NonNegativeTemp())
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


@hookspec(firstresult=True)
def synthgenesis_default_generator(domain: str) -> str | None:
    """Pick the generator used for ``domain`` when none is named (``firstresult``).

    :param domain: the domain name.
    :returns: a generator name, or ``None`` to let another plugin answer.

    The first non-``None`` answer wins; plugins registered later are asked first
    (pluggy's LIFO order), so a third-party plugin can override a built-in.

    Example::

        @hookimpl
        def synthgenesis_default_generator(domain):
            return "sensors-bootstrap" if domain == "sensors" else None
    """


#: Every hook name, in the order of the reference documentation.
HOOK_NAMES = (
    "synthgenesis_register_domains",
    "synthgenesis_register_generators",
    "synthgenesis_register_validators",
    "synthgenesis_register_constraints",
    "synthgenesis_register_transfer_tasks",
    "synthgenesis_default_generator",
)
