"""Verdicts need evidence: too few rows or degenerate figures never give a pass."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from eval_helpers import FAST, clusters, mixed_table
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from synthgenesis.errors import ConfigError
from synthgenesis.evaluation import EvaluationConfig, EvaluationResult, Verdict, evaluate
from synthgenesis.evaluation.result import FAILURE_MODES, STATUSES
from synthgenesis.evaluation.stats import auc_interval, delong_auc, mean_interval
from synthgenesis.evaluation.verdicts import (
    DECIDING,
    generator_artifacts,
    judge,
    not_evaluated,
    overall_verdict,
    privacy_leak,
)


@pytest.fixture(scope="module")
def tiny() -> EvaluationResult:
    """The run that used to pass everything: 9 training rows, 3 holdout rows."""
    return evaluate(
        mixed_table(9, seed=1),
        mixed_table(50, seed=2),
        holdout=mixed_table(3, seed=3),
        target="label",
        sensitive=["group"],
        config=FAST,
    )


def test_tiny_run_passes_nothing(tiny: EvaluationResult) -> None:
    statuses = {v.failure_mode: v.status for v in tiny.verdicts}
    assert "pass" not in statuses.values(), statuses
    for mode in FAILURE_MODES:
        assert statuses[mode] == "insufficient", (mode, tiny.verdict(mode).summary)
        assert len(tiny.verdict(mode).reason) > 20
    assert tiny.overall.status == "insufficient evidence"
    assert any("Generator artifacts" in r for r in tiny.overall.reasons)


def test_tiny_run_reasons_name_the_minimum(tiny: EvaluationResult) -> None:
    assert "at least 50 rows per class" in tiny.verdict("generator_artifacts").reason
    assert "at least 50 rows per table" in tiny.verdict("mode_collapse").reason
    assert "privacy_min_rows" in tiny.verdict("privacy_leak").reason
    assert "utility_min_test_rows" in tiny.verdict("poor_transfer").reason
    assert "bias_min_group_rows" in tiny.verdict("bias_amplification").reason


def test_prdc_all_zero_fails_with_a_reason() -> None:
    real = clusters(200, seed=11)
    far = clusters(200, seed=12) + 1000.0
    result = evaluate(real, far, metrics=["diversity"])
    div = result.metrics["diversity"]
    assert div["precision"] == div["recall"] == div["density"] == div["coverage"] == 0.0
    verdict = result.verdict("mode_collapse")
    assert verdict.status == "fail"
    assert "does not overlap the real data" in verdict.summary


def test_low_coverage_fails_whatever_the_precision() -> None:
    real = clusters(300, seed=13)
    # a few synthetic rows inside the real data, most far away: precision and coverage both tiny
    mostly_far = pd.concat([clusters(6, seed=14), clusters(294, seed=15) + 500.0], ignore_index=True)
    result = evaluate(real, mostly_far, metrics=["diversity"])
    div = result.metrics["diversity"]
    assert 0.0 < div["coverage"] < 0.1
    assert result.verdict("mode_collapse").status == "fail"
    assert "coverage" in result.verdict("mode_collapse").summary


def test_diversity_below_minimum_rows_is_insufficient() -> None:
    real, synthetic = clusters(30, seed=16), clusters(30, seed=17)
    result = evaluate(real, synthetic, metrics=["diversity"])
    assert result.metrics["diversity"]["mode_collapse"]["detected"] is None
    assert result.verdict("mode_collapse").status == "insufficient"
    # fewer rows than k + 1: not computed at all, and still insufficient rather than n/a
    five = clusters(5, seed=18)
    verdict = evaluate(five, five, metrics=["diversity"]).verdict("mode_collapse")
    assert verdict.status == "insufficient" and "more than 5 rows" in verdict.summary


def test_detection_on_twelve_rows_is_not_no_artefacts() -> None:
    real = mixed_table(12, seed=19)
    result = evaluate(real, mixed_table(12, seed=20), metrics=["detection"])
    det = result.metrics["detection"]
    low, high = det["c2st_auc_interval"]
    assert high - low > 0.3  # the interval says the AUC is barely known
    assert result.verdict("generator_artifacts").status == "insufficient"


def _detection_metrics(auc: float, bounds: list[float], rows: int) -> dict:
    return {
        "detection": {
            "applicable": True,
            "c2st_auc": auc,
            "c2st_auc_std": 0.02,
            "c2st_auc_interval": bounds,
            "rows_per_class": rows,
            "top_features": [],
            "evidence_level": 0.95,
        }
    }


def test_detection_pass_needs_the_interval_below_warn() -> None:
    config = EvaluationConfig()
    wide = generator_artifacts(_detection_metrics(0.52, [0.41, 0.63], 80), config)
    assert wide.status == "insufficient"
    assert "[0.410, 0.630]" in wide.reason and "warn threshold 0.6" in wide.reason
    narrow = generator_artifacts(_detection_metrics(0.52, [0.48, 0.56], 800), config)
    assert narrow.status == "pass"
    assert "lies below the warn threshold" in narrow.reason
    high = generator_artifacts(_detection_metrics(0.9, [0.85, 0.95], 800), config)
    assert high.status == "fail"


def test_detection_interval_shrinks_with_rows() -> None:
    small = evaluate(mixed_table(60, seed=21), mixed_table(60, seed=22), metrics=["detection"])
    large = evaluate(mixed_table(600, seed=21), mixed_table(600, seed=22), metrics=["detection"])
    width = [r.metrics["detection"]["c2st_auc_interval"] for r in (small, large)]
    assert width[0][1] - width[0][0] > 2 * (width[1][1] - width[1][0])
    assert large.verdict("generator_artifacts").status == "pass"
    assert 0.0 <= large.metrics["detection"]["c2st_p_value"] <= 1.0


def test_clear_artefacts_have_a_small_p_value() -> None:
    real = mixed_table(300, seed=23)
    shifted = mixed_table(300, seed=24).assign(x1=lambda f: f["x1"] + 5.0)
    det = evaluate(real, shifted, metrics=["detection"]).metrics["detection"]
    assert det["c2st_p_value"] < 1e-6
    assert det["c2st_auc_interval"][0] > 0.9


def _privacy_metrics(share_bounds: list[float], mia_bounds: list[float], rows: int) -> dict:
    return {
        "privacy": {
            "applicable": True,
            "dcr_share_closer_to_train": 0.5,
            "dcr_share_interval": share_bounds,
            "mia_auc": 0.51,
            "mia_auc_interval": mia_bounds,
            "exact_copies": 0,
            "exact_copies_train_reference": 0,
            "exact_copies_holdout": 0,
            "exact_copy_excess_rate": 0.0,
            "reference_rows": rows,
            "synthetic_rows": rows,
            "evidence_level": 0.95,
        }
    }


def test_privacy_pass_needs_rows_and_intervals_below_fail() -> None:
    config = EvaluationConfig()
    assert privacy_leak(_privacy_metrics([0.45, 0.55], [0.47, 0.55], 40), config).status == "insufficient"
    wide = privacy_leak(_privacy_metrics([0.40, 0.60], [0.40, 0.62], 60), config)
    assert wide.status == "insufficient" and "reaches 0.6" in wide.reason
    assert privacy_leak(_privacy_metrics([0.47, 0.53], [0.48, 0.54], 2000), config).status == "pass"


def test_small_holdout_privacy_is_insufficient() -> None:
    real = mixed_table(400, seed=25)
    result = evaluate(real, mixed_table(400, seed=26), holdout=mixed_table(20, seed=27), metrics=["privacy"])
    assert result.verdict("privacy_leak").status == "insufficient"
    assert result.metrics["privacy"]["reference_rows"] == 20


def test_rare_regions_too_rare_for_the_synthetic_size_are_not_judged() -> None:
    real = mixed_table(2000, seed=28)
    # 100 synthetic rows: a 1% tail would hold one row, the 3% category three
    inner = mixed_table(100, seed=29)
    for column in ("x1", "x2"):
        low, high = np.quantile(real[column], [0.02, 0.98])
        inner[column] = inner[column].clip(low, high)
    inner["colour"] = inner["colour"].replace("violet", "red")
    result = evaluate(real, inner, metrics=["rare_events"])
    rare = result.metrics["rare_events"]
    assert rare["share"] is None and rare["n_not_judged"] == 5
    assert rare["tails"]["x1"]["low"]["judged"] is False
    assert result.verdict("rare_event_loss").status == "insufficient"
    # with enough synthetic rows the same loss is judged and fails
    big = mixed_table(2000, seed=30)
    for column in ("x1", "x2"):
        low, high = np.quantile(real[column], [0.02, 0.98])
        big[column] = big[column].clip(low, high)
    assert evaluate(real, big, metrics=["rare_events"]).verdict("rare_event_loss").status == "fail"


def test_tiny_real_table_has_no_rare_region_to_define() -> None:
    frame = pd.DataFrame({"v": np.arange(15.0)})
    verdict = evaluate(frame, frame.copy(), metrics=["rare_events"]).verdict("rare_event_loss")
    assert verdict.status == "insufficient" and "500 real rows" in verdict.reason


def test_small_subgroups_are_not_judged() -> None:
    real = pd.DataFrame({"g": ["A"] * 8 + ["B"] * 7, "y": [1, 0] * 7 + [1], "v": np.arange(15.0)})
    synthetic = real.assign(y=[1] * 8 + [0] * 7)
    result = evaluate(real, synthetic, target="y", sensitive=["g"], metrics=["bias"])
    bias = result.metrics["bias"]
    assert bias["judged_groups"] == 0 and bias["max_amplification"] is None
    assert result.verdict("bias_amplification").status == "insufficient"


def test_subgroup_disparity_needs_rows_in_both_tables() -> None:
    # groups are large enough for shares, but the synthetic rest of group A is tiny
    real = pd.DataFrame(
        {
            "g": ["A"] * 100 + ["B"] * 100,
            "y": [1] * 30 + [0] * 70 + [1] * 50 + [0] * 50,
            "v": np.arange(200.0),
        }
    )
    synthetic = pd.DataFrame({"g": ["A"] * 190 + ["B"] * 10, "y": [1, 0] * 100, "v": np.arange(200.0)})
    bias = evaluate(real, synthetic, target="y", sensitive=["g"], metrics=["bias"]).metrics["bias"]
    assert bias["columns"]["g"]["groups"]["A"]["amplification"] is None
    assert "fewer than 20 rows" in bias["columns"]["g"]["groups"]["A"]["amplification_not_judged"]


def test_real_model_at_chance_does_not_pass_transfer() -> None:
    rng = np.random.default_rng(31)

    def noise(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {"a": rng.normal(size=n), "b": rng.normal(size=n), "label": rng.integers(0, 2, n)}
        )

    result = evaluate(
        noise(400), noise(400), holdout=noise(300), target="label", metrics=["utility"], config=FAST
    )
    util = result.metrics["utility"]
    assert abs(util["trtr"]["auroc"]["mean"] - 0.5) < 0.1
    verdict = result.verdict("poor_transfer")
    assert verdict.status == "insufficient"
    assert "chance" in verdict.reason


def test_evidence_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="evidence_level"):
        EvaluationConfig(evidence_level=1.0)
    with pytest.raises(ConfigError, match="detection_min_rows"):
        EvaluationConfig(detection_min_rows=0)
    with pytest.raises(ConfigError, match="rare_min_expected"):
        EvaluationConfig(rare_min_expected=0)


def test_minimums_are_configurable() -> None:
    real, synthetic = clusters(30, seed=32), clusters(30, seed=33)
    lenient = EvaluationConfig(diversity_min_rows=20)
    assert evaluate(real, synthetic, metrics=["diversity"], config=lenient).verdict(
        "mode_collapse"
    ).status in (
        "pass",
        "warn",
    )


# ----------------------------------------------------------------------------- intervals


def _delong_by_definition(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """DeLong's AUC and standard error from the m x n kernel, as in the 1988 paper."""
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = np.var(v10, ddof=1) / len(x) + np.var(v01, ddof=1) / len(y)
    return float(psi.mean()), float(np.sqrt(var))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 40), st.integers(2, 40), st.booleans())
