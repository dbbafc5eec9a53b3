"""Generate -> validate with reject, repair and bounded re-sampling; per-rule counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgenesis.pipeline import REASON_COLUMN, derive_seed, generate, validate_batch
from synthgenesis.types import (
    READ_ERROR_COLUMN,
    CheckResult,
    Constraint,
    ConstraintSpec,
    Domain,
    FunctionValidator,
    Generator,
    ValidatorSpec,
)

DOMAIN = Domain(
    name="toy",
    description="numbers",
    featurize=lambda b: b,
    read=pd.read_csv,
    write=lambda b, p: b.to_csv(p),
    formats=(".csv",),
)


class Normal(Generator):
    requires_fit = False

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n)})


class Positive(Constraint):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] > 0, lambda i: f"x={batch['x'].iat[i]:.2f} is not positive")


class AtMostOne(Constraint):
    repairable = True

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] <= 1, lambda i: f"x={batch['x'].iat[i]:.2f} > 1")

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        batch["x"] = batch["x"].clip(upper=1)
        return batch


def rules(*constraints: tuple[str, Constraint]) -> dict:
    return {n: ConstraintSpec(n, "toy", c) for n, c in constraints}


def test_derive_seed_is_stable_and_distinct() -> None:
    assert derive_seed(7, 0) == derive_seed(7, 0)
    assert len({derive_seed(7, r) for r in range(100)}) == 100
    assert derive_seed(7, 1) != derive_seed(8, 1)


def test_validate_counts_and_reasons() -> None:
    batch = pd.DataFrame({"id": [1, 2, 3, 4], "x": [0.5, -1.0, 2.0, -3.0]})
    out = validate_batch(DOMAIN, batch, rules(("pos", Positive()), ("le1", AtMostOne())))
    assert out.valid.tolist() == [True, False, False, False]
    assert out.stats["pos"].failed == 2 and out.stats["le1"].failed == 1
    assert out.stats["pos"].examples[0] == "id=2: x=-1.00 is not positive"
    assert out.rejected[REASON_COLUMN].tolist() == [
        "pos: x=-1.00 is not positive",
        "le1: x=2.00 > 1",
        "pos: x=-3.00 is not positive",
    ]


def test_repair_fixes_and_counts() -> None:
    batch = pd.DataFrame({"id": [1, 2], "x": [0.5, 2.0]})
    out = validate_batch(DOMAIN, batch, rules(("le1", AtMostOne())), repair=True)
    assert out.valid.all() and out.batch["x"].tolist() == [0.5, 1.0]
    assert out.stats["le1"].repaired == 1 and out.stats["le1"].failed == 0


def test_read_errors_fail_the_read_rule_only() -> None:
    batch = pd.DataFrame(
        {"id": [1, 2, 3], "x": [0.5, np.nan, 2.0], READ_ERROR_COLUMN: [None, "x unreadable", None]}
    )
    out = validate_batch(DOMAIN, batch, rules(("le1", AtMostOne())), repair=True)
    assert out.valid.tolist() == [True, False, True]
    assert out.stats["read"].failed == 1 and out.stats["le1"].checked == 2
    assert out.batch["x"].tolist()[2] == 1.0 and out.batch["id"].tolist() == [1, 2, 3]


def test_a_rule_that_crashes_on_one_record_does_not_kill_the_batch() -> None:
    class Fragile(Constraint):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            if (batch["x"] == 13).any():
                raise ValueError("unlucky number")
            return CheckResult.from_mask(np.ones(len(batch), bool), lambda i: "")

    batch = pd.DataFrame({"id": [1, 2, 3], "x": [1, 13, 2]})
    out = validate_batch(DOMAIN, batch, rules(("fragile", Fragile())))
    assert out.valid.tolist() == [True, False, True]
    assert "could not check this record: ValueError: unlucky number" in out.reasons[1][0]


def test_validators_see_rows_or_sample_column() -> None:
    spec = ValidatorSpec("small", "toy", FunctionValidator(lambda row: None if abs(row["x"]) < 1 else "big"))
    out = validate_batch(DOMAIN, pd.DataFrame({"x": [0.1, 5.0]}), {"small": spec})
    assert out.valid.tolist() == [True, False] and out.stats["small"].kind == "validator"


def test_generate_resamples_until_enough_valid() -> None:
    res = generate(DOMAIN, Normal(), 200, seed=3, rules=rules(("pos", Positive())))
    assert len(res.samples) == 200 and res.complete and (res.samples["x"] > 0).all()
    assert res.rounds >= 2 and res.drawn > 200
    assert 0.3 < res.acceptance_rate < 0.7  # about half of a standard normal is positive
    assert res.stats["pos"].checked == res.drawn


def test_generate_is_deterministic_for_a_seed() -> None:
    a = generate(DOMAIN, Normal(), 50, seed=11, rules=rules(("pos", Positive())))
    b = generate(DOMAIN, Normal(), 50, seed=11, rules=rules(("pos", Positive())))
    pd.testing.assert_frame_equal(a.samples, b.samples)


def test_generate_keeps_what_it_has_when_the_budget_runs_out() -> None:
    class Never(Constraint):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            return CheckResult.from_mask(batch["x"] > 3.5, lambda i: "too small")

    res = generate(DOMAIN, Normal(), 100, seed=0, rules=rules(("never", Never())), max_rounds=2)
    assert not res.complete and res.rounds == 2
    assert len(res.samples) < 100 and (res.samples["x"] > 3.5).all()
    assert len(res.rejected) == res.drawn - len(res.samples)
    assert res.summary()["complete"] is False


def test_generate_rejects_bad_policy() -> None:
    with pytest.raises(ValueError, match="policy"):
        generate(DOMAIN, Normal(), 1, seed=0, rules={}, policy="fix")  # type: ignore[arg-type]


def test_a_reason_that_already_names_its_row_is_not_prefixed_twice() -> None:
    from synthgenesis.pipeline import _with_label

    batch = pd.DataFrame({"patient_id": [None, "p2"], "age": [1, 2]})
    assert _with_label(batch, 0, "row 0: patient_id is missing") == "row 0: patient_id is missing"
    assert _with_label(batch, 0, "age is missing") == "row 0: age is missing"
    assert _with_label(batch, 1, "age is missing") == "patient_id=p2: age is missing"
