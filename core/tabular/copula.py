"""Gaussian copula over mixed-type tables.

Each column gets its own marginal (an interpolated empirical quantile function
for numbers and dates, category frequencies for categories) and the
dependence between columns is a Gaussian copula: a correlation matrix of the
columns' normal scores. Missing values are modelled by a 0/1 indicator per
column that joins the copula, so *patterns* of missingness (a lab missing
together with another) survive, not only rates.

The learned state is plain numbers and strings: :meth:`GaussianCopula.get_state`
returns JSON-serialisable data, and no raw record is stored (numeric marginals
keep at most ``max_knots`` quantiles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from synthgenesis.tabular.columns import ColumnModel, infer_columns
from synthgenesis.types import Generator

_EPS = 1e-6


def nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """Closest valid correlation matrix (clip eigenvalues, rescale the diagonal to 1)."""
    matrix = (matrix + matrix.T) / 2
    values, vectors = np.linalg.eigh(matrix)
    values = np.clip(values, 1e-8, None)
    fixed = vectors @ np.diag(values) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(d, d)
    np.fill_diagonal(fixed, 1.0)
    return fixed


class GaussianCopula(Generator):
    """Per-column marginals joined by a Gaussian copula.

    Parameters
    ----------
    categorical_threshold:
        integer columns with at most this many distinct values are treated as
        categories (codes such as sex, arm or a 0/1 outcome).
    max_knots:
        number of quantiles kept per numeric marginal.
    exclude:
        columns left out of the model (identifiers); they are filled with new
        sequential identifiers on sampling.
    """

    def __init__(
        self,
        *,
        categorical_threshold: int = 10,
        max_knots: int = 200,
        exclude: tuple[str, ...] | list[str] = (),
    ) -> None:
        super().__init__()
        if categorical_threshold < 0 or max_knots < 2:
            raise ValueError("categorical_threshold must be >= 0 and max_knots >= 2")
        self.categorical_threshold = categorical_threshold
        self.max_knots = max_knots
        self.exclude = tuple(exclude)
        self.columns: list[ColumnModel] = []
        self.column_order: list[str] = []
        self.correlation: np.ndarray = np.eye(0)

    # ------------------------------------------------------------------ fitting

    def _fit(self, reference: pd.DataFrame) -> None:
        self.column_order = list(reference.columns)
        modelled = reference.drop(columns=[c for c in self.exclude if c in reference.columns])
        self.columns = infer_columns(modelled, self.categorical_threshold, self.max_knots)
        scores = self._normal_scores(modelled, np.random.default_rng(0))
        if scores.shape[1] == 0:
            self.correlation = np.eye(0)
            return
        # Pairwise-complete correlation: a missing lab value says nothing about its
        # correlation with other columns, so it must not dilute it.
        corr = (
            pd.DataFrame(scores).corr(min_periods=3).to_numpy()
            if len(scores) > 1
            else np.eye(scores.shape[1])
        )
        corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0)
        np.fill_diagonal(corr, 1.0)
        self.correlation = nearest_correlation(corr)

    def _normal_scores(self, table: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Gaussian scores of every modelled dimension (value, then missing indicator)."""
        blocks = []
        for col in self.columns:
            u = col.to_uniform(table[col.name], rng)
            u[table[col.name].isna().to_numpy()] = np.nan
            blocks.append(stats.norm.ppf(np.clip(u, _EPS, 1 - _EPS)))
            if col.missing_rate > 0:
                missing = table[col.name].isna().to_numpy()
                # Rank-based score of a 0/1 indicator: mid-point of its probability interval.
                p = col.missing_rate
                u_m = np.where(missing, 1 - p / 2, (1 - p) / 2)
                blocks.append(stats.norm.ppf(np.clip(u_m, _EPS, 1 - _EPS)))
        return np.column_stack(blocks) if blocks else np.empty((len(table), 0))

    # ------------------------------------------------------------------ sampling

    def _latent(self, n: int, rng: np.random.Generator) -> np.ndarray:
        dim = self.correlation.shape[0]
        if dim == 0:
            return np.empty((n, 0))
        return rng.multivariate_normal(np.zeros(dim), self.correlation, size=n, method="cholesky")

    def _decode(self, z: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        out: dict[str, Any] = {}
        u = stats.norm.cdf(z)
        j = 0
        n = len(z)
        for col in self.columns:
            values = col.from_uniform(u[:, j], rng)
            j += 1
            if col.missing_rate > 0:
                missing = u[:, j] > 1 - col.missing_rate
                j += 1
                values = values.astype(object) if values.dtype.kind in "biu" else values
                out[col.name] = col.restore_dtype(pd.Series(values).mask(missing))
                continue
            out[col.name] = values
        for name in self.exclude:
            if name in self.column_order:
                out[name] = np.arange(1, n + 1)
        return pd.DataFrame(out, index=range(n))[[c for c in self.column_order if c in out]]

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return self._decode(self._latent(n, rng), rng)

    # ------------------------------------------------------------------ state

    def get_state(self) -> dict[str, Any]:
        """Parameters and fitted margins and correlation as plain data (no pickle)."""
        return {
            "kind": "gaussian-copula",
            "params": {
                "categorical_threshold": self.categorical_threshold,
                "max_knots": self.max_knots,
                "exclude": list(self.exclude),
            },
            "column_order": self.column_order,
            "columns": [c.to_dict() for c in self.columns],
            "correlation": self.correlation.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> GaussianCopula:
        """Rebuild a fitted copula from :meth:`get_state`."""
        gen = cls(**state["params"])
        gen.column_order = list(state["column_order"])
        gen.columns = [ColumnModel.from_dict(c) for c in state["columns"]]
        gen.correlation = np.asarray(state["correlation"], dtype=float).reshape(len(state["correlation"]), -1)
        gen._fitted = True
        return gen
