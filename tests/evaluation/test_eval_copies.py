"""Exact copies and repeated rows: known answers, and the same answer whatever the column types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis.evaluation.copies import duplicate_rate, exact_copies, row_hashes


def test_copies_are_counted_per_synthetic_row() -> None:
    real = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    synthetic = pd.DataFrame({"a": [1, 1, 2, 9], "b": ["x", "x", "q", "z"]})
    assert exact_copies(real, synthetic) == 2  # both (1, "x") rows; (2, "q") and (9, "z") are new
    assert exact_copies(real, real) == 3
    assert exact_copies(real, real.assign(a=real["a"] + 0.5)) == 0


def test_types_do_not_hide_a_copy() -> None:
    real = pd.DataFrame({"age": [40, 51], "sex": pd.Categorical(["f", "m"]), "smoker": [True, False]})
    read_again = pd.DataFrame({"age": [40.0, 51.0], "sex": ["f", "m"], "smoker": [1.0, 0.0]})
    assert exact_copies(real, read_again) == 2
    nullable = pd.DataFrame({"age": pd.array([40, None], dtype="Int64"), "sex": ["f", None]})
    plain = pd.DataFrame({"age": [40.0, np.nan], "sex": pd.Categorical(["f", np.nan])})
    assert exact_copies(nullable, plain) == 2  # missing equals missing, whatever marks it
    assert (row_hashes(nullable) == row_hashes(plain)).all()


def test_only_shared_columns_count_and_empty_tables_have_none() -> None:
    real = pd.DataFrame({"a": [1, 2], "id": [10, 11]})
    synthetic = pd.DataFrame({"a": [2, 5], "noise": [0.1, 0.2]})
    assert exact_copies(real, synthetic) == 1
    assert exact_copies(real, pd.DataFrame({"other": [1]})) == 0
    assert exact_copies(real.iloc[:0], synthetic) == 0 and exact_copies(real, synthetic.iloc[:0]) == 0


def test_duplicate_rate() -> None:
    assert duplicate_rate(pd.DataFrame({"a": [1, 1, 1, 2], "b": ["x", "x", "y", "x"]})) == 0.25
    assert duplicate_rate(pd.DataFrame({"a": [1, 1.0]})) == 0.5
    assert duplicate_rate(pd.DataFrame({"a": []})) == 0.0
