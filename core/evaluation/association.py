"""Pairwise association between columns of mixed kinds.

* numeric-numeric: Pearson correlation (signed, in [-1, 1]);
* categorical-categorical: Cramér's V without bias correction (in [0, 1]), by
  :func:`scipy.stats.contingency.association`;
* numeric-categorical: correlation ratio eta (in [0, 1]).

A pair involving a column that is constant in the table has association 0 (nothing
varies, so nothing is associated). Categorical columns enter as integer codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats.contingency import association


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; 0 when either variable is constant."""
    x = x - x.mean()
    y = y - y.mean()
    denom = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    if denom <= 0.0:
        return 0.0
    return float(np.clip(np.dot(x, y) / denom, -1.0, 1.0))


def _dense_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes as 0..m-1 (small non-negative codes are used as they are; empty slots stay)."""
    codes = np.asarray(codes)
    if codes.dtype.kind in "iu" and codes.size and codes.min() >= 0 and codes.max() < 4096:
        return codes.astype(np.int64, copy=False), int(codes.max()) + 1
    levels, inverse = np.unique(codes, return_inverse=True)
    return inverse.astype(np.int64), len(levels)


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two integer-coded variables (no bias correction); 0 when either is constant."""
    a_codes, r = _dense_codes(a)
    b_codes, c = _dense_codes(b)
    table = np.bincount(a_codes * c + b_codes, minlength=r * c).reshape(r, c)
    # Codes with no row would give zero expected counts: SciPy's table holds observed levels only.
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 0.0
    return float(min(1.0, association(table, method="cramer", correction=False)))


def correlation_ratio(codes: np.ndarray, values: np.ndarray) -> float:
    """Correlation ratio eta of a numeric variable given a categorical one."""
    groups, _ = _dense_codes(codes)
    total = float(((values - values.mean()) ** 2).sum())
    if total <= 0.0:
        return 0.0
    counts = np.bincount(groups).astype(float)
    sums = np.bincount(groups, weights=values, minlength=len(counts))
    means = sums / np.where(counts > 0, counts, 1.0)
    between = float((counts * (means - values.mean()) ** 2).sum())
    return float(np.sqrt(np.clip(between / total, 0.0, 1.0)))


def association_matrix(columns: Sequence[np.ndarray], kinds: Sequence[str]) -> np.ndarray:
    """Symmetric matrix of pairwise associations with ones on the diagonal.

    ``columns[i]`` holds float values for a ``"numeric"`` kind and integer codes for a
    ``"categorical"`` one.
    """
    p = len(columns)
    out = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            a, b = columns[i], columns[j]
            if kinds[i] == "numeric" and kinds[j] == "numeric":
                value = pearson(a, b)
            elif kinds[i] == "categorical" and kinds[j] == "categorical":
                value = cramers_v(a, b)
            elif kinds[i] == "categorical":
                value = correlation_ratio(a, b)
            else:
                value = correlation_ratio(b, a)
            out[i, j] = out[j, i] = value
    return out
