"""Privacy: exact copies leak, independent samples do not."""

from __future__ import annotations

import numpy as np
import pytest
from eval_helpers import mixed_table

from synthgenesis.evaluation import EvaluationConfig, evaluate
from synthgenesis.evaluation.privacy import exact_copies

REAL = mixed_table(400, seed=41)
HOLDOUT = mixed_table(400, seed=42)


def privacy_of(real, synthetic, holdout, **kwargs):  # type: ignore[no-untyped-def]
    return evaluate(real, synthetic, holdout=holdout, metrics=["privacy"], **kwargs).metrics["privacy"]


def test_exact_copies_leak() -> None:
    out = privacy_of(REAL, REAL.copy(), HOLDOUT)
    assert out["exact_copies"] == len(REAL)
    assert out["exact_copies_rate"] == 1.0
    assert out["exact_copies_holdout"] == 0
    assert out["dcr_share_closer_to_train"] == pytest.approx(1.0)
    assert out["dcr_train"]["q50"] == 0.0
    assert out["mia_auc"] > 0.95
    assert out["nndr_train"]["q50"] == 0.0
    verdict = evaluate(REAL, REAL.copy(), holdout=HOLDOUT, metrics=["privacy"]).verdict("privacy_leak")
    assert verdict.status == "fail"


def test_independent_sample_is_healthy() -> None:
    out = privacy_of(REAL, mixed_table(400, seed=43), HOLDOUT)
    assert out["exact_copies"] == 0
    assert abs(out["dcr_share_closer_to_train"] - 0.5) < 0.08
    assert abs(out["mia_auc"] - 0.5) < 0.08
    assert 0.0 < out["nndr_train"]["mean"] <= 1.0


def test_partial_copies_move_share_by_known_amount() -> None:
    synthetic = mixed_table(400, seed=44)
    synthetic.iloc[:200] = REAL.iloc[:200].to_numpy()
    out = privacy_of(REAL, synthetic, HOLDOUT)
    assert out["exact_copies"] == 200
    # half the rows are copies (closer to train), the other half split about evenly
    assert out["dcr_share_closer_to_train"] == pytest.approx(0.75, abs=0.05)


def test_reference_sizes_are_equal() -> None:
    small_holdout = HOLDOUT.iloc[:100]
    out = privacy_of(REAL, mixed_table(300, seed=45), small_holdout)
    assert out["reference_rows"] == 100
    out = privacy_of(
        REAL.iloc[:150], mixed_table(300, seed=45), HOLDOUT, config=EvaluationConfig(privacy_max_rows=120)
    )
    assert out["reference_rows"] == 120
    assert out["synthetic_rows"] == 120


def test_no_holdout_is_not_applicable_with_reason() -> None:
    result = evaluate(REAL, REAL.copy(), metrics=["privacy"])
    assert result.metrics["privacy"] == {
        "applicable": False,
        "reason": "privacy needs a holdout table of real rows the generator never saw; pass holdout=",
    }
    assert result.verdict("privacy_leak").status == "n/a"


def test_exact_copies_compare_every_column() -> None:
    reference = REAL.iloc[:10]
    near = reference.assign(x1=reference["x1"] + 1e-9)
    assert exact_copies(reference, reference) == 10
    assert exact_copies(reference, near) == 0
    assert exact_copies(reference, reference.iloc[np.r_[0, 0, 3]]) == 3
