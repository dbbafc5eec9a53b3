"""Fidelity metrics: known answers and agreement with scipy / numpy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eval_helpers import mixed_table
from scipy import stats
from scipy.stats.contingency import association

from synthgenesis.evaluation import EvaluationConfig, evaluate
from synthgenesis.evaluation.association import (
    association_matrix,
    correlation_ratio,
    cramers_v,
    pearson,
)
from synthgenesis.evaluation.fidelity import ks_statistic, total_variation
from synthgenesis.evaluation.mmd import median_bandwidth, mmd2_unbiased

REAL = mixed_table(400, seed=11)


def fidelity_of(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    return evaluate(real, synthetic, metrics=["fidelity"]).metrics["fidelity"]


def test_identical_tables_score_one() -> None:
    fid = fidelity_of(REAL, REAL.copy())
    assert fid["score"] == pytest.approx(1.0)
    for entry in fid["columns"].values():
        assert entry["distance"] == 0.0
    assert fid["association"]["mean_abs_diff"] == pytest.approx(0.0, abs=1e-12)
    assert fid["wasserstein_std_mean"] == pytest.approx(0.0, abs=1e-12)
    assert abs(fid["mmd2"]) < 0.01


def test_disjoint_numeric_columns_reach_one() -> None:
    synthetic = REAL.assign(x1=REAL["x1"] + 100.0, colour="unseen")
    fid = fidelity_of(REAL, synthetic)
    assert fid["columns"]["x1"]["distance"] == 1.0
    assert fid["columns"]["colour"]["distance"] == pytest.approx(1.0)
    assert fid["columns"]["x2"]["distance"] == 0.0
    # standardised Wasserstein of a pure shift is the shift over the real std
    assert fid["columns"]["x1"]["wasserstein_std"] == pytest.approx(100.0 / REAL["x1"].std(ddof=0))
    assert fid["score"] < fidelity_of(REAL, REAL.assign(x1=REAL["x1"] + 0.5))["score"] < 1.0


def test_ks_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    for n, m in [(50, 80), (300, 300), (17, 5)]:
        a, b = rng.normal(size=n), rng.normal(0.3, 1.2, size=m)
        assert ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    ties = np.array([0, 0, 1, 1, 1, 2.0])
    other = np.array([0, 1, 2, 2, 2.0])
    assert ks_statistic(ties, other) == pytest.approx(stats.ks_2samp(ties, other).statistic)


def _ecdf_gap(x: np.ndarray, y: np.ndarray) -> float:
    """The KS statistic as the project computed it before it called SciPy (largest ECDF gap)."""
    x, y = np.sort(x), np.sort(y)
    points = np.concatenate([x, y])
    gap = np.searchsorted(x, points, side="right") / len(x) - np.searchsorted(y, points, side="right") / len(
        y
    )
    return float(np.max(np.abs(gap)))


def _chi2_cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V from the chi-squared sum, as the project computed it before it called SciPy."""
    table = pd.crosstab(a, b).to_numpy().astype(float)
    if min(table.shape) < 2:
        return 0.0
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(1.0, chi2 / (n * (min(table.shape) - 1)))))


def test_scipy_statistics_equal_the_former_formulas() -> None:
    rng = np.random.default_rng(7)
    for n, m in [(1, 1), (3, 40), (200, 150), (5000, 4000)]:
        a, b = rng.normal(size=n), rng.normal(0.2, 1.1, size=m)
        assert abs(ks_statistic(a, b) - _ecdf_gap(a, b)) < 1e-9
        ties_a, ties_b = rng.integers(0, 4, n).astype(float), rng.integers(1, 6, m).astype(float)
        assert abs(ks_statistic(ties_a, ties_b) - _ecdf_gap(ties_a, ties_b)) < 1e-9
    for n, levels in [(10, 2), (300, 3), (2000, 7)]:
        a = rng.integers(0, levels, n)
        b = (a * 3 + rng.integers(0, 3, n)) % (levels + 2)
        assert abs(cramers_v(a, b) - _chi2_cramers_v(a, b)) < 1e-9
        sparse = np.where(a == 0, 4000, a)  # large codes and an unused gap between them
        assert abs(cramers_v(sparse, b) - _chi2_cramers_v(sparse, b)) < 1e-9
    assert cramers_v(np.array([0, 1, 0, 1]), np.array([5, 5, 5, 5])) == 0.0


def test_total_variation_known_values() -> None:
    assert total_variation(np.array(["a", "b"]), np.array(["a", "a"])) == pytest.approx(0.5)
    assert total_variation(np.array(["a", "a"]), np.array(["b", "b"])) == pytest.approx(1.0)
    p = np.array(["a"] * 6 + ["b"] * 3 + ["c"])
    q = np.array(["a"] * 3 + ["b"] * 3 + ["c"] * 4)
    assert total_variation(p, q) == pytest.approx(0.3)


