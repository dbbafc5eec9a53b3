"""Rare events: dropped tails, missing rare categories and minority-label rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eval_helpers import mixed_table

from synthgenesis.evaluation import evaluate

REAL = mixed_table(2000, seed=31)


def rare(real: pd.DataFrame, synthetic: pd.DataFrame, **kwargs: object) -> dict:
    return evaluate(real, synthetic, metrics=["rare_events"], **kwargs).metrics["rare_events"]


def test_identical_tables_keep_everything() -> None:
    out = rare(REAL, REAL.copy(), target="label")
    assert out["share"] == 1.0
    assert out["tail_share"] == 1.0
    assert out["rare_category_share"] == 1.0
    for entry in out["tails"].values():
        assert entry["low"]["ratio"] == 1.0 and entry["high"]["ratio"] == 1.0
    assert out["minority_label"]["ratio"] == 1.0


def test_dropped_tails_give_zero_tail_share() -> None:
    inner = REAL.copy()
    for column in ("x1", "x2"):
        low, high = np.quantile(REAL[column], [0.02, 0.98])
        inner[column] = inner[column].clip(low, high)
    out = rare(REAL, inner)
    assert out["tail_share"] == 0.0
    assert out["n_tails"] == 4
    x1 = out["tails"]["x1"]
    assert x1["low"]["synthetic_share"] == 0.0
    assert x1["low"]["real_share"] == pytest.approx(0.01, abs=0.001)
    # four dropped tails and one kept rare category (colour=violet)
    assert out["share"] == pytest.approx(1 / 5)


def test_heavier_tail_has_ratio_above_one_but_share_capped() -> None:
    heavy = REAL.assign(x1=REAL["x1"] * 3.0)
    out = rare(REAL, heavy)
    assert out["tails"]["x1"]["high"]["ratio"] > 5.0
    assert out["tail_share"] <= 1.0


def test_missing_rare_category_is_flagged() -> None:
    synthetic = REAL.assign(colour=REAL["colour"].replace("violet", "red"))
    out = rare(REAL, synthetic)
    violet = out["rare_categories"]["colour"]["violet"]
    assert violet["present"] is False
    assert violet["synthetic_frequency"] == 0.0
    assert violet["real_frequency"] == pytest.approx(np.mean(REAL["colour"] == "violet"))
    assert out["rare_category_share"] == 0.0


def test_minority_label_ratio_known() -> None:
    real = pd.DataFrame({"v": np.arange(100.0), "y": ["yes"] * 20 + ["no"] * 80})
    synthetic = pd.DataFrame({"v": np.arange(100.0), "y": ["yes"] * 5 + ["no"] * 95})
    out = rare(real, synthetic, target="y")
    assert out["minority_label"] == {
        "label": "yes",
        "real_rate": 0.2,
        "synthetic_rate": 0.05,
        "ratio": pytest.approx(0.25),
        "minority": "yes",
        "ratios": {"no": pytest.approx(95 / 80), "yes": pytest.approx(0.25)},
        "real_rows": 20,
        "expected_synthetic_rows": pytest.approx(20.0),
        "judged": True,
    }
    verdict = evaluate(real, synthetic, target="y", metrics=["rare_events"]).verdict("rare_event_loss")
    assert verdict.status == "fail"
    assert "ratio 0.25" in verdict.summary


def test_tied_tails_are_not_rare() -> None:
    values = np.array([0.0] * 50 + list(np.linspace(1, 2, 150)))
    frame = pd.DataFrame({"v": values})
    out = rare(frame, frame.copy())
    assert "skipped" in out["tails"]["v"]["low"]
    assert "ratio" in out["tails"]["v"]["high"]


def test_no_rare_region_is_not_applicable_verdict() -> None:
    frame = pd.DataFrame({"c": ["a", "b"] * 50})
    result = evaluate(frame, frame.copy(), metrics=["rare_events"])
    assert result.metrics["rare_events"]["share"] is None
    assert result.verdict("rare_event_loss").status == "n/a"


def test_a_common_label_that_vanishes_fails_rare_event_loss() -> None:
    """The real minority can look over-kept while the majority label is gone: that is a loss."""
    import numpy as np
    import pandas as pd

    from synthgenesis.evaluation import evaluate

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=400), "y": (rng.random(400) < 0.51).astype(int)})
    holdout = pd.DataFrame({"x": rng.normal(size=200), "y": (rng.random(200) < 0.51).astype(int)})
    synthetic = pd.DataFrame({"x": rng.normal(size=400), "y": np.zeros(400, dtype=int)})
    result = evaluate(
        real, synthetic, holdout=holdout, target="y", task="classification", metrics=["rare_events"]
    )
    minority = result.metrics["rare_events"]["minority_label"]
    assert minority["label"] == "1" and minority["ratio"] == 0.0
    verdict = next(v for v in result.verdicts if v.failure_mode == "rare_event_loss")
    assert verdict.status == "fail", verdict
