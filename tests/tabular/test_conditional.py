"""Conditional sampling and rare-outcome enrichment keep the conditional distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgenesis.errors import ConstraintsNotMetError, InvalidDataError
from synthgenesis.tabular import GaussianCopula
from synthgenesis.tabular.conditional import Conditioned, sample_where


@pytest.fixture(scope="module")
def copula() -> GaussianCopula:
    rng = np.random.default_rng(0)
    n = 5000
    x = rng.normal(size=n)
    event = (rng.uniform(size=n) < 1 / (1 + np.exp(-(2 * x - 3)))).astype(int)  # about 10% events
    group = rng.choice(["u", "v"], size=n)
    return GaussianCopula().fit(pd.DataFrame({"x": x, "event": event, "group": group}))


def test_conditions_hold_and_are_deterministic(copula: GaussianCopula) -> None:
    gen = Conditioned(copula, conditions={"group": "v"})
    s = gen.sample(500, seed=1)
    assert len(s) == 500 and (s["group"] == "v").all()
    pd.testing.assert_frame_equal(s, gen.sample(500, seed=1))


def test_enrichment_hits_the_rate_and_keeps_the_conditional_structure(copula: GaussianCopula) -> None:
    plain = copula.sample(20000, seed=2)
    base_rate = plain["event"].mean()
    assert 0.05 < base_rate < 0.2
    s = Conditioned(copula, enrich={"column": "event", "value": 1, "rate": 0.5}).sample(2000, seed=3)
    assert s["event"].mean() == pytest.approx(0.5, abs=1e-9)
    # Events drawn by enrichment look like the generator's own events, not like the average row.
    assert s.loc[s["event"] == 1, "x"].mean() == pytest.approx(
        plain.loc[plain["event"] == 1, "x"].mean(), abs=0.1
    )
    assert s.loc[s["event"] == 0, "x"].mean() == pytest.approx(
        plain.loc[plain["event"] == 0, "x"].mean(), abs=0.1
    )


def test_impossible_condition_is_a_clear_error(copula: GaussianCopula) -> None:
    with pytest.raises(ConstraintsNotMetError, match="only 0 of 10 samples met"):
        sample_where(copula, 10, 0, {"group": "w"}, max_draws=5000)
    with pytest.raises(InvalidDataError, match="does not produce"):
        sample_where(copula, 10, 0, {"nope": 1})


def test_bad_enrich_specs(copula: GaussianCopula) -> None:
    with pytest.raises(InvalidDataError, match="missing rate"):
        Conditioned(copula, enrich={"column": "event", "value": 1})
    with pytest.raises(InvalidDataError, match=r"rate must be in \[0, 1\]"):
        Conditioned(copula, enrich={"column": "event", "value": 1, "rate": 2})
