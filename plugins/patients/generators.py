"""Generators of the ``patients`` domain."""

from __future__ import annotations

from synthgenesis.plugins.patients.schema import ID_COLUMN
from synthgenesis.plugins.patients.survival import SurvivalAware
from synthgenesis.tabular import ChowLiuNetwork, GaussianCopula


def gaussian_copula(*, categorical_threshold: int = 10, max_knots: int = 200) -> GaussianCopula:
    """Gaussian copula with per-column marginals; patient identifiers are regenerated, never learned."""
    return GaussianCopula(
        categorical_threshold=categorical_threshold, max_knots=max_knots, exclude=(ID_COLUMN,)
    )


def bayesian_network(
    *, bins: int = 20, categorical_threshold: int = 10, alpha: float = 0.0, knots: int = 11
) -> ChowLiuNetwork:
    """Chow-Liu tree Bayesian network; keeps multi-modal marginals and conditional structure."""
    return ChowLiuNetwork(
        bins=bins, categorical_threshold=categorical_threshold, alpha=alpha, knots=knots, exclude=(ID_COLUMN,)
    )


def survival_aware(
    *, base: str = "copula", time: str = "time", event: str = "event", penalizer: float = 0.01
) -> SurvivalAware:
    """Covariates from ``base``; event and censoring times from Weibull AFT models (lifelines)."""
    return SurvivalAware(base=base, time=time, event=event, penalizer=penalizer)
