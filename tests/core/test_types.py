"""Records check their names and shapes; base contracts validate arguments and state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgenesis.errors import InvalidDataError, NotFittedError
from synthgenesis.lazyplugin import lazy
from synthgenesis.types import (
    CheckResult,
    Domain,
    FunctionRule,
    Generator,
    GeneratorSpec,
    Rule,
    RuleSpec,
    SampleRule,
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


def test_generator_spec_reads_a_lazy_factorys_parameters_without_importing_it_first() -> None:
    spec = GeneratorSpec("gm", "toy", lazy("synthgenesis.tabular.mixture:GaussianMixture"))
    assert spec.factory._target is None  # nothing imported yet
    assert "n_components" in spec.parameters()
    with pytest.raises(TypeError, match="does not take colour"):
        spec.create(colour=1)


def test_lazy_reference_errors_name_the_reference() -> None:
    with pytest.raises(ValueError, match=r"must look like 'package\.module:attribute'"):
        lazy("no_colon")
    missing = lazy("synthgenesis.types:NoSuchThing")
    with pytest.raises(AttributeError, match="NoSuchThing"):
        missing()


def test_sample_rule_turns_exceptions_into_reasons() -> None:
    rule = FunctionRule(lambda s: None if s["x"] > 0 else "x <= 0")
    result = rule.check(pd.DataFrame({"x": [1, -1]}))
    assert result.mask.tolist() == [True, False] and result.reasons[1] == "x <= 0"
    assert "could not be checked: KeyError" in rule.validate({"y": 1})
    crashing = rule.check(pd.DataFrame({"y": [1, 2]}))  # every row raises KeyError, the batch does not
    assert crashing.n_failed == 2 and all("KeyError" in r for r in crashing.reasons if r)


def test_sample_rule_reads_its_sample_column_and_names_it_when_absent() -> None:
    class Short(SampleRule):
        sample_column = "text"

        def _validate(self, sample: str) -> str | None:
            return None if len(sample) < 4 else f"{sample!r} is too long"

    batch = pd.DataFrame({"text": ["ab", "abcdef"], "other": [1, 2]})
    assert Short().check(batch).reasons == [None, "'abcdef' is too long"]
    absent = Short().check(batch[["other"]])
    assert absent.reasons == ["batch has no 'text' column"] * 2


def test_rule_length_mismatch_is_a_plugin_bug() -> None:
    class Wrong(Rule):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            return CheckResult(np.array([True]), [None])

    with pytest.raises(RuntimeError, match="1 results for 2 rows"):
        Wrong().check(pd.DataFrame({"x": [1, 2]}))
    with pytest.raises(NotImplementedError, match="cannot repair"):
        Wrong().repair(pd.DataFrame({"x": [1]}))

    class NotAResult(Rule):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            return [True] * len(batch)  # type: ignore[return-value]

    with pytest.raises(TypeError, match="not a CheckResult"):
        NotAResult().check(pd.DataFrame({"x": [1]}))


def test_rule_spec_checks_its_fields() -> None:
    rule = FunctionRule(lambda s: None)
    spec = RuleSpec("toy-ok", "toy", rule)
    assert spec.default is True and spec.kind == "sample"
    with pytest.raises(ValueError, match="rule name 'Bad Name'"):
        RuleSpec("Bad Name", "toy", rule)
    with pytest.raises(TypeError, match=r"must be a synthgenesis\.rules\.Rule instance, got function"):
        RuleSpec("toy-fn", "toy", lambda b: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="default must be true or false"):
        RuleSpec("toy-x", "toy", rule, default="no")  # type: ignore[arg-type]

    class Batchwise(Rule):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            return CheckResult.from_reasons([None] * len(batch))

    assert RuleSpec("toy-b", "toy", Batchwise()).kind == "batch"


def test_domain_checks_id_column_and_default_generator() -> None:
    def make(**kw: object) -> Domain:
        return Domain("toy", "numbers", lambda b: b, pd.read_csv, lambda b, p: None, (".csv",), **kw)  # type: ignore[arg-type]

    dom = make(id_column="record_id", default_generator="toy-gen")
    assert dom.id_column == "record_id" and dom.default_generator == "toy-gen" and dom.extra is None
    assert make().id_column is None
    with pytest.raises(ValueError, match="default generator name 'Toy Gen'"):
        make(default_generator="Toy Gen")
    with pytest.raises(ValueError, match="id_column"):
        make(id_column="")
