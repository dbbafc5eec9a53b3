"""A toy plugin registered in code for execution tests: a generator that can be told to fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from synthgenesis import hookimpl, manager
from synthgenesis.manager import PluginManager
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.types import Domain, Generator, GeneratorSpec


class Flaky(Generator):
    """Normal draws; raises for the seeds in ``fail`` (once each if ``once``)."""

    requires_fit = False
    fail: ClassVar[set[int]] = set()
    once: ClassVar[bool] = True

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        x = rng.normal(size=n)
        seed = int(rng.bit_generator.seed_seq.entropy)  # type: ignore[attr-defined]
        if seed in Flaky.fail:
            if Flaky.once:
                Flaky.fail.discard(seed)
            raise RuntimeError(f"simulated worker fault on seed {seed}")
        return pd.DataFrame({"record_id": np.zeros(n, dtype=np.int64), "x": x})


class Positive(Rule):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] > 0, lambda i: f"x={batch['x'].iat[i]:.2f} <= 0")


class Plugin:
    @hookimpl
    def synthgenesis_register_domains(self) -> list[Domain]:
        return [
            Domain(
                name="toy",
                description="numbers",
                featurize=lambda b: b[["x"]],
                read=pd.read_csv,
                write=lambda b, p: b.to_csv(p, index=False),
                formats=(".csv",),
            )
        ]

    @hookimpl
    def synthgenesis_register_generators(self) -> list[GeneratorSpec]:
        return [GeneratorSpec("toy-flaky", "toy", Flaky)]

    @hookimpl
    def synthgenesis_register_rules(self) -> list[RuleSpec]:
        return [RuleSpec("toy-positive", "toy", Positive())]


@pytest.fixture
def toy_pm() -> Iterator[PluginManager]:
    """The toy plugin as the process-wide manager (what in-process workers use)."""
    pm = PluginManager(autoload=False)
    pm.register(Plugin(), name="toy")
    manager.reset_plugin_manager(lambda: pm)
    Flaky.fail = set()
    Flaky.once = True
    yield pm
    Flaky.fail = set()


def _toy_plan(**overrides: Any) -> Any:
    from synthgenesis.execution import GenerationPlan

    args: dict[str, Any] = {
        "domain": "toy",
        "generator": "toy-flaky",
        "state": None,
        "n": 250,
        "seed": 11,
        "block_size": 60,
        "policy": "reject",
        "id_column": "record_id",
    }
    return GenerationPlan(**{**args, **overrides})


@pytest.fixture
def toy_plan() -> Callable[..., Any]:
    """Build a toy plan (250 rows in blocks of 60, half the draws rejected), with overrides."""
    return _toy_plan


@pytest.fixture
def flaky() -> type[Flaky]:
    return Flaky
