"""Every name a study uses, checked against what the installed plugins register, before any work."""

from __future__ import annotations

import difflib
from typing import Any

from synthgenesis.config import StudyConfig, resolve
from synthgenesis.errors import ConfigError, SynthgenesisError
from synthgenesis.manager import PluginManager
from synthgenesis.rulefiles import read_rule_file, rules_from_data
from synthgenesis.types import Domain, GeneratorSpec


def check_against_plugins(config: StudyConfig, pm: PluginManager) -> None:
    """Check every name in the study against what the installed plugins register.

    Each problem is a :class:`~synthgenesis.errors.ConfigError` naming the
    key and the study file: an unknown domain, generator, parameter, reference,
    rule or transfer task, a rule file that cannot be read or that repeats a
    rule's name, or output formats the domain does not write.
    """
    _NameCheck(config, pm).run()


class _NameCheck:
    """The checks of :func:`check_against_plugins`, one method per part of the study."""

    def __init__(self, config: StudyConfig, pm: PluginManager) -> None:
        self.c = config
        self.pm = pm

    def wrap(self, key: str, exc: SynthgenesisError) -> ConfigError:
        return self.c.error(key, str(exc))

    def run(self) -> None:
        domain = self.domain()
        spec = self.generator()
        self.reference(spec)
        self.rules(domain)
        self.task()

    def domain(self) -> Domain:
        c = self.c
        try:
            domain = self.pm.domain(c.study.domain)
        except SynthgenesisError as exc:
            raise self.wrap("study.domain", exc) from exc
        unknown = [f for f in c.output.formats or [] if f not in domain.formats]
        if unknown:
            written = ", ".join(domain.formats)
            raise c.error("output.formats", f"{domain.name} writes {written}, not {', '.join(unknown)}")
        return domain

    def generator(self) -> GeneratorSpec:
        c = self.c
        try:
            name = c.generator.name
            spec = (
                self.pm.generator(name, c.study.domain) if name else self.pm.default_generator(c.study.domain)
            )
        except SynthgenesisError as exc:
            raise self.wrap("generator.name", exc) from exc
        accepted = spec.parameters()
        for key in c.generator.params:
            if key not in accepted:
                close = difflib.get_close_matches(key, accepted, n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"it takes: {', '.join(accepted) or 'nothing'}"
                )
                raise c.error(
                    f"generator.params.{key}", f"generator {spec.name!r} has no such parameter; {hint}"
                )
        return spec

    def reference(self, spec: GeneratorSpec) -> None:
        c = self.c
        try:
            needs_fit = spec.create(**c.generator.params).requires_fit
        except (TypeError, ValueError, ArithmeticError, MemoryError) as exc:
            raise c.error("generator.params", str(exc)) from exc
        if c.reference.dataset is not None:
            try:
                self.pm.reference_dataset(c.reference.dataset, c.study.domain)
            except SynthgenesisError as exc:
                raise self.wrap("reference.dataset", exc) from exc
        elif c.reference.path is None:
            # No real data: only a simulator that needs no fit can run, and nothing can be evaluated.
            if needs_fit:
                raise c.error(
                    "reference",
                    f"generator {spec.name!r} learns from real data: give 'dataset' (a registered reference) "
                    "or 'path' (a file)",
                )
            if c.evaluation.transfer_task is not None:
                raise c.error("evaluation.transfer_task", "a transfer task needs a [reference] to test on")

    def rules(self, domain: Domain) -> None:
        c = self.c
        for key, names in (("rules.include", c.rules.include or []), ("rules.exclude", c.rules.exclude)):
            try:
                self.pm.rules(c.study.domain, names)
            except SynthgenesisError as exc:
                raise self.wrap(key, exc) from exc
        registered = set(self.pm.rules(c.study.domain, c.rules.include)) - set(c.rules.exclude)
        for file in c.rules.files:
            try:
                found = set(rules_from_data(read_rule_file(resolve(c, file)), file, domain))
            except SynthgenesisError as exc:
                raise self.wrap("rules.files", exc) from exc
            repeated = sorted(found & registered)
            if repeated:
                raise c.error("rules.files", f"rule {repeated[0]!r} in {file} is already defined")
            registered |= found

    def task(self) -> None:
        c = self.c
        if c.evaluation.transfer_task is None:
            return
        try:
            task = self.pm.transfer_task(c.evaluation.transfer_task)
        except SynthgenesisError as exc:
            raise self.wrap("evaluation.transfer_task", exc) from exc
        if task.domain != c.study.domain:
            raise c.error(
                "evaluation.transfer_task",
                f"task {task.name!r} is for domain {task.domain!r}, not {c.study.domain!r}",
            )


def default_reference(
    pm: PluginManager, domain: str, generator: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """The ``[reference]`` of a study given no reference: the domain's first registered dataset.

    A simulator runs without one when the domain registers none; a generator
    that learns from real data then needs a reference file.
    """
    pm.domain(domain)  # an unknown or unavailable domain is the first thing to report
    datasets = sorted(pm.reference_datasets(domain))
    if datasets:
        return {"dataset": datasets[0]}
    spec = pm.generator(generator, domain) if generator else pm.default_generator(domain)
    if spec.create(**params).requires_fit:
        raise ConfigError(
            "--reference", f"domain {domain!r} has no registered reference; pass --reference-file"
        )
    return {}
