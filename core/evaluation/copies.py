"""Rows that repeat: exact copies of real rows in a synthetic table, and repeats within a table.

Rows are compared by hashing them (:func:`pandas.util.hash_pandas_object`), so no
N x M comparison is built. Before hashing, numeric and boolean columns become
float64 and every other column text, so the same value read as ``int64`` from one
file and ``float64`` from another (or as a category in one and an object in the
other) counts as equal. Missing values equal missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            out[name] = pd.Series(column.to_numpy(dtype="float64", na_value=np.nan), index=frame.index)
        else:
            out[name] = column.astype("string")  # every missing value becomes <NA>
    return pd.DataFrame(out, index=frame.index)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of ``frame`` (equal rows, equal hashes), as described above."""
    return pd.util.hash_pandas_object(_comparable(frame), index=False).to_numpy()


def exact_copies(reference: pd.DataFrame, synthetic: pd.DataFrame) -> int:
    """Number of synthetic rows equal to some reference row in every column they share.

    0 when they share no column or either table is empty.
    """
    columns = [c for c in synthetic.columns if c in reference.columns]
    if not columns or reference.empty or synthetic.empty:
        return 0
    return int(np.isin(row_hashes(synthetic[columns]), row_hashes(reference[columns])).sum())


def duplicate_rate(frame: pd.DataFrame) -> float:
    """Share of rows that repeat an earlier row of the same table exactly (0 for an empty table)."""
    if frame.empty:
        return 0.0
    return float(pd.Series(row_hashes(frame)).duplicated(keep="first").mean())
