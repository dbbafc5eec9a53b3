"""Validation with repair never creates values at a limit; generators keep no spike at a bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from synthgenesis.execution import generate
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.patients.schema import MEASURE_BY_NAME
from synthgenesis.types import Generator


class _Tails(Generator):
    """Draws a patient table whose cholesterol and heart rate reach past their limits on both sides."""

    requires_fit = False

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "patient_id": np.arange(n),
                "age": rng.uniform(20, 80, n),
                "cholesterol_total": rng.normal(1500, 900, n),
                "heart_rate": rng.normal(300, 200, n),
            }
        )


def _at_bound(values: pd.Series, column: str) -> float:
    m = MEASURE_BY_NAME[column]
    v = values.to_numpy(float)
    return float(np.mean((v == m.low) | (v == m.high)))


def test_repair_rejects_out_of_range_records_instead_of_moving_them_to_the_limit(patients_pm) -> None:
    raw = _Tails().sample(2000, seed=0)
    out = validate_batch(patients_pm.domain("patients"), raw, patients_pm.rules("patients"), repair=True)
    kept = out.accepted
    for column in ("cholesterol_total", "heart_rate"):
        m = MEASURE_BY_NAME[column]
        assert _at_bound(kept[column], column) == 0.0
        assert kept[column].between(m.low, m.high).all()
    # Each record beyond a limit is rejected with the value and the limit named.
    beyond = ~raw["cholesterol_total"].between(10, 3000) | ~raw["heart_rate"].between(0, 600)
    assert int((~out.valid).sum()) == int(beyond.sum()) > 0
    assert out.stats["patients-physiological-ranges"].repaired == 0
    first = next(r for r, ok in zip(out.reasons, out.valid, strict=True) if not ok)
    assert "patients-physiological-ranges" in first[0] and "outside" in first[0]


def test_generation_resamples_and_keeps_the_real_tail(patients_pm) -> None:
    result = generate(
        patients_pm.domain("patients"), _Tails(), 3000, seed=1, rules=patients_pm.rules("patients")
    )
    assert result.complete
    s = result.samples
    for column in ("cholesterol_total", "heart_rate"):
        assert _at_bound(s[column], column) == 0.0
    # The tail below each limit is the generator's own: as many values in the top 5% of the range
    # as the drawn distribution, truncated at the limit, puts there (no pile-up, no hole).
    top = s["cholesterol_total"] > 0.95 * 3000
    x = np.random.default_rng(7).normal(1500, 900, 400_000)
    x = x[(x >= 10) & (x <= 3000)]
    assert top.mean() == pytest.approx(np.mean(x > 0.95 * 3000), abs=0.01)


@pytest.mark.parametrize("base", ["copula", "bayesian-network"])
def test_survival_times_do_not_pile_up_at_the_end_of_follow_up(patients_pm, base: str) -> None:
    real = patients_pm.reference_dataset("actg175").load()
    gen = patients_pm.generator("patients-survival").create(base=base).fit(real)
    s = gen.sample(4000, seed=3)
    end = real["time"].max()
    assert s["time"].max() <= end
    # The real cohort has 3 of 2,139 patients at its last day; cutting censoring times at the end of
    # follow-up put 4.7% of synthetic patients on that one day.
    assert (s["time"] == end).mean() < 0.005
    assert s["time"].value_counts(normalize=True).iloc[0] < 0.01
