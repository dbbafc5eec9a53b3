"""Bad input is refused with a message naming the table or column; fallbacks are explicit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from eval_helpers import mixed_table

from synthgenesis.errors import ConfigError, InvalidDataError, UnknownNameError
from synthgenesis.evaluation import EvaluationConfig, evaluate
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.preprocess import MISSING_CATEGORY, prepare

REAL = mixed_table(60, seed=1)
SYN = mixed_table(60, seed=2)


def test_mismatched_columns_name_both_sides() -> None:
    synthetic = SYN.drop(columns=["x2"]).assign(extra=1.0)
    with pytest.raises(InvalidDataError) as err:
        prepare(REAL, synthetic)
    message = str(err.value)
    assert "missing in 'synthetic': ['x2']" in message
    assert "missing in 'real': ['extra']" in message


def test_holdout_columns_checked_too() -> None:
    with pytest.raises(InvalidDataError, match=r"'holdout'.*\['label'\]"):
        prepare(REAL, SYN, REAL.drop(columns=["label"]))


def test_columns_reordered_to_real() -> None:
    data = prepare(REAL, SYN[SYN.columns[::-1]])
    assert list(data.synthetic.columns) == list(REAL.columns)
    np.testing.assert_array_equal(data.synthetic["x1"], SYN["x1"])


def test_kind_disagreement_names_column_and_dtypes() -> None:
    synthetic = SYN.assign(x1=SYN["x1"].astype(str))
    with pytest.raises(
        InvalidDataError,
        match=r"'x1'.*numeric in 'real'.*categorical in "
        "'synthetic'",
    ):
        prepare(REAL, synthetic)


def test_int_and_float_columns_agree() -> None:
    real = pd.DataFrame({"v": np.arange(10, dtype=np.int64)})
    synthetic = pd.DataFrame({"v": np.arange(10, dtype=float) + 0.5})
    assert prepare(real, synthetic).kinds["v"] == "numeric"


@pytest.mark.parametrize("table", ["real", "synthetic", "holdout"])
def test_inf_is_refused_naming_column_and_table(table: str) -> None:
    frames = {"real": REAL.copy(), "synthetic": SYN.copy(), "holdout": REAL.copy()}
    frames[table].loc[3, "x2"] = np.inf
    with pytest.raises(InvalidDataError, match=f"'x2' of table '{table}'.*infinite"):
        prepare(frames["real"], frames["synthetic"], frames["holdout"])


def test_numeric_nan_is_median_imputed_with_indicator() -> None:
    real = REAL.copy()
    synthetic = SYN.copy()
    synthetic.loc[[0, 1, 2], "x1"] = np.nan
    data = prepare(real, synthetic)
    assert data.indicators == {"x1": "x1__missing"}
    assert data.kinds["x1__missing"] == "categorical"
    assert list(data.synthetic["x1__missing"][:4]) == ["missing"] * 3 + ["observed"]
    assert set(data.real["x1__missing"]) == {"observed"}
    np.testing.assert_allclose(data.synthetic["x1"][:3], np.median(real["x1"]))
    assert data.observed("synthetic", "x1").size == len(SYN) - 3
    assert any("x1" in note and "median" in note for note in data.notes)


def test_indicator_name_does_not_clash() -> None:
    real = pd.DataFrame({"v": [1.0, np.nan, 3.0], "v__missing": ["a", "b", "c"]})
    data = prepare(real, real)
    assert data.indicators["v"] == "v__missing_"


def test_categorical_nan_becomes_category() -> None:
    real = REAL.assign(colour=REAL["colour"].where(REAL.index > 2, None))
    data = prepare(real, SYN)
    assert (data.real["colour"][:3] == MISSING_CATEGORY).all()


def test_all_missing_numeric_column_gets_zero_fill() -> None:
    real = pd.DataFrame({"v": [np.nan] * 5, "w": np.arange(5.0)})
    data = prepare(real, real)
    assert (data.real["v"] == 0.0).all()


@pytest.mark.parametrize("rows", [0, 1])
@pytest.mark.parametrize("table", ["real", "synthetic", "holdout"])
def test_empty_or_one_row_table_is_named(rows: int, table: str) -> None:
    frames = {"real": REAL, "synthetic": SYN, "holdout": REAL}
    frames[table] = frames[table].iloc[:rows]
    with pytest.raises(InvalidDataError, match=f"table '{table}' has {rows} row"):
        prepare(frames["real"], frames["synthetic"], frames["holdout"])


def test_no_columns_and_non_frames_refused() -> None:
    with pytest.raises(InvalidDataError, match="'synthetic' has no columns"):
        prepare(REAL, pd.DataFrame(index=range(5)))
    with pytest.raises(InvalidDataError, match="'real' must be a pandas DataFrame"):
        prepare(REAL.to_numpy(), SYN)  # type: ignore[arg-type]


def test_duplicate_column_names_refused() -> None:
    bad = pd.DataFrame(np.zeros((4, 2)), columns=["a", "a"])
    with pytest.raises(InvalidDataError, match="duplicate column names \\['a'\\]"):
        prepare(bad, bad)


def test_datetime_column_refused() -> None:
    real = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=4), "v": range(4)})
    with pytest.raises(InvalidDataError, match="'t' of table 'real' has dtype datetime"):
        prepare(real, real)


def test_target_missing_from_one_side() -> None:
    with pytest.raises(InvalidDataError, match="'label' is missing from table\\(s\\) \\['synthetic'\\]"):
        prepare(REAL, SYN.drop(columns=["label"]), target="label")
    with pytest.raises(InvalidDataError, match="'label' is missing from table\\(s\\) \\['holdout'\\]"):
        prepare(REAL, SYN, REAL.drop(columns=["label"]), target="label")
    with pytest.raises(InvalidDataError, match="target column 'nope' is not a column"):
        prepare(REAL, SYN, target="nope")


def test_target_with_missing_values_refused() -> None:
    synthetic = SYN.assign(label=SYN["label"].astype(float))
    synthetic.loc[5, "label"] = np.nan
    with pytest.raises(InvalidDataError, match=r"'label' has 1 missing value.*'synthetic'"):
        prepare(REAL, synthetic, target="label")


def test_single_class_target_refused() -> None:
    real = REAL.assign(label=1)
    with pytest.raises(InvalidDataError, match="single class"):
        prepare(real, SYN, target="label")


def test_task_inference_and_labels() -> None:
    data = prepare(REAL, SYN, target="label")
    assert data.task == "classification"
    assert set(data.real["label"]) == {"0", "1"}
    assert data.kinds["label"] == "categorical"
    assert prepare(REAL, SYN, target="x1").task == "regression"
    assert prepare(REAL, SYN, target="colour").task == "classification"


def test_bad_task_and_task_without_target() -> None:
    with pytest.raises(ConfigError, match="task"):
        prepare(REAL, SYN, target="label", task="ranking")
    with pytest.raises(ConfigError, match="without a target"):
        prepare(REAL, SYN, task="regression")
    with pytest.raises(InvalidDataError, match="categorical but task='regression'"):
        prepare(REAL, SYN, target="colour", task="regression")


def test_unknown_sensitive_column() -> None:
    with pytest.raises(InvalidDataError, match="sensitive column 'race'"):
        prepare(REAL, SYN, sensitive=["race"])


def test_unknown_metric_family() -> None:
    with pytest.raises(UnknownNameError, match=r"metric family 'beauty'.*fidelity"):
        evaluate(REAL, SYN, metrics=["beauty"])


def test_bad_config_values() -> None:
    with pytest.raises(ConfigError, match="k"):
        EvaluationConfig(k=0)
    with pytest.raises(ConfigError, match="c2st_warn"):
        EvaluationConfig(c2st_warn=0.9, c2st_fail=0.8)
    with pytest.raises(ConfigError, match="hybrid_real_fractions"):
        EvaluationConfig(hybrid_real_fractions=(0.0, 1.0))


def test_constant_column_left_out_of_distances_with_note() -> None:
    real = REAL.assign(const=3.0)
    data = prepare(real, SYN.assign(const=3.0))
    encoder = FeatureEncoder(data, data.columns)
    assert "const" not in encoder.standardised_numeric
    assert any("'const' is constant" in note for note in encoder.notes)
    matrix = encoder.onehot(data.real)
    assert np.isfinite(matrix).all()


def test_onehot_scaling_and_other_slot() -> None:
    real = pd.DataFrame({"c": ["a", "b", "a", "b"], "v": [0.0, 1.0, 2.0, 3.0]})
    synthetic = pd.DataFrame({"c": ["a", "zzz", "a", "b"], "v": [0.0, 1.0, 2.0, 3.0]})
    data = prepare(real, synthetic)
    encoder = FeatureEncoder(data, data.columns)
    x = encoder.onehot(data.synthetic)
    assert encoder.onehot_names() == ["v", "c=a", "c=b", "c=<other>"]
    # rows 0 and 1 differ in the category only: distance exactly 1 plus the numeric gap
    v_gap = 1.0 / np.std([0.0, 1.0, 2.0, 3.0])
    assert np.linalg.norm(x[0] - x[1]) == pytest.approx(np.sqrt(1.0 + v_gap**2))
    assert x[1, 3] == pytest.approx(1 / np.sqrt(2))
    np.testing.assert_array_equal(encoder.codes(data.synthetic, "c"), [0, 2, 0, 1])


def test_many_categories_are_capped() -> None:
    real = pd.DataFrame({"c": [f"v{i % 30}" for i in range(300)]})
    data = prepare(real, real)
    encoder = FeatureEncoder(data, data.columns, max_categories=10)
    assert encoder.onehot(data.real).shape == (300, 10)
    assert any("30 categories" in note for note in encoder.notes)
