"""Utility: TSTR versus TRTR, lead metrics, the hybrid curve and caller estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eval_helpers import FAST, mixed_table
from sklearn.linear_model import LinearRegression, LogisticRegression

from synthgenesis.errors import InvalidDataError
from synthgenesis.evaluation import evaluate

REAL = mixed_table(600, seed=51)
HOLDOUT = mixed_table(400, seed=52)


def utility_of(real, synthetic, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("config", FAST)
    return evaluate(real, synthetic, target="label", metrics=["utility"], **kwargs).metrics["utility"]


def test_synthetic_equal_to_real_gives_ratio_one() -> None:
    out = utility_of(REAL, REAL.copy(), holdout=HOLDOUT)
    assert out["lead_metric"] == "auroc"
    assert out["ratio"] == pytest.approx(1.0)
    assert out["tstr"]["auroc"]["mean"] == pytest.approx(out["trtr"]["auroc"]["mean"])
    assert out["trtr"]["auroc"]["mean"] > 0.75
    assert len(out["tstr"]["auroc"]["values"]) == FAST.utility_seeds
    positive = out["label_rate"]["positive_label"]
    assert out["test_set"] == {
        "source": "holdout",
        "rows": len(HOLDOUT),
        "positive_rows": int((HOLDOUT["label"].astype(str) == positive).sum()),
    }
    assert out["chance"] == 0.5


def test_shuffled_labels_drop_the_ratio() -> None:
    rng = np.random.default_rng(0)
    shuffled = REAL.assign(label=rng.permutation(REAL["label"].to_numpy()))
    out = utility_of(REAL, shuffled, holdout=HOLDOUT)
    assert out["ratio"] < 0.8
    assert out["tstr"]["auroc"]["mean"] < 0.65
    verdict = evaluate(
        REAL, shuffled, holdout=HOLDOUT, target="label", metrics=["utility"], config=FAST
    ).verdict("poor_transfer")
    assert verdict.status == "fail"


def test_hybrid_grid_records() -> None:
    out = utility_of(REAL, mixed_table(600, seed=53), holdout=HOLDOUT)
    hybrid = out["hybrid"]
    assert len(hybrid) == 4
    cells = {(r["real_fraction"], r["synthetic_multiplier"]): r for r in hybrid}
    assert cells[(0.5, 0.0)]["n_real"] == 300 and cells[(0.5, 0.0)]["n_synthetic"] == 0
    assert cells[(0.5, 1.0)]["n_synthetic"] == 300
    assert cells[(1.0, 1.0)]["n_real"] == 600 and cells[(1.0, 1.0)]["n_synthetic"] == 600
    assert all(r["metric"] == "auroc" and 0.5 < r["value"] <= 1.0 for r in hybrid)


def test_hybrid_notes_when_synthetic_runs_short() -> None:
    out = utility_of(REAL, mixed_table(100, seed=54), holdout=HOLDOUT)
    full = next(r for r in out["hybrid"] if r["synthetic_multiplier"] == 1.0 and r["real_fraction"] == 1.0)
    assert full["n_synthetic"] == 100
    assert "only 100 synthetic rows" in full["note"]


def test_no_holdout_uses_stratified_split_and_says_so() -> None:
    out = utility_of(REAL, REAL.copy())
    assert out["test_set"]["source"] == "split"
    assert out["test_set"]["rows"] == 150
    assert "stratified" in out["test_set"]["note"]
    assert out["train_rows"]["real"] == 450


def test_rare_positive_makes_auprc_lead() -> None:
    rng = np.random.default_rng(5)
    n = 800
    x = rng.normal(size=n)
    y = (x + rng.normal(0, 0.5, n) > 1.6).astype(int)
    real = pd.DataFrame({"x": x, "z": rng.normal(size=n), "label": y})
    assert 0.03 < y.mean() < 0.2
    out = utility_of(real.iloc[:500], real.iloc[:500].copy(), holdout=real.iloc[500:])
    assert out["lead_metric"] == "auprc"
    assert out["label_rate"]["positive_label"] == "1"
    assert out["label_rate"]["real"] == pytest.approx(y[:500].mean())
    assert out["ratio"] == pytest.approx(1.0)


def test_regression_reports_mae_and_r2() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(500, 2))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": 2 * x[:, 0] - x[:, 1] + rng.normal(0, 0.1, 500)})
    out = evaluate(
        frame.iloc[:300],
        frame.iloc[:300].copy(),
        holdout=frame.iloc[300:],
        target="y",
        metrics=["utility"],
        config=FAST,
        estimator=LinearRegression(),
    ).metrics["utility"]
    assert out["task"] == "regression"
    assert out["lead_metric"] == "r2"
    assert out["trtr"]["r2"]["mean"] > 0.99
    assert out["trtr"]["mae"]["mean"] == pytest.approx(0.08, abs=0.02)
    assert out["ratio"] == pytest.approx(1.0)
    noise = frame.assign(y=rng.permutation(frame["y"].to_numpy()))
    bad = evaluate(
        frame.iloc[:300],
        noise.iloc[:300],
        holdout=frame.iloc[300:],
        target="y",
        metrics=["utility"],
        config=FAST,
        estimator=LinearRegression(),
    )
    assert bad.metrics["utility"]["ratio"] < 0.2


def test_caller_estimator_is_cloned_not_fitted() -> None:
    model = LogisticRegression(max_iter=500)
    out = utility_of(REAL, REAL.copy(), holdout=HOLDOUT, estimator=model)
    assert out["model"] == "LogisticRegression"
    assert not hasattr(model, "coef_")
    assert out["trtr"]["auroc"]["mean"] > 0.75


class PredictOnly:
    """A minimal estimator with fit/predict only (hard labels)."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> PredictOnly:
        self.majority = pd.Series(y).mode()[0]
        self.w = np.linalg.lstsq(np.c_[x, np.ones(len(x))], (y == "1").astype(float), rcond=None)[0]
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        score = np.c_[x, np.ones(len(x))] @ self.w
        return np.where(score > 0.5, "1", "0")


def test_estimator_without_predict_proba() -> None:
    out = utility_of(REAL, REAL.copy(), holdout=HOLDOUT, estimator=PredictOnly())
    assert 0.6 < out["trtr"]["auroc"]["mean"] < 0.95
    assert out["ratio"] == pytest.approx(1.0)


def test_single_class_synthetic_scores_a_constant_predictor() -> None:
    out = utility_of(REAL, REAL.assign(label=0), holdout=HOLDOUT)
    assert out["tstr"]["auroc"]["mean"] == pytest.approx(0.5)
    assert any("single class" in note for note in out["notes"])
    assert out["label_rate"]["synthetic"] == 0.0


def test_single_class_holdout_is_refused() -> None:
    with pytest.raises(InvalidDataError, match="single class in the real test set"):
        utility_of(REAL, REAL.copy(), holdout=HOLDOUT.assign(label=1))


def test_multiclass_uses_macro_auroc() -> None:
    out = evaluate(
        REAL,
        REAL.copy(),
        holdout=HOLDOUT,
        target="colour",
        metrics=["utility"],
        config=FAST,
        estimator=LogisticRegression(max_iter=300),
    ).metrics["utility"]
    assert out["lead_metric"] == "auroc"
    assert 0.0 <= out["tstr"]["f1"]["mean"] <= 1.0
    assert out["ratio"] == pytest.approx(1.0)


def test_no_target_is_not_applicable() -> None:
    result = evaluate(REAL, REAL.copy(), metrics=["utility"])
    assert result.metrics["utility"]["applicable"] is False
    assert "target" in result.metrics["utility"]["reason"]
