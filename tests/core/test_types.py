"""Records check their names and shapes; base contracts validate arguments and state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgenesis.errors import InvalidDataError, NotFittedError
from synthgenesis.types import (
    CheckResult,
    Constraint,
    FunctionValidator,
    Generator,
    GeneratorSpec,
    check_name,
)


@pytest.mark.parametrize("bad", ["", "Upper", "1starts-with-digit", "has space", None, 3])
def test_bad_names_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="name"):
        check_name(bad, "generator")


@pytest.mark.parametrize("good", ["a", "patients-gaussian-copula", "x1.y_z"])
def test_good_names_pass(good: str) -> None:
    assert check_name(good, "domain") == good


def test_check_result_requires_one_reason_per_row() -> None:
    with pytest.raises(ValueError, match="one reason per row"):
        CheckResult(np.array([True, False]), [None])
    r = CheckResult.from_mask(np.array([True, False, False]), lambda i: f"row {i} bad")
    assert r.reasons == [None, "row 1 bad", "row 2 bad"] and r.n_failed == 2


class Const(Generator):
    def _fit(self, reference: pd.DataFrame) -> None:
        self.value = float(reference["x"].iloc[0])

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame({"x": np.full(n, self.value) + rng.normal(size=n)})


def test_generator_contract() -> None:
    gen = Const()
    with pytest.raises(NotFittedError, match="fit"):
        gen.sample(3, seed=0)
    with pytest.raises(InvalidDataError, match="empty"):
        gen.fit(pd.DataFrame({"x": []}))
    with pytest.raises(InvalidDataError, match="DataFrame"):
        gen.fit([1, 2, 3])  # type: ignore[arg-type]
    gen.fit(pd.DataFrame({"x": [5.0]}))
    a, b = gen.sample(4, seed=1), gen.sample(4, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(gen.sample(4, seed=2))
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="non-negative integer"):
            gen.sample(bad, seed=0)  # type: ignore[arg-type]


def test_generator_spec_checks_parameters() -> None:
    def factory(*, alpha: float = 1.0) -> Const:
        return Const()

    spec = GeneratorSpec("const", "toy", factory)
    assert set(spec.parameters()) == {"alpha"}
    with pytest.raises(TypeError, match="does not take beta; it takes: alpha"):
        spec.create(beta=2)


def test_validator_turns_exceptions_into_reasons() -> None:
    v = FunctionValidator(lambda s: None if s["x"] > 0 else "x <= 0")
    batch = pd.DataFrame({"x": [1, -1]})
    result = v.check(batch, None)
    assert result.mask.tolist() == [True, False] and result.reasons[1] == "x <= 0"
    assert "could not be checked: KeyError" in v.validate({"y": 1})


def test_constraint_length_mismatch_is_a_plugin_bug() -> None:
    class Wrong(Constraint):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            return CheckResult(np.array([True]), [None])

    with pytest.raises(RuntimeError, match="1 results for 2 rows"):
        Wrong().check(pd.DataFrame({"x": [1, 2]}))
    with pytest.raises(NotImplementedError, match="cannot repair"):
        Wrong().repair(pd.DataFrame({"x": [1]}))
