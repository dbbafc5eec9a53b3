"""Uncertainty of the statistics verdicts rest on: intervals for an AUC and for a mean.

Verdicts may only pass when the evidence supports it (see ``verdicts``); these helpers
give the two-sided intervals they compare with the thresholds.

* :func:`auc_interval` uses DeLong's variance of the ROC AUC (DeLong, DeLong and
  Clarke-Pearson, 1988), computed from mid-ranks as in Sun and Xu (2014). When every
  score ties, DeLong's estimate is zero although the AUC is uncertain; the variance of
  the AUC under chance (Hanley and McNeil, 1982, at AUC 0.5) is used then.
* :func:`mean_interval` is the normal-approximation interval of a mean of bounded
  per-row values (such as 0 / 0.5 / 1 indicators).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def z_value(level: float) -> float:
    """The standard normal quantile of a two-sided interval at ``level`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


def delong_auc(positive: np.ndarray, negative: np.ndarray) -> tuple[float, float]:
    """ROC AUC of scores of ``positive`` over ``negative`` rows, and its standard error.

    The AUC counts ties as one half (the Mann-Whitney statistic over the product of
    the sizes). Both arrays need at least two values.
    """
    x = np.asarray(positive, dtype=float)
    y = np.asarray(negative, dtype=float)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"an AUC interval needs at least two scores per class, got {m} and {n}")
    pooled = stats.rankdata(np.concatenate([x, y]))
    rank_x, rank_y = stats.rankdata(x), stats.rankdata(y)
    auc = float((pooled[:m].sum() - m * (m + 1) / 2.0) / (m * n))
    v10 = (pooled[:m] - rank_x) / n  # per positive: share of negatives it beats
    v01 = 1.0 - (pooled[m:] - rank_y) / m  # per negative: share of positives that beat it
    variance = float(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
    if variance <= 0.0 and 0.0 < auc < 1.0:
        variance = (m + n + 1) / (12.0 * m * n)
    return auc, math.sqrt(max(variance, 0.0))


def auc_interval(
    positive: np.ndarray, negative: np.ndarray, level: float = 0.95, centre: float | None = None
) -> dict[str, float | list[float]]:
    """DeLong standard error and two-sided interval of the AUC, clipped to [0, 1].

    ``centre`` puts the interval around another estimate of the same AUC (the mean of
    cross-validation folds) instead of the pooled AUC of the scores.
    """
    auc, se = delong_auc(positive, negative)
    middle = auc if centre is None else float(centre)
    half = z_value(level) * se
    return {
        "auc": auc,
        "se": se,
        "interval": [max(0.0, middle - half), min(1.0, middle + half)],
        "level": level,
    }


def mean_interval(
    values: np.ndarray, level: float = 0.95, bounds: tuple[float, float] = (0.0, 1.0)
) -> dict[str, float | list[float]]:
    """Normal-approximation interval of the mean of ``values`` (at least two values), clipped
    to ``bounds`` (the range the values can take).

    When the values do not vary the standard error is taken from the worst case of a
    proportion at that mean, ``sqrt(p (1 - p) / n)``, so a constant sample of a few
    rows does not look certain unless it sits at 0 or 1.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        raise ValueError(f"an interval needs at least two values, got {n}")
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n))
    if se == 0.0 and 0.0 <= mean <= 1.0:
        se = math.sqrt(mean * (1.0 - mean) / n)
    half = z_value(level) * se
    low, high = max(bounds[0], mean - half), min(bounds[1], mean + half)
    return {"mean": mean, "se": se, "interval": [low, high], "level": level}
