"""Classifier two-sample test: 0.5 for indistinguishable tables, 1 for disjoint ones."""

from __future__ import annotations

import numpy as np
from eval_helpers import mixed_table

from synthgenesis.evaluation import EvaluationConfig, evaluate

REAL = mixed_table(500, seed=21)


def detect(real, synthetic, **kwargs):  # type: ignore[no-untyped-def]
    return evaluate(real, synthetic, metrics=["detection"], **kwargs).metrics["detection"]


def test_identical_tables_are_indistinguishable() -> None:
    det = detect(REAL, REAL.copy())
    assert abs(det["c2st_auc"] - 0.5) < 0.08
    assert det["folds"] == 5
    assert len(det["fold_aucs"]) == 5


def test_same_distribution_is_near_chance() -> None:
    det = detect(REAL, mixed_table(500, seed=22))
    assert abs(det["c2st_auc"] - 0.5) < 0.1


def test_disjoint_column_is_found_and_named() -> None:
    shifted = mixed_table(500, seed=23).assign(x2=lambda f: f["x2"] + 20.0)
    det = detect(REAL, shifted)
    assert det["c2st_auc"] > 0.99
    assert det["top_features"][0]["feature"] == "x2"
    assert det["top_features"][0]["importance"] > 0.2


def test_auc_grows_with_shift() -> None:
    small = detect(REAL, mixed_table(500, seed=24, shift=0.3))["c2st_auc"]
    large = detect(REAL, mixed_table(500, seed=24, shift=1.5))["c2st_auc"]
    assert 0.5 < small < large
    assert large > 0.8


def test_balanced_subsample_and_cap() -> None:
    det = detect(REAL, mixed_table(900, seed=25), config=EvaluationConfig(detection_max_rows=200))
    assert det["rows_per_class"] == 200
    det = detect(REAL.iloc[:300], mixed_table(900, seed=25))
    assert det["rows_per_class"] == 300
    assert np.isclose(det["c2st_auc"], np.mean(det["fold_aucs"]))


def test_verdict_grades_auc() -> None:
    shifted = mixed_table(500, seed=26).assign(x1=lambda f: f["x1"] + 20.0)
    result = evaluate(REAL, shifted, metrics=["detection", "fidelity"])
    verdict = result.verdict("generator_artifacts")
    assert verdict.status == "fail"
    assert "x1" in verdict.summary and "AUC" in verdict.summary
    calm = evaluate(REAL, REAL.copy(), metrics=["detection"]).verdict("generator_artifacts")
    assert calm.status == "pass"
