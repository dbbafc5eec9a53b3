"""Validation: rules with reject and repair, per-rule counts, reasons naming the record."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from synthgenesis.pipeline import REASON_COLUMN, _with_label, record_label, validate_batch
from synthgenesis.types import READ_ERROR_COLUMN, CheckResult, Domain, FunctionRule, Rule, RuleSpec

DOMAIN = Domain(
    name="toy",
    description="numbers",
    featurize=lambda b: b,
    read=pd.read_csv,
    write=lambda b, p: b.to_csv(p),
    formats=(".csv",),
    id_column="id",
)


class Positive(Rule):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] > 0, lambda i: f"x={batch['x'].iat[i]:.2f} is not positive")


class AtMostOne(Rule):
    repairable = True

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] <= 1, lambda i: f"x={batch['x'].iat[i]:.2f} > 1")

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        batch["x"] = batch["x"].clip(upper=1)
        return batch


def rules(*pairs: tuple[str, Rule]) -> dict[str, RuleSpec]:
    return {n: RuleSpec(n, "toy", r) for n, r in pairs}


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
    class Fragile(Rule):
        def _check(self, batch: pd.DataFrame) -> CheckResult:
            if (batch["x"] == 13).any():
                raise ValueError("unlucky number")
            return CheckResult.from_mask(np.ones(len(batch), bool), lambda i: "")

    batch = pd.DataFrame({"id": [1, 2, 3], "x": [1, 13, 2]})
    out = validate_batch(DOMAIN, batch, rules(("fragile", Fragile())))
    assert out.valid.tolist() == [True, False, True]
    assert "could not check this record: ValueError: unlucky number" in out.reasons[1][0]


def test_sample_rules_see_rows_and_their_kind_is_reported() -> None:
    spec = RuleSpec("small", "toy", FunctionRule(lambda row: None if abs(row["x"]) < 1 else "big"))
    out = validate_batch(DOMAIN, pd.DataFrame({"x": [0.1, 5.0]}), {"small": spec})
    assert out.valid.tolist() == [True, False] and out.stats["small"].kind == "sample"
    out = validate_batch(DOMAIN, pd.DataFrame({"id": [1], "x": [0.1]}), rules(("pos", Positive())))
    assert out.stats["pos"].kind == "batch"


def test_sample_rules_see_the_sample_column() -> None:
    objects = Domain(
        name="objs",
        description="dicts",
        featurize=lambda b: b,
        read=pd.read_csv,
        write=lambda b, p: None,
        formats=(".json",),
        sample_column="obj",
        id_column="record_id",
    )
    rule = FunctionRule(lambda obj: None if obj.get("ok") else f"not ok: {obj}", sample_column="obj")
    batch = pd.DataFrame({"record_id": ["a", "b"], "obj": [{"ok": True}, {"ok": False}]})
    out = validate_batch(objects, batch, {"ok": RuleSpec("ok", "objs", rule)})
    assert out.valid.tolist() == [True, False]
    assert out.stats["ok"].examples == ["record_id=b: not ok: {'ok': False}"]


def test_a_repairable_sample_rule_repairs_too() -> None:
    class Clip(FunctionRule):
        repairable = True

        def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
            batch["x"] = batch["x"].clip(-1, 1)
            return batch

    spec = RuleSpec("clip", "toy", Clip(lambda row: None if abs(row["x"]) <= 1 else f"|x|={abs(row['x'])}"))
    out = validate_batch(DOMAIN, pd.DataFrame({"id": [1, 2], "x": [0.5, -3.0]}), {"clip": spec}, repair=True)
    assert out.valid.all() and out.batch["x"].tolist() == [0.5, -1.0] and out.stats["clip"].repaired == 1


def test_records_are_named_by_the_domains_id_column_only() -> None:
    batch = pd.DataFrame({"patient_id": ["p1", None], "record_id": ["r1", "r2"], "x": [1, 2]})
    assert record_label(batch, 0, id_column="patient_id") == "patient_id=p1"
    assert record_label(batch, 1, id_column="patient_id") == "row 1"  # missing id: named by its row
    assert record_label(batch, 1, offset=10, id_column="patient_id") == "row 11"
    assert record_label(batch, 0) == "row 0"  # a domain without an id column
    assert record_label(batch, 0, id_column="record_id") == "record_id=r1"
    no_ids = dataclasses.replace(DOMAIN, id_column=None)
    out = validate_batch(no_ids, pd.DataFrame({"id": [7], "x": [-1.0]}), rules(("pos", Positive())))
    assert out.stats["pos"].examples == ["row 0: x=-1.00 is not positive"]


def test_a_reason_that_already_names_its_row_is_not_prefixed_twice() -> None:
    batch = pd.DataFrame({"patient_id": [None, "p2"], "age": [1, 2]})
    ids = "patient_id"
    assert _with_label(batch, 0, "row 0: patient_id is missing", 0, ids) == "row 0: patient_id is missing"
    assert _with_label(batch, 0, "age is missing", 0, ids) == "row 0: age is missing"
    assert _with_label(batch, 1, "age is missing", 0, ids) == "patient_id=p2: age is missing"
    assert _with_label(batch, 1, "patient p2: age is missing", 0, ids) == "patient p2: age is missing"


def test_rule_timings_are_logged_at_debug_level(caplog) -> None:
    import logging

    batch = pd.DataFrame({"x": [1.0, -2.0, 3.0]})
    with caplog.at_level(logging.DEBUG, logger="synthgenesis.pipeline"):
        validate_batch(DOMAIN, batch, rules(("pos", Positive())))
    messages = [r.getMessage() for r in caplog.records if r.name == "synthgenesis.pipeline"]
    assert any(m.startswith("rule pos: 1 of 3 failed in ") for m in messages), messages
