"""Survival-aware generation: event times and censoring drawn from models, not copied marginals.

A generic table generator treats follow-up ``time`` and ``event`` as two
columns among others, so nothing ties a censored row to the censoring process
or an event time to the covariates' hazard. :class:`SurvivalAware` instead

1. generates the covariates with a table generator (Gaussian copula or
   Chow-Liu network),
2. draws a latent event time ``T`` from a Weibull accelerated-failure-time
   model of the event given the covariates, and a latent censoring time ``C``
   from a second Weibull AFT model of censoring (events reversed), both fitted
   with lifelines,
3. observes ``time = min(T, C)`` and ``event = T <= C``, with ``C`` drawn
   from the censoring model given that it falls within the real follow-up
   (times are never cut at the end of follow-up, which would pile censored
   patients up at that one day).

So synthetic patients are censored the way real ones were, event times follow
the covariates (a low CD4 count shortens them), and ``time``/``event`` are
consistent by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis._optional import import_optional
from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.patients.schema import ID_COLUMN
from synthgenesis.tabular import ChowLiuNetwork, GaussianCopula
from synthgenesis.types import Generator

BASES: dict[str, type[GaussianCopula] | type[ChowLiuNetwork]] = {
    "copula": GaussianCopula,
    "bayesian-network": ChowLiuNetwork,
}


class Design:
    """Numeric design matrix of covariates: numbers median-filled, categories one-hot."""

    def __init__(self, numeric: dict[str, float], categorical: dict[str, list[Any]]) -> None:
        self.numeric = numeric
        self.categorical = categorical

    @classmethod
    def fit(cls, covariates: pd.DataFrame) -> Design:
        """Standardisation of the numeric covariates and the levels of the categorical ones."""
        numeric: dict[str, float] = {}
        categorical: dict[str, list[Any]] = {}
        for col in covariates.columns:
            s = covariates[col]
            if pd.api.types.is_datetime64_any_dtype(s):
                s = (s - pd.Timestamp("1970-01-01")).dt.days
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                if s.nunique(dropna=True) > 1:
                    numeric[col] = float(s.median())
            else:
                levels = [str(v) for v in s.dropna().value_counts().index]
                if len(levels) > 1:
                    categorical[col] = levels[1:]  # the most frequent level is the reference
        return cls(numeric, categorical)

    @property
    def names(self) -> list[str]:
        """The design matrix's column names."""
        return list(self.numeric) + [f"{c}={v}" for c, levels in self.categorical.items() for v in levels]

    def matrix(self, covariates: pd.DataFrame) -> pd.DataFrame:
        """The covariates as a numeric design matrix (standardised numbers, one-hot levels)."""
        out = {}
        for col, median in self.numeric.items():
            s = covariates[col]
            if pd.api.types.is_datetime64_any_dtype(s):
                s = (s - pd.Timestamp("1970-01-01")).dt.days
            out[col] = pd.to_numeric(s, errors="coerce").astype(float).fillna(median).to_numpy()
        for col, levels in self.categorical.items():
            s = covariates[col].astype(str)
            for v in levels:
                out[f"{col}={v}"] = (s == v).to_numpy(dtype=float)
        return pd.DataFrame(out, index=covariates.index)

    def to_dict(self) -> dict[str, Any]:
        """The design as plain JSON values."""
        return {"numeric": self.numeric, "categorical": self.categorical}


class WeibullModel:
    """Weibull AFT: log(scale) = intercept + beta . z (standardised covariates), shape rho.

    A time is drawn by inversion: ``T = scale * (-log U) ** (1 / rho)``.
    """

    def __init__(
        self,
        coef: dict[str, float],
        intercept: float,
        log_rho: float,
        mean: dict[str, float],
        scale: dict[str, float],
    ) -> None:
        self.coef, self.intercept, self.log_rho, self.mean, self.scale = coef, intercept, log_rho, mean, scale

    @classmethod
    def fit(
        cls, x: pd.DataFrame, durations: np.ndarray, observed: np.ndarray, penalizer: float
    ) -> WeibullModel:
        """Fit a Weibull accelerated-failure-time model of ``durations`` (censored where not ``observed``)."""
        lifelines = import_optional("lifelines", "patients", "survival-aware generation")
        mean = {str(k): float(v) for k, v in x.mean().items()}
        scale = {str(k): float(v) for k, v in x.std().replace(0, 1).fillna(1).items()}
        z = (x - pd.Series(mean)) / pd.Series(scale)
        frame = z.assign(_duration=np.maximum(durations, 1e-6), _observed=observed.astype(int))
        fitter = lifelines.WeibullAFTFitter(penalizer=penalizer)
        fitter.fit(frame, duration_col="_duration", event_col="_observed")
        params = fitter.params_
        coef = {name: float(params[("lambda_", name)]) for name in x.columns}
        return cls(
            coef, float(params[("lambda_", "Intercept")]), float(params[("rho_", "Intercept")]), mean, scale
        )

    def draw(self, x: pd.DataFrame, rng: np.random.Generator, upper: float | None = None) -> np.ndarray:
        """One time per row; with ``upper``, drawn from the model conditioned on ``T <= upper``.

        The conditional draw inverts the Weibull on ``[0, upper]``
        (``U ~ Uniform(0, F(upper))``), so no time is moved to ``upper``: cutting
        times at ``upper`` would pile every later one up there.
        """
        z = (x - pd.Series(self.mean)) / pd.Series(self.scale)
        log_scale = self.intercept + z[list(self.coef)].to_numpy() @ np.array(list(self.coef.values()))
        rho = np.exp(self.log_rho)
        scale = np.exp(log_scale)
        u = rng.uniform(size=len(x))
        if upper is None:
            return scale * (-np.log(u)) ** (1 / rho)
        # F(upper) = 1 - exp(-(upper/scale)^rho); draw the cumulative hazard within [0, H(upper)].
        h_upper = (upper / scale) ** rho
        h = -np.log1p(-u * -np.expm1(-h_upper))
        return np.minimum(scale * h ** (1 / rho), upper)

    def to_dict(self) -> dict[str, Any]:
        """The fitted model as plain JSON values."""
        return {
            "coef": self.coef,
            "intercept": self.intercept,
            "log_rho": self.log_rho,
            "mean": self.mean,
            "scale": self.scale,
        }


