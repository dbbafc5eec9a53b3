"""Per-column marginal models for tabular generators.

A :class:`ColumnModel` maps a column to uniform scores in (0, 1) and back:

- ``numeric``, ``integer`` and ``datetime`` columns use an interpolated
  empirical quantile function kept at a bounded number of knots (bounded
  marginals: samples never leave the observed range; integers are rounded);
- ``categorical`` and ``boolean`` columns map each category to an interval of
  width equal to its frequency.

Ties (integers, categories) are broken by a seeded uniform jitter inside the
tie's interval, the standard way to fit a Gaussian copula to discrete data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Kind = Literal["numeric", "integer", "datetime", "categorical", "boolean"]


def datetime_ns(series: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch as floats (NaN where missing), whatever the column's resolution."""
    dt = pd.to_datetime(series)
    out = dt.dt.as_unit("ns").astype("int64").to_numpy(dtype=float)
    out[dt.isna().to_numpy()] = np.nan
    return out


@dataclass
class ColumnModel:
    """One column's kind, missing rate and marginal, learnt from data."""

    name: str
    kind: Kind
    missing_rate: float = 0.0
    knots: list[float] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    timezone: str | None = None

    # -------------------------------------------------------------- construction

    @classmethod
    def fit(cls, series: pd.Series, categorical_threshold: int, max_knots: int) -> ColumnModel:
        """Learn a column's kind, missing rate and marginal from ``series``."""
        name = str(series.name)
        kind = infer_kind(series, categorical_threshold)
        present = series.dropna()
        missing_rate = float(series.isna().mean())
        if len(present) == 0:
            raise ValueError(f"column {name!r} has no values; drop it or fill it before fitting")
        if kind in ("categorical", "boolean"):
            freq = present.value_counts(normalize=True, sort=True)
            return cls(
                name,
                kind,
                missing_rate,
                categories=[_py(v) for v in freq.index],
                probabilities=[float(p) for p in freq.to_numpy()],
            )
        tz = None
        if kind == "datetime":
            dt = pd.to_datetime(present)
            tz = str(dt.dt.tz) if dt.dt.tz is not None else None
            values = datetime_ns(present)
        else:
            values = present.to_numpy(dtype=float)
        probs = np.linspace(0, 1, min(max_knots, max(2, len(np.unique(values)))))
        knots = np.quantile(values, probs)
        return cls(name, kind, missing_rate, knots=[float(k) for k in knots], timezone=tz)

    def to_dict(self) -> dict[str, Any]:
        """The column model as plain data (for the generator state)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnModel:
        """Rebuild a column model from :meth:`to_dict`."""
        return cls(**data)

    # -------------------------------------------------------------- transforms

    def _numeric(self, series: pd.Series) -> np.ndarray:
        if self.kind == "datetime":
            return datetime_ns(series)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)

    def to_uniform(self, series: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """Uniform scores of ``series``; missing entries get independent uniforms."""
        n = len(series)
        u = rng.uniform(size=n)
        present = series.notna().to_numpy()
        if not present.any():
            return u
        if self.kind in ("categorical", "boolean"):
            cum = np.concatenate([[0.0], np.cumsum(self.probabilities)])
            index = {c: i for i, c in enumerate(self.categories)}
            codes = np.array([index.get(_py(v), -1) for v in series[present]])
            known = codes >= 0
            lo = cum[np.where(known, codes, 0)]
            width = np.asarray(self.probabilities)[np.where(known, codes, 0)]
            vals = np.where(known, lo + width * rng.uniform(size=len(codes)), rng.uniform(size=len(codes)))
            u[present] = vals
            return u
        x = self._numeric(series[present])
        # Empirical CDF with ties spread uniformly over their rank interval.
        order = np.sort(x)
        left = np.searchsorted(order, x, side="left")
        right = np.searchsorted(order, x, side="right")
        u[present] = (left + rng.uniform(size=len(x)) * (right - left)) / len(x)
        return u

    def from_uniform(self, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values for uniform scores ``u`` (the inverse of :meth:`to_uniform`)."""
        if self.kind in ("categorical", "boolean"):
            cum = np.cumsum(self.probabilities)
            codes = np.minimum(np.searchsorted(cum, u, side="right"), len(self.categories) - 1)
            cats = np.empty(len(self.categories), dtype=object)
            cats[:] = self.categories
            values = cats[codes]
            if self.kind == "boolean":
                return values.astype(bool)
            if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in self.categories):
                return values.astype(np.int64)
            return values
        knots = np.asarray(self.knots)
        grid = np.linspace(0, 1, len(knots))
        x = np.interp(u, grid, knots)
        if self.kind == "integer":
            return np.rint(x).astype(np.int64)
        if self.kind == "datetime":
            return pd.to_datetime(np.rint(x).astype("int64"), utc=self.timezone is not None).to_numpy()
        return x

    def restore_dtype(self, series: pd.Series) -> pd.Series:
        """Give a column with missing values the dtype its kind calls for."""
        if self.kind == "integer" or (
            self.kind == "categorical" and all(isinstance(c, (int, np.integer)) for c in self.categories)
        ):
            return series.astype("Int64")
        if self.kind == "datetime":
            return pd.to_datetime(series)
        if self.kind == "boolean":
            return series.astype("boolean")
        if self.kind == "numeric":
            return series.astype(float)
        return series


def infer_kind(series: pd.Series, categorical_threshold: int) -> Kind:
    """The marginal kind of a column from its dtype and number of distinct values."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        present = series.dropna()
        is_int = pd.api.types.is_integer_dtype(series) or bool(
            len(present) and np.all(np.equal(np.mod(present.to_numpy(dtype=float), 1), 0))
        )
        if is_int and present.nunique() <= categorical_threshold:
            return "categorical"
        return "integer" if is_int else "numeric"
    return "categorical"


def infer_columns(table: pd.DataFrame, categorical_threshold: int, max_knots: int) -> list[ColumnModel]:
    """A fitted :class:`ColumnModel` for every column of ``table``."""
    return [ColumnModel.fit(table[c], categorical_threshold, max_knots) for c in table.columns]


def _py(value: Any) -> Any:
    """A JSON-friendly Python scalar for a category value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
