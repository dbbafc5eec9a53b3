"""The evaluate entry point: families, verdicts, metrics.json and progress messages."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from eval_helpers import FAST, mixed_table

from synthgenesis.evaluation import (
    METRIC_FAMILIES,
    EvaluationResult,
    Verdict,
    evaluate,
)
from synthgenesis.evaluation.result import FAILURE_MODES
from synthgenesis.io import json_text, to_jsonable

REAL = mixed_table(500, seed=61)
HOLDOUT = mixed_table(300, seed=62)


@pytest.fixture(scope="module")
def full() -> EvaluationResult:
    return evaluate(
        REAL,
        mixed_table(500, seed=63),
        holdout=HOLDOUT,
        target="label",
        sensitive=["group"],
        config=FAST,
        seed=1,
    )


def test_families_and_keys(full: EvaluationResult) -> None:
    assert METRIC_FAMILIES == (
        "fidelity",
        "detection",
        "diversity",
        "rare_events",
        "bias",
        "privacy",
        "utility",
    )
    for family in METRIC_FAMILIES:
        assert full.metrics[family]["applicable"] is True, family
    assert set(full.metrics["fidelity"]["columns"]) == set(REAL.columns)
    for key in ("score", "mmd2", "wasserstein_std_mean", "association"):
        assert key in full.metrics["fidelity"]
    for key in ("precision", "recall", "density", "coverage", "duplicate_rate", "mode_collapse"):
        assert key in full.metrics["diversity"]
    for key in ("dcr_share_closer_to_train", "exact_copies", "mia_auc", "nndr_train"):
        assert key in full.metrics["privacy"]
    for key in ("tstr", "trtr", "ratio", "hybrid"):
        assert key in full.metrics["utility"]
    assert full.metrics["meta"]["rows"] == {"real": 500, "synthetic": 500, "holdout": 300}
    assert full.metrics["meta"]["seed"] == 1


def test_healthy_synthetic_passes(full: EvaluationResult) -> None:
    assert [v.failure_mode for v in full.verdicts] == list(FAILURE_MODES)
    statuses = {v.failure_mode: v.status for v in full.verdicts}
    assert statuses["mode_collapse"] == "pass"
    assert statuses["generator_artifacts"] == "pass"
    assert statuses["privacy_leak"] == "pass"
    assert statuses["poor_transfer"] in ("pass", "warn")
    for verdict in full.verdicts:
        assert isinstance(verdict, Verdict)
        assert any(ch.isdigit() for ch in verdict.summary), verdict


def test_to_json_is_atomic_and_strict(full: EvaluationResult, tmp_path: Path) -> None:
    path = full.to_json(tmp_path / "run" / "metrics.json")
    assert path.name == "metrics.json"
    assert os.listdir(path.parent) == ["metrics.json"]
    data = json.loads(path.read_text())
    assert data["fidelity"]["score"] == full.metrics["fidelity"]["score"]
    assert [v["failure_mode"] for v in data["verdicts"]] == list(FAILURE_MODES)
    assert "artifacts" not in data
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    # overwriting replaces the file in one step
    full.to_json(path)
    assert os.listdir(path.parent) == ["metrics.json"]


def test_jsonable_conversion() -> None:
    out = to_jsonable(
        {
            "a": np.float32(1.5),
            "b": np.int64(3),
            "c": np.array([1, 2]),
            "d": float("nan"),
            "e": (np.bool_(True), None),
            4: "x",
            "f": pd.Timestamp("2024-03-01 12:00"),
            "g": Path("runs/x"),
            "h": float("-inf"),
        },
        strict=True,
    )
    assert out == {
        "a": 1.5,
        "b": 3,
        "c": [1, 2],
        "d": None,
        "e": [True, None],
        "4": "x",
        "f": "2024-03-01T12:00:00",
        "g": "runs/x",
        "h": None,
    }
    # without strict, non-finite floats stay (Python's json reads NaN back); strict text has none
    assert math.isnan(to_jsonable({"d": float("nan")})["d"])
    assert "NaN" not in json_text({"d": np.float64("nan")}, strict=True)
    assert json.loads(json_text({"d": np.float64("nan")}))["d"] != 0
    json.dumps(out, allow_nan=False)


def test_metrics_are_json_serialisable(full: EvaluationResult) -> None:
    text = json.dumps(full.metrics, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text

    def finite(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                finite(v)
        elif isinstance(value, list):
            for v in value:
                finite(v)
        elif isinstance(value, float):
            assert math.isfinite(value)

    finite(full.metrics)


def test_subset_and_not_requested(tmp_path: Path) -> None:
    result = evaluate(REAL, REAL.copy(), metrics=["fidelity", "rare_events"])
    assert set(result.metrics) == {"meta", "fidelity", "rare_events"}
    statuses = {v.failure_mode: v for v in result.verdicts}
    assert statuses["mode_collapse"].status == "n/a"
    assert "not requested" in statuses["mode_collapse"].summary
    assert statuses["rare_event_loss"].status == "pass"


def test_inapplicable_families_give_reasons() -> None:
    result = evaluate(REAL, REAL.copy())
    assert result.metrics["privacy"]["applicable"] is False
    assert result.metrics["utility"]["applicable"] is False
    assert result.metrics["bias"]["applicable"] is False
    for mode in ("privacy_leak", "poor_transfer", "bias_amplification"):
        verdict = result.verdict(mode)
        assert verdict.status == "n/a" and len(verdict.summary) > 20


def test_progress_messages() -> None:
    seen: list[str] = []
    evaluate(REAL, REAL.copy(), metrics=["fidelity", "diversity"], progress=seen.append)
    assert seen[0] == "preparing tables"
    assert "fidelity" in seen and "diversity" in seen and seen[-1] == "done"


def test_same_seed_same_metrics() -> None:
    syn = mixed_table(300, seed=64)
    one = evaluate(REAL, syn, holdout=HOLDOUT, metrics=["detection", "privacy", "diversity"], seed=5)
    two = evaluate(REAL, syn, holdout=HOLDOUT, metrics=["detection", "privacy", "diversity"], seed=5)
    for family in ("detection", "privacy", "diversity"):
        assert one.metrics[family] == two.metrics[family]


def test_all_constant_numeric_table_has_no_distance_space() -> None:
    frame = REAL[["x1"]].assign(x1=1.0)
    result = evaluate(frame, frame.copy(), holdout=frame.copy())
    assert result.metrics["diversity"]["applicable"] is False
    assert "distance space" in result.metrics["diversity"]["reason"]
    assert result.metrics["privacy"]["applicable"] is False
    assert result.metrics["fidelity"]["mmd2"] is None
