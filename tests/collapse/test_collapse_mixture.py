"""GaussianMixture: the Gaussian MLE with one component, JSON state, clear refusals; lab config checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgenesis.collapse import CollapseConfig, coverage_gaps, encode, spread
from synthgenesis.errors import ConfigError, InvalidDataError
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.preprocess import prepare
from synthgenesis.tabular import GaussianMixture


def test_one_full_component_is_the_gaussian_mle() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal([1.0, -2.0], [2.0, 0.5], (50, 2))
    gen = GaussianMixture().fit(pd.DataFrame(x, columns=["a", "b"]))
    np.testing.assert_allclose(gen.means[0], x.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(gen.covariances[0], np.cov(x.T, ddof=0), atol=1e-5)


def test_state_round_trips_through_json_and_samples_the_same() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(0, 1, 200), "k": rng.integers(0, 100, 200)})
    gen = GaussianMixture(n_components=2, covariance_type="diag").fit(frame)
    state = json.loads(json.dumps(gen.get_state()))
    again = GaussianMixture.from_state(state)
    pd.testing.assert_frame_equal(gen.sample(30, seed=4), again.sample(30, seed=4))
    assert gen.sample(30, seed=4)["k"].dtype == np.int64
    assert np.asarray(state["covariances"]).shape == (2, 2, 2)


def test_refuses_categories_missing_values_and_too_few_rows() -> None:
    with pytest.raises(InvalidDataError, match=r"numeric columns only.*colour"):
        GaussianMixture().fit(pd.DataFrame({"x": [1.0, 2.0, 3.0], "colour": ["r", "g", "b"]}))
    with pytest.raises(InvalidDataError, match="missing values"):
        GaussianMixture().fit(pd.DataFrame({"x": [1.0, None, 3.0]}))
    with pytest.raises(InvalidDataError, match="at least 5 rows"):
        GaussianMixture(n_components=5).fit(pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixture(covariance_type="banded")


def test_config_refuses_impossible_values() -> None:
    for kwargs, key in (
        ({"generations": 0}, "generations"),
        ({"regimes": ("replace", "shrink")}, "regime"),
        ({"anchor_fraction": 0.0}, "anchor_fraction"),
        ({"anchor_fraction": 1.2}, "anchor_fraction"),
        ({"metrics": ("speed",)}, "metrics"),
    ):
        with pytest.raises(ConfigError, match=key):
            CollapseConfig(**kwargs)  # type: ignore[arg-type]


def test_spread_and_coverage_gaps() -> None:
    real = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "a", "b", "b"]})
    narrow = pd.DataFrame({"x": [1.0, 2.0, 1.0, 2.0], "c": ["a", "a", "a", "a"]})
    s = spread(real, narrow)
    assert s["variance_ratio"] == pytest.approx(0.25 / 1.25)
    assert s["entropy_ratio"] == 0.0
    real_x = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2]])
    gaps = coverage_gaps(real_x, np.array([[0.0], [0.05], [0.1], [0.15], [0.2], [0.25]]), k=2)
    assert np.all(gaps[:3] < 1.0) and np.all(gaps[3:] > 10.0)


def test_guidance_uses_the_evaluation_distance_space() -> None:
    rng = np.random.default_rng(3)
    real = pd.DataFrame(
        {"x": rng.normal(size=40), "y": rng.normal(2, 3, 40), "c": rng.choice(["a", "b"], 40)}
    )
    synthetic = real.sample(30, random_state=1).reset_index(drop=True).assign(x=lambda f: f["x"] + 0.1)
    real_x, syn_x = encode(real, synthetic)
    data = prepare(real, synthetic)
    encoder = FeatureEncoder(data, data.columns)
    np.testing.assert_array_equal(real_x, encoder.onehot(data.real))
    np.testing.assert_array_equal(syn_x, encoder.onehot(data.synthetic))
    # numeric columns are z-scores on the real mean and (population) standard deviation
    z = (real[["x", "y"]] - real[["x", "y"]].mean()) / real[["x", "y"]].std(ddof=0)
    np.testing.assert_allclose(real_x[:, :2], z.to_numpy(), atol=1e-12)
    # several tables in one call share the space; split back in order
    real_2, a, b = encode(real, synthetic.iloc[:10], synthetic.iloc[10:])
    np.testing.assert_array_equal(np.vstack([a, b]), syn_x)
    np.testing.assert_array_equal(real_2, real_x)
    # the engine's exact neighbour search gives scikit-learn's distances
    from sklearn.neighbors import NearestNeighbors

    gaps = coverage_gaps(real_x, syn_x, k=3)
    k = max(3, round(3 * 40 / 30))
    radius = NearestNeighbors(n_neighbors=k + 1).fit(real_x).kneighbors(real_x)[0][:, k]
    nearest = NearestNeighbors(n_neighbors=1).fit(syn_x).kneighbors(real_x)[0][:, 0]
    np.testing.assert_allclose(gaps, nearest / radius, rtol=1e-9)
