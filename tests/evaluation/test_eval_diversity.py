"""PRDC agrees with the reference package; collapse and duplicates are detected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eval_helpers import clusters

from synthgenesis.evaluation import EvaluationConfig, evaluate
from synthgenesis.evaluation.diversity import compute_prdc, duplicate_rate, size_matched_prdc

prdc = pytest.importorskip("prdc", reason="the prdc package is the reference implementation")


def reference(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    return {key: float(v) for key, v in prdc.compute_prdc(real, fake, nearest_k=k).items()}


@pytest.mark.parametrize(
    ("n_real", "n_fake", "dim", "k", "shift"),
    [
        (200, 200, 3, 5, 0.0),
        (150, 260, 8, 3, 0.5),
        (300, 120, 24, 5, 0.2),  # ball tree (more than 16 dimensions)
        (120, 120, 2, 10, 1.5),
    ],
)
def test_agrees_with_prdc_package(
    n_real: int, n_fake: int, dim: int, k: int, shift: float, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(n_real + dim)
    real = rng.normal(size=(n_real, dim))
    fake = rng.normal(shift, 1.1, size=(n_fake, dim))
    ours = compute_prdc(real, fake, k=k)
    theirs = reference(real, fake, k)
    capsys.readouterr()
    for key in ("precision", "recall", "density", "coverage"):
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key


def test_chunk_size_does_not_change_results() -> None:
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(180, 4)), rng.normal(0.3, 1.0, size=(170, 4))
    assert compute_prdc(real, fake, k=4, chunk=7) == compute_prdc(real, fake, k=4, chunk=4096)


def test_identical_sets_give_ones() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(250, 5))
    out = compute_prdc(x, x.copy(), k=5)
    assert out["precision"] == 1.0
    assert out["recall"] == 1.0
    assert out["coverage"] == 1.0
    assert out["density"] == pytest.approx(1.0)


def test_far_away_synthetic_gives_zeros() -> None:
    rng = np.random.default_rng(9)
    out = compute_prdc(rng.normal(size=(100, 3)), rng.normal(50.0, 1.0, size=(100, 3)), k=5)
    assert out == {**out, "precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_one_collapsed_mode_is_detected() -> None:
    real = clusters(800, seed=1)
    collapsed = clusters(800, seed=2, centres=[0])
    div = evaluate(real, collapsed, metrics=["diversity"]).metrics["diversity"]
    assert div["precision"] > 0.9
    assert 0.15 < div["recall"] < 0.35
    assert 0.15 < div["coverage"] < 0.35
    assert div["mode_collapse"]["detected"] is True
    assert "recall" in div["mode_collapse"]["reason"]

    healthy = evaluate(real, clusters(800, seed=3), metrics=["diversity"]).metrics["diversity"]
    assert healthy["recall"] > 0.85 and healthy["coverage"] > 0.85
    assert healthy["mode_collapse"]["detected"] is False


def test_duplicate_rate_known_value_and_collapse() -> None:
    frame = pd.DataFrame({"a": [1, 1, 1, 2, 3], "b": ["x", "x", "x", "y", "y"]})
    assert duplicate_rate(frame) == pytest.approx(2 / 5)
    real = clusters(400, seed=4)
    copies = pd.concat([real.iloc[:40]] * 10, ignore_index=True)
    div = evaluate(real, copies, metrics=["diversity"]).metrics["diversity"]
    assert div["duplicate_rate"] == pytest.approx(0.9)
    assert div["real_duplicate_rate"] == 0.0
    assert div["mode_collapse"]["detected"] is True
    assert "repeat" in div["mode_collapse"]["reason"]


def test_many_zero_radii_make_collapse_undecidable() -> None:
    values = np.repeat(np.arange(6.0), 40)
    real = pd.DataFrame({"v": values, "w": values % 2})
    div = evaluate(real, real.copy(), metrics=["diversity"]).metrics["diversity"]
    assert div["zero_radius_share_real"] == 1.0
    assert div["mode_collapse"]["detected"] is None
    result = evaluate(real, real.copy(), metrics=["diversity"])
    verdict = result.verdict("mode_collapse")
    assert verdict.status == "insufficient"
    assert "radii are zero" in verdict.reason


def test_subsample_cap_is_reported() -> None:
    real, fake = clusters(600, seed=5), clusters(500, seed=6)
    config = EvaluationConfig(diversity_max_rows=200)
    div = evaluate(real, fake, metrics=["diversity"], config=config).metrics["diversity"]
    assert div["rows"] == [200, 200]


def test_too_few_rows_is_not_applicable() -> None:
    tiny = clusters(5, seed=7)
    div = evaluate(tiny, tiny, metrics=["diversity"]).metrics["diversity"]
    assert div["applicable"] is False
    assert "more than 5 rows" in div["reason"]


def test_coverage_size_bias_is_removed_by_size_matching() -> None:
    # one distribution, 4000 real against 200 synthetic rows
    rng = np.random.default_rng(40)
    real, synthetic = rng.normal(size=(4000, 4)), rng.normal(size=(200, 4))
    # with equal sizes the expected coverage of one distribution is about 1 - 2^-k = 0.97
    equal = np.mean([compute_prdc(rng.normal(size=(200, 4)), synthetic, k=5)["coverage"] for _ in range(3)])
    assert equal == pytest.approx(1 - 2**-5, abs=0.04)
    unmatched = compute_prdc(real, synthetic, k=5)["coverage"]
    assert unmatched < 0.35  # each of the many small real neighbourhoods rarely holds one of 200 rows
    matched = size_matched_prdc(real, synthetic, 5, np.random.default_rng(0), repeats=3)
    assert matched["coverage"] == pytest.approx(equal, abs=0.04)
    assert matched["rows"] == [200, 200] and matched["repeats"] == 3 and matched["subsampled"] is True
    assert matched["spread"]["coverage"] < 0.05


def test_evaluate_size_matches_diversity() -> None:
    real = clusters(3749, seed=41)
    synthetic = clusters(200, seed=42)
    result = evaluate(real, synthetic, metrics=["diversity"])
    div = result.metrics["diversity"]
    assert div["rows"] == [200, 200] and div["rows_available"] == [3749, 200]
    assert div["subsampled"] is True and div["repeats"] == 3
    assert div["coverage"] > 0.9
    # before size matching, the low coverage of the unequal sizes read as mode collapse
    assert result.verdict("mode_collapse").status == "pass"
    assert "drawn from 3749 real and 200 synthetic rows" in result.verdict("mode_collapse").reason


def test_equal_sizes_are_not_subsampled() -> None:
    rng = np.random.default_rng(43)
    real, synthetic = rng.normal(size=(150, 3)), rng.normal(0.2, 1.0, size=(150, 3))
    matched = size_matched_prdc(real, synthetic, 5, np.random.default_rng(1), repeats=3)
    direct = compute_prdc(real, synthetic, k=5)
    assert matched["subsampled"] is False and matched["repeats"] == 1
    for key in ("precision", "recall", "density", "coverage"):
        assert matched[key] == direct[key]
    theirs = reference(real, synthetic, 5)
    for key in ("precision", "recall", "density", "coverage"):
        assert matched[key] == pytest.approx(theirs[key], abs=1e-6)