def test_pearson_and_cramers_v_match_references() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = 0.5 * x + rng.normal(size=200)
    assert pearson(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert pearson(x, np.ones(200)) == 0.0
    a = rng.integers(0, 3, 500)
    b = (a + rng.integers(0, 2, 500)) % 4
    table = pd.crosstab(a, b).to_numpy()
    assert cramers_v(a, b) == pytest.approx(association(table, method="cramer", correction=False))
    assert cramers_v(a, a) == pytest.approx(1.0)
    assert cramers_v(a, np.zeros(500, dtype=int)) == 0.0


def test_correlation_ratio_known_values() -> None:
    groups = np.array([0, 0, 1, 1])
    # group means 1 and 3, overall mean 2: between SS = 4, total SS = 4 + 2 * 0.5 -> eta^2 = 0.8
    values = np.array([0.5, 1.5, 2.5, 3.5])
    assert correlation_ratio(groups, values) == pytest.approx(np.sqrt(4.0 / 5.0))
    assert correlation_ratio(groups, np.array([1.0, 1.0, 5.0, 5.0])) == pytest.approx(1.0)
    assert correlation_ratio(groups, np.array([1.0, 2.0, 1.0, 2.0])) == pytest.approx(0.0)
    assert correlation_ratio(groups, np.full(4, 7.0)) == 0.0


def test_association_matrix_is_symmetric_with_unit_diagonal() -> None:
    rng = np.random.default_rng(2)
    columns = [rng.normal(size=100), rng.integers(0, 3, 100), rng.normal(size=100)]
    matrix = association_matrix(columns, ["numeric", "categorical", "numeric"])
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert matrix[0, 1] == pytest.approx(correlation_ratio(columns[1], columns[0]))


def test_broken_dependency_is_seen_in_association_diff() -> None:
    rng = np.random.default_rng(3)
    shuffled = REAL.assign(x2=rng.permutation(REAL["x2"].to_numpy()))
    fid = fidelity_of(REAL, shuffled)
    assert fid["columns"]["x2"]["distance"] == 0.0  # marginal unchanged
    assert fid["association"]["worst_pair"] == ["x1", "x2"]
    assert fid["association"]["max_abs_diff"] > 0.4


def test_mmd_two_point_masses_known_answer() -> None:
    x = np.zeros((50, 2))
    y = np.full((60, 2), 3.0)
    value, sigma = mmd2_unbiased(x, y)
    # median pooled distance is the cross distance d, so k(x, y) = exp(-1/2)
    assert sigma == pytest.approx(3.0 * np.sqrt(2.0))
    assert value == pytest.approx(2.0 - 2.0 * np.exp(-0.5))


def test_mmd_unbiased_formula_on_tiny_sample() -> None:
    x = np.array([[0.0], [1.0]])
    y = np.array([[0.0], [2.0], [3.0]])
    sigma = 1.5

    def k(a: float, b: float) -> float:
        return float(np.exp(-((a - b) ** 2) / (2 * sigma**2)))

    xs, ys = [0.0, 1.0], [0.0, 2.0, 3.0]
    kxx = sum(k(a, b) for i, a in enumerate(xs) for j, b in enumerate(xs) if i != j) / 2
    kyy = sum(k(a, b) for i, a in enumerate(ys) for j, b in enumerate(ys) if i != j) / 6
    kxy = sum(k(a, b) for a in xs for b in ys) / 6
    value, _ = mmd2_unbiased(x, y, bandwidth=sigma)
    assert value == pytest.approx(kxx + kyy - 2 * kxy)


def test_mmd_orders_shift_sizes_and_median_bandwidth() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 3))
    near = mmd2_unbiased(x, rng.normal(0.2, 1.0, size=(300, 3)))[0]
    far = mmd2_unbiased(x, rng.normal(2.0, 1.0, size=(300, 3)))[0]
    same = mmd2_unbiased(x, rng.normal(size=(300, 3)))[0]
    assert abs(same) < 0.01 < near < far
    pts = np.array([[0.0], [1.0], [3.0]])
    assert median_bandwidth(pts[:2], pts[2:]) == pytest.approx(2.0)


def test_mmd_subsample_is_bounded_and_seeded() -> None:
    big = mixed_table(3000, seed=5)
    config = EvaluationConfig(mmd_max_rows=500)
    one = evaluate(REAL, big, metrics=["fidelity"], config=config, seed=3)
    two = evaluate(REAL, big, metrics=["fidelity"], config=config, seed=3)
    assert one.metrics["fidelity"]["mmd_rows"] == [400, 500]
    assert one.metrics["fidelity"]["mmd2"] == two.metrics["fidelity"]["mmd2"]


def test_missing_values_compare_missing_rate_and_observed_values() -> None:
    synthetic = REAL.copy()
    synthetic.loc[: len(REAL) // 2, "x1"] = np.nan
    fid = fidelity_of(REAL, synthetic)
    half = (len(REAL) // 2 + 1) / len(REAL)
    assert fid["columns"]["x1__missing"]["distance"] == pytest.approx(half)
    real_obs = REAL["x1"].to_numpy()
    assert fid["columns"]["x1"]["distance"] == pytest.approx(
        stats.ks_2samp(real_obs, real_obs[len(REAL) // 2 + 1 :]).statistic
    )


def test_marginal_artifacts_rank_most_different_columns() -> None:
    synthetic = REAL.assign(x2=REAL["x2"] + 5.0)
    result = evaluate(REAL, synthetic, metrics=["fidelity"])
    marginals = result.artifacts["fidelity"]["marginals"]
    assert next(iter(marginals)) == "x2"
    assert result.artifacts["fidelity"]["association"]["real"].shape == (5, 5)
