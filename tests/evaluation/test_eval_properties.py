"""Property tests: bounds and symmetries that hold for any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.evaluation import evaluate
from synthgenesis.evaluation.association import correlation_ratio, cramers_v, pearson
from synthgenesis.evaluation.diversity import compute_prdc
from synthgenesis.evaluation.fidelity import ks_statistic, total_variation

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=1, max_size=40)
labels = st.lists(st.sampled_from("abcd"), min_size=1, max_size=40)
codes = st.lists(st.integers(0, 4), min_size=2, max_size=40)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(samples, samples)
def test_ks_bounded_and_symmetric(a: list[float], b: list[float]) -> None:
    x, y = np.array(a), np.array(b)
    value = ks_statistic(x, y)
    assert 0.0 <= value <= 1.0
    assert value == ks_statistic(y, x)
    assert ks_statistic(x, x) == 0.0


@FAST
@given(labels, labels)
def test_tvd_bounded_and_symmetric(a: list[str], b: list[str]) -> None:
    x, y = np.array(a), np.array(b)
    value = total_variation(x, y)
    assert 0.0 <= value <= 1.0 + 1e-12
    assert np.isclose(value, total_variation(y, x))
    assert total_variation(x, x) == 0.0


@FAST
@given(codes, st.data())
def test_associations_bounded(a: list[int], data: st.DataObject) -> None:
    n = len(a)
    b = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    v = data.draw(st.lists(finite, min_size=n, max_size=n))
    x, y, values = np.array(a), np.array(b), np.array(v)
    cv = cramers_v(x, y)
    assert 0.0 <= cv <= 1.0
    assert np.isclose(cv, cramers_v(y, x))
    assert 0.0 <= correlation_ratio(x, values) <= 1.0
    r = pearson(values, y.astype(float))
    assert -1.0 <= r <= 1.0
    assert np.isclose(r, pearson(y.astype(float), values))


@FAST
@given(st.integers(0, 10_000), st.integers(7, 40), st.integers(7, 40), st.integers(1, 5), st.floats(0.0, 3.0))
def test_prdc_bounded(seed: int, n: int, m: int, k: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, 3))
    fake = rng.normal(shift, 1.0, size=(m, 3))
    out = compute_prdc(real, fake, k=k)
    for key in ("precision", "recall", "coverage"):
        assert 0.0 <= out[key] <= 1.0
    assert 0.0 <= out["density"] <= n / k
    swapped = compute_prdc(fake, real, k=k)
    # precision and recall trade places when the roles of the two sets are swapped
    assert np.isclose(out["precision"], swapped["recall"])
    assert np.isclose(out["recall"], swapped["precision"])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.floats(0.0, 4.0))
def test_fidelity_score_bounded(seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    real = pd.DataFrame({"a": rng.normal(size=n), "c": rng.choice(list("xyz"), n)})
    synthetic = pd.DataFrame({"a": rng.normal(shift, 1.0, n), "c": rng.choice(list("xyw"), n)})
    fid = evaluate(real, synthetic, metrics=["fidelity"]).metrics["fidelity"]
    assert 0.0 <= fid["score"] <= 1.0
    for entry in fid["columns"].values():
        assert 0.0 <= entry["distance"] <= 1.0