class SurvivalAware(Generator):
    """Covariates from a table generator; event and censoring times from Weibull AFT models.

    Parameters
    ----------
    base:
        ``"copula"`` or ``"bayesian-network"``: the generator of the covariates.
    time, event:
        names of the follow-up time and event indicator columns.
    penalizer:
        L2 penalty of the Weibull fits (stabilises many or collinear covariates).
    """

    def __init__(
        self, *, base: str = "copula", time: str = "time", event: str = "event", penalizer: float = 0.01
    ) -> None:
        super().__init__()
        if base not in BASES:
            raise ValueError(f"base must be one of {', '.join(BASES)}, got {base!r}")
        self.base_name, self.time, self.event, self.penalizer = base, time, event, penalizer
        self.base: Generator | None = None
        self.design: Design | None = None
        self.event_model: WeibullModel | None = None
        self.censor_model: WeibullModel | None = None
        self.end_of_follow_up = 0.0
        self.integer_time = True
        self.column_order: list[str] = []

    def _fit(self, reference: pd.DataFrame) -> None:
        for col in (self.time, self.event):
            if col not in reference.columns:
                raise InvalidDataError(
                    f"survival-aware generation needs a {col!r} column; the table has "
                    f"{', '.join(map(str, reference.columns))}"
                )
        durations = pd.to_numeric(reference[self.time], errors="coerce").to_numpy(float)
        events = pd.to_numeric(reference[self.event], errors="coerce").to_numpy(float)
        if np.isnan(durations).any() or np.isnan(events).any() or not np.isin(events, (0, 1)).all():
            raise InvalidDataError(f"{self.time!r} must be numbers and {self.event!r} 0/1 in every row")
        if events.sum() == 0 or events.sum() == len(events):
            raise InvalidDataError("survival-aware generation needs both events and censored rows")
        self.column_order = list(reference.columns)
        covariates = reference.drop(columns=[self.time, self.event])
        self.base = BASES[self.base_name](exclude=(ID_COLUMN,)).fit(covariates)  # type: ignore[abstract]
        model_covs = covariates.drop(columns=[ID_COLUMN], errors="ignore")
        self.design = Design.fit(model_covs)
        x = self.design.matrix(model_covs)
        self.event_model = WeibullModel.fit(x, durations, events, self.penalizer)
        self.censor_model = WeibullModel.fit(x, durations, 1 - events, self.penalizer)
        self.end_of_follow_up = float(durations.max())
        self.integer_time = bool(np.all(np.mod(durations, 1) == 0))

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        assert self.base is not None and self.design and self.event_model and self.censor_model
        covariates = self.base.sample(n, seed=int(rng.integers(2**32)))
        x = self.design.matrix(covariates)
        t_event = self.event_model.draw(x, rng)
        # Censoring happens within the real follow-up: drawn from the censoring model given
        # C <= end of follow-up, never cut at the end (which would pile censored times there).
        t_censor = self.censor_model.draw(x, rng, upper=self.end_of_follow_up)
        time = np.minimum(t_event, t_censor)
        if self.integer_time:
            time = np.maximum(np.ceil(time), 1).astype(np.int64)
        out = covariates.copy()
        out[self.time] = time
        out[self.event] = (t_event <= t_censor).astype(np.int64)
        return out[[c for c in self.column_order if c in out.columns]]

    def get_state(self) -> dict[str, Any]:
        """Parameters, the covariate generator's state and both Weibull models, as JSON."""
        assert self.base is not None and self.design and self.event_model and self.censor_model
        return {
            "kind": "survival-aware",
            "params": {
                "base": self.base_name,
                "time": self.time,
                "event": self.event,
                "penalizer": self.penalizer,
            },
            "base": self.base.get_state(),
            "design": self.design.to_dict(),
            "event_model": self.event_model.to_dict(),
            "censor_model": self.censor_model.to_dict(),
            "end_of_follow_up": self.end_of_follow_up,
            "integer_time": self.integer_time,
            "column_order": self.column_order,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> SurvivalAware:
        """Rebuild a generator from :meth:`get_state` output."""
        gen = cls(**state["params"])
        gen.base = BASES[gen.base_name].from_state(state["base"])
        gen.design = Design(**state["design"])
        gen.event_model = WeibullModel(**state["event_model"])
        gen.censor_model = WeibullModel(**state["censor_model"])
        gen.end_of_follow_up = float(state["end_of_follow_up"])
        gen.integer_time = bool(state["integer_time"])
        gen.column_order = list(state["column_order"])
        gen._fitted = True
        return gen
