"""Bias: constructed subgroup disparities give known amplification factors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgenesis.evaluation import evaluate


def table(pos_a: int, pos_b: int, n_a: int = 100, n_b: int = 100) -> pd.DataFrame:
    """Group A with ``pos_a`` positives out of ``n_a`` rows, group B likewise."""
    group = ["A"] * n_a + ["B"] * n_b
    label = [1] * pos_a + [0] * (n_a - pos_a) + [1] * pos_b + [0] * (n_b - pos_b)
    return pd.DataFrame({"v": np.arange(n_a + n_b, dtype=float), "group": group, "y": label})


def bias_of(real: pd.DataFrame, synthetic: pd.DataFrame, **kwargs: object) -> dict:
    return evaluate(real, synthetic, metrics=["bias"], sensitive=["group"], **kwargs).metrics["bias"]


def test_doubled_disparity_gives_factor_two() -> None:
    # real: A 30%, B 50% -> gap -0.2; synthetic: A 20%, B 60% -> gap -0.4
    out = bias_of(table(30, 50), table(20, 60), target="y")
    groups = out["columns"]["group"]["groups"]
    assert groups["A"]["real_rate"] == pytest.approx(0.3)
    assert groups["A"]["synthetic_rate"] == pytest.approx(0.2)
    assert groups["A"]["real_disparity"] == pytest.approx(-0.2)
    assert groups["A"]["synthetic_disparity"] == pytest.approx(-0.4)
    assert groups["A"]["amplification"] == pytest.approx(2.0)
    assert groups["B"]["amplification"] == pytest.approx(2.0)
    assert out["max_amplification"] == pytest.approx(2.0)
    result = evaluate(table(30, 50), table(20, 60), target="y", sensitive=["group"], metrics=["bias"])
    assert result.verdict("bias_amplification").status == "fail"
    assert "2.00" in result.verdict("bias_amplification").summary


def test_preserved_and_reversed_disparity() -> None:
    kept = bias_of(table(30, 50), table(30, 50), target="y")
    assert kept["max_amplification"] == pytest.approx(1.0)
    reversed_ = bias_of(table(30, 50), table(50, 30), target="y")
    assert reversed_["min_amplification"] == pytest.approx(-1.0)
    result = evaluate(table(30, 50), table(50, 30), target="y", sensitive=["group"], metrics=["bias"])
    assert result.verdict("bias_amplification").status == "warn"
    assert "reversed" in result.verdict("bias_amplification").summary


def test_positive_label_is_real_minority_class() -> None:
    # 1 is the majority here (120 of 200), so the rate is the share of 0
    out = bias_of(table(50, 70), table(50, 70), target="y")
    assert "y = '0'" in out["rate"]
    assert out["columns"]["group"]["groups"]["A"]["real_rate"] == pytest.approx(0.5)
    assert out["columns"]["group"]["groups"]["B"]["real_rate"] == pytest.approx(0.3)


def test_tiny_real_disparity_leaves_factor_undefined() -> None:
    out = bias_of(table(40, 40), table(20, 60), target="y")
    assert out["columns"]["group"]["groups"]["A"]["amplification"] is None
    assert out["max_amplification"] is None


def test_representation_without_target() -> None:
    real = table(0, 0, n_a=100, n_b=100)
    synthetic = table(0, 0, n_a=50, n_b=150)
    out = bias_of(real, synthetic)
    groups = out["columns"]["group"]["groups"]
    assert groups["A"]["representation_ratio"] == pytest.approx(0.5)
    assert groups["B"]["representation_ratio"] == pytest.approx(1.5)
    assert out["max_representation_gap"] == pytest.approx(0.5)
    assert "real_rate" not in groups["A"]
    verdict = evaluate(real, synthetic, sensitive=["group"], metrics=["bias"]).verdict("bias_amplification")
    assert verdict.status == "warn" and "no target" in verdict.summary


def test_group_missing_from_synthetic() -> None:
    real = pd.DataFrame({"g": ["A", "B", "C"] * 20, "v": np.arange(60.0)})
    synthetic = pd.DataFrame({"g": ["A", "B"] * 30, "v": np.arange(60.0)})
    out = evaluate(real, synthetic, sensitive=["g"], metrics=["bias"]).metrics["bias"]
    assert out["columns"]["g"]["groups"]["C"]["synthetic_share"] == 0.0
    assert out["columns"]["g"]["groups"]["C"]["representation_ratio"] == 0.0


def test_regression_target_uses_mean_gap() -> None:
    real = pd.DataFrame(
        {"group": ["A"] * 50 + ["B"] * 50, "y": [1.0] * 50 + [3.0] * 50, "v": np.linspace(0, 1, 100)}
    )
    synthetic = real.assign(y=[0.0] * 50 + [4.0] * 50)
    out = evaluate(
        real, synthetic, target="y", task="regression", sensitive=["group"], metrics=["bias"]
    ).metrics["bias"]
    assert out["rate"] == "mean of y"
    assert out["max_amplification"] == pytest.approx(2.0)


def test_numeric_sensitive_with_many_values_is_binned() -> None:
    rng = np.random.default_rng(0)
    age = rng.uniform(18, 90, 400)
    real = pd.DataFrame({"age": age, "y": (age > 60).astype(int)})
    out = evaluate(real, real.copy(), target="y", sensitive=["age"], metrics=["bias"]).metrics["bias"]
    groups = out["columns"]["age"]["groups"]
    assert len(groups) == 4
    assert sum(g["real_share"] for g in groups.values()) == pytest.approx(1.0)
    assert all(g["representation_ratio"] == pytest.approx(1.0) for g in groups.values())


def test_no_sensitive_columns_is_not_applicable() -> None:
    result = evaluate(table(30, 50), table(30, 50), target="y", metrics=["bias"])
    assert result.metrics["bias"]["applicable"] is False
    assert result.verdict("bias_amplification").status == "n/a"
