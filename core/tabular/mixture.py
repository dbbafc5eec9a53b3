"""Gaussian mixture over the numeric columns of a table.

A generic, domain-free generator: it fits scikit-learn's
:class:`~sklearn.mixture.GaussianMixture` (expectation-maximisation) to the
numeric columns and samples from the fitted mixture. With ``n_components=1``
and ``covariance_type="full"`` it is the maximum-likelihood Gaussian (the mean
and the covariance with divisor ``n``), which makes it the reference model of
the model-collapse experiments (see ``docs/collapse.md``).

Categorical, boolean, date and text columns are rejected, as are missing
values: featurise the table first or pick a generator that models them.
Integer columns are sampled as floats and rounded back to integers.

The state is plain numbers (weights, means, full covariance matrices), never
a pickle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.types import Generator

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def _full_covariances(covariances: np.ndarray, kind: str, k: int, d: int) -> np.ndarray:
    """Covariances of any scikit-learn ``covariance_type`` as a ``(k, d, d)`` array."""
    if kind == "full":
        return np.asarray(covariances, dtype=float).reshape(k, d, d)
    if kind == "tied":
        return np.repeat(np.asarray(covariances, dtype=float).reshape(1, d, d), k, axis=0)
    if kind == "diag":
        return np.stack([np.diag(row) for row in np.asarray(covariances, dtype=float).reshape(k, d)])
    return np.stack([np.eye(d) * v for v in np.asarray(covariances, dtype=float).reshape(k)])


class GaussianMixture(Generator):
    """Mixture of ``n_components`` Gaussians over the numeric columns.

    Parameters
    ----------
    n_components:
        number of mixture components (at most the number of training rows).
    covariance_type:
        ``"full"``, ``"tied"``, ``"diag"`` or ``"spherical"`` (as in scikit-learn).
    reg_covar:
        added to the covariance diagonals for numerical stability.
    n_init:
        EM restarts; the best likelihood is kept.
    seed:
        seed of the EM initialisation, so a fit is deterministic.
    """

    def __init__(
        self,
        *,
        n_components: int = 1,
        covariance_type: str = "full",
        reg_covar: float = 1e-6,
        n_init: int = 1,
        max_iter: int = 200,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(n_components, bool) or not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {n_components!r}")
        if covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {', '.join(COVARIANCE_TYPES)}, got {covariance_type!r}"
            )
        if not reg_covar >= 0:
            raise ValueError(f"reg_covar must be non-negative, got {reg_covar!r}")
        if n_init < 1 or max_iter < 1:
            raise ValueError("n_init and max_iter must be positive integers")
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = float(reg_covar)
        self.n_init = int(n_init)
        self.max_iter = int(max_iter)
        self.seed = int(seed)
        self.columns: list[str] = []
        self.integer_columns: list[str] = []
        self.weights: np.ndarray = np.zeros(0)
        self.means: np.ndarray = np.zeros((0, 0))
        self.covariances: np.ndarray = np.zeros((0, 0, 0))

    def _fit(self, reference: pd.DataFrame) -> None:
        from sklearn.mixture import GaussianMixture as SkMixture

        bad = [
            str(c)
            for c in reference.columns
            if not pd.api.types.is_numeric_dtype(reference[c]) or pd.api.types.is_bool_dtype(reference[c])
        ]
        if bad:
            raise InvalidDataError(
                f"GaussianMixture models numeric columns only; these are not numeric: {', '.join(bad)}. "
                "Drop or encode them first, or use a generator that models categories "
                "(GaussianCopula, ChowLiuNetwork)"
            )
        missing = [str(c) for c in reference.columns if reference[c].isna().any()]
        if missing:
            raise InvalidDataError(
                f"GaussianMixture cannot fit missing values; these columns have some: {', '.join(missing)}"
            )
        if len(reference) < max(2, self.n_components):
            raise InvalidDataError(
                f"GaussianMixture with {self.n_components} component(s) needs at least "
                f"{max(2, self.n_components)} rows, got {len(reference)}"
            )
        self.columns = [str(c) for c in reference.columns]
        self.integer_columns = [
            str(c) for c in reference.columns if pd.api.types.is_integer_dtype(reference[c])
        ]
        x = reference.to_numpy(dtype=float)
        model = SkMixture(
            n_components=self.n_components,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            n_init=self.n_init,
            max_iter=self.max_iter,
            random_state=self.seed,
        ).fit(x)
        k, d = self.n_components, x.shape[1]
        self.weights = np.asarray(model.weights_, dtype=float)
        self.means = np.asarray(model.means_, dtype=float).reshape(k, d)
        self.covariances = _full_covariances(model.covariances_, self.covariance_type, k, d)

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        d = self.means.shape[1]
        counts = rng.multinomial(n, self.weights / self.weights.sum())
        blocks = [
            rng.multivariate_normal(self.means[j], self.covariances[j], size=int(c), method="cholesky")
            for j, c in enumerate(counts)
            if c
        ]
        x = np.vstack(blocks) if blocks else np.empty((0, d))
        x = x[rng.permutation(len(x))]
        out = pd.DataFrame(x, columns=self.columns)
        for col in self.integer_columns:
            out[col] = np.round(out[col]).astype(np.int64)
        return out

    def get_state(self) -> dict[str, Any]:
        """Parameters and fitted components as plain data (no pickle)."""
        return {
            "kind": "gaussian-mixture",
            "params": {
                "n_components": self.n_components,
                "covariance_type": self.covariance_type,
                "reg_covar": self.reg_covar,
                "n_init": self.n_init,
                "max_iter": self.max_iter,
                "seed": self.seed,
            },
            "columns": self.columns,
            "integer_columns": self.integer_columns,
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "covariances": self.covariances.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> GaussianMixture:
        """Rebuild a fitted mixture from :meth:`get_state`."""
        gen = cls(**state["params"])
        gen.columns = [str(c) for c in state["columns"]]
        gen.integer_columns = [str(c) for c in state.get("integer_columns", [])]
        k, d = gen.n_components, len(gen.columns)
        gen.weights = np.asarray(state["weights"], dtype=float).reshape(k)
        gen.means = np.asarray(state["means"], dtype=float).reshape(k, d)
        gen.covariances = np.asarray(state["covariances"], dtype=float).reshape(k, d, d)
        gen._fitted = True
        return gen