def test_delong_matches_its_definition(seed: int, m: int, n: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0.3, 1.0, m), rng.normal(0.0, 1.0, n)
    if ties:
        x, y = np.round(x), np.round(y)
    auc, se = delong_auc(x, y)
    ref_auc, ref_se = _delong_by_definition(x, y)
    assert auc == pytest.approx(ref_auc, abs=1e-12)
    labels = np.r_[np.ones(m), np.zeros(n)]
    assert auc == pytest.approx(roc_auc_score(labels, np.r_[x, y]), abs=1e-12)
    if ref_se > 0:
        assert se == pytest.approx(ref_se, rel=1e-9)


def test_all_tied_scores_use_the_chance_variance() -> None:
    auc, se = delong_auc(np.zeros(12), np.zeros(12))
    assert auc == 0.5
    assert se == pytest.approx(np.sqrt(25 / (12 * 12 * 12)))
    out = auc_interval(np.zeros(12), np.zeros(12))
    assert out["interval"][0] < 0.3 and out["interval"][1] > 0.7


def test_mean_interval_known_values() -> None:
    values = np.r_[np.ones(60), np.zeros(40)]
    out = mean_interval(values)
    half = 1.959964 * values.std(ddof=1) / 10
    assert out["interval"] == pytest.approx([0.6 - half, 0.6 + half], abs=1e-5)
    assert mean_interval(np.ones(5))["interval"] == [1.0, 1.0]


