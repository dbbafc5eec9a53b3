"""Generators of the ``patients`` domain."""

from __future__ import annotations

from synthgenesis.plugins.patients.schema import ID_COLUMN
from synthgenesis.tabular import GaussianCopula


def gaussian_copula(*, categorical_threshold: int = 10, max_knots: int = 200) -> GaussianCopula:
    """Gaussian copula with per-column marginals; patient identifiers are regenerated, never learned."""
    return GaussianCopula(
        categorical_threshold=categorical_threshold, max_knots=max_knots, exclude=(ID_COLUMN,)
    )
