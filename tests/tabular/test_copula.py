"""Gaussian copula: marginals, dependence, missingness, dtypes, determinism and state without pickle."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgenesis.tabular import GaussianCopula


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    z = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], size=n)
    bimodal = np.where(rng.uniform(size=n) < 0.5, rng.normal(-3, 0.5, n), rng.normal(3, 0.5, n))
    lab = np.exp(z[:, 1])
    lab[rng.uniform(size=n) < 0.2] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "x": z[:, 0] * 10 + 50,
            "lab": lab,
            "bimodal": bimodal,
            "count": rng.poisson(30, n),
            "group": rng.choice(["a", "b", "c"], p=[0.7, 0.2, 0.1], size=n),
            "flag": rng.uniform(size=n) < 0.3,
            "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )


@pytest.fixture(scope="module")
def fitted(table: pd.DataFrame) -> GaussianCopula:
    return GaussianCopula(exclude=["id"]).fit(table)


def test_shape_dtypes_and_ids(fitted: GaussianCopula, table: pd.DataFrame) -> None:
    s = fitted.sample(2000, seed=1)
    assert list(s.columns) == list(table.columns)
    assert s["id"].tolist() == list(range(1, 2001))
    assert s["count"].dtype.kind == "i" and s["flag"].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(s["when"])
    assert set(s["group"]) <= {"a", "b", "c"}


def test_marginals_and_bounds(fitted: GaussianCopula, table: pd.DataFrame) -> None:
    s = fitted.sample(5000, seed=2)
    assert abs(s["x"].mean() - table["x"].mean()) < 0.5
    assert abs(s["x"].std() - table["x"].std()) < 0.5
    assert s["x"].min() >= table["x"].min() and s["x"].max() <= table["x"].max()
    # Both modes of the bimodal column survive; almost nothing in the empty middle.
    assert 0.4 < (s["bimodal"] > 0).mean() < 0.6
    assert (s["bimodal"].abs() < 1).mean() < 0.02
    freq = s["group"].value_counts(normalize=True)
    assert abs(freq["a"] - 0.7) < 0.03 and abs(freq["c"] - 0.1) < 0.02
    assert abs(s["flag"].mean() - 0.3) < 0.03


def test_dependence_is_kept(fitted: GaussianCopula) -> None:
    s = fitted.sample(5000, seed=3)
    rho = s[["x", "lab"]].corr(method="spearman").iloc[0, 1]
    assert 0.7 < rho < 0.9


def test_missingness_rate_is_kept(fitted: GaussianCopula) -> None:
    s = fitted.sample(5000, seed=4)
    assert abs(s["lab"].isna().mean() - 0.2) < 0.02


def test_deterministic_and_state_round_trip(fitted: GaussianCopula) -> None:
    a = fitted.sample(300, seed=9)
    pd.testing.assert_frame_equal(a, fitted.sample(300, seed=9))
    state = json.loads(json.dumps(fitted.get_state()))  # plain JSON: no pickle involved
    clone = GaussianCopula.from_state(state)
    pd.testing.assert_frame_equal(a, clone.sample(300, seed=9))


def test_state_keeps_no_raw_records(table: pd.DataFrame) -> None:
    gen = GaussianCopula(exclude=["id"], max_knots=50).fit(table)
    state = gen.get_state()
    assert all(len(c["knots"]) <= 50 for c in state["columns"])


def test_column_without_values_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="column 'empty' has no values"):
        GaussianCopula().fit(pd.DataFrame({"a": [1.0, 2.0], "empty": [np.nan, np.nan]}))