# ----------------------------------------------------------------------------- overall verdict


def _verdicts(**statuses: str) -> list[Verdict]:
    out = []
    for mode in FAILURE_MODES:
        status = statuses.get(mode, "pass")
        out.append(Verdict(mode, status, f"{mode} summary", f"{mode} reason"))  # type: ignore[arg-type]
    return out


def test_overall_rule() -> None:
    assert overall_verdict(_verdicts()).status == "usable"
    assert overall_verdict(_verdicts(mode_collapse="warn")).status == "usable with warnings"
    assert overall_verdict(_verdicts(rare_event_loss="insufficient")).status == "usable with warnings"
    for mode in FAILURE_MODES:
        decided = overall_verdict(_verdicts(**{mode: "fail"}))
        assert decided.status == "not usable"
        assert decided.reasons == (f"{FAILURE_MODES[mode]}: {mode} summary",)
    for mode in DECIDING:
        lacking = overall_verdict(_verdicts(**{mode: "insufficient"}))
        assert lacking.status == "insufficient evidence"
        assert f"{mode} reason" in lacking.reasons[0]
    # a failure decides even where deciding checks lack evidence
    mixed = _verdicts(privacy_leak="insufficient", mode_collapse="fail")
    assert overall_verdict(mixed).status == "not usable"
    # no deciding check judged at all
    none = _verdicts(generator_artifacts="n/a", privacy_leak="n/a", poor_transfer="n/a")
    assert overall_verdict(none).status == "insufficient evidence"
    # a deciding check that does not apply is named, not hidden
    partial = overall_verdict(_verdicts(privacy_leak="n/a"))
    assert partial.status == "usable"
    assert any("Privacy leak: not checked" in r for r in partial.reasons)
    assert overall_verdict([]).status == "insufficient evidence"
    skipped = not_evaluated("the simulator run has no reference data")
    assert skipped.status == "insufficient evidence"
    assert skipped.reasons == ("Not evaluated: the simulator run has no reference data.",)


def test_overall_and_reasons_are_written_to_json(tiny: EvaluationResult, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    data = json.loads(tiny.to_json(tmp_path / "metrics.json").read_text())
    assert data["overall"]["status"] == "insufficient evidence"
    assert data["overall"]["reasons"]
    assert all(v["reason"] for v in data["verdicts"])
    assert {v["status"] for v in data["verdicts"]} <= set(STATUSES)


def test_judge_marks_families_refused_for_too_few_rows() -> None:
    metrics = {"diversity": {"applicable": False, "reason": "too few", "insufficient_evidence": True}}
    verdicts = {v.failure_mode: v for v in judge(copy.deepcopy(metrics), EvaluationConfig())}
    assert verdicts["mode_collapse"].status == "insufficient"
    assert verdicts["privacy_leak"].status == "n/a"
