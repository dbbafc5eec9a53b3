"""The lab reproduces known results on model collapse (fixed seeds; direction and size)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import digamma

from synthgenesis.collapse import CollapseConfig, run_generations
from synthgenesis.tabular import GaussianMixture
from synthgenesis.types import Domain

TABLE = Domain(
    name="toy-table",
    description="numeric rows for collapse tests",
    featurize=lambda batch: batch,
    read=lambda path: pd.DataFrame(),
    write=lambda batch, path: None,
    formats=(".csv",),
)

N, GENERATIONS, REPEATS = 20, 12, 40
CENTRES = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])


def mixture_data(rng: np.random.Generator, n: int, small: float = 0.03) -> pd.DataFrame:
    """Four well-separated 2-D modes; the one at (10, 10) holds a share ``small`` of the mass."""
    weights = np.array([(1 - small) / 3] * 3 + [small])
    k = rng.choice(4, size=n, p=weights)
    x = CENTRES[k] + rng.normal(0.0, 0.7, (n, 2))
    return pd.DataFrame(x, columns=["a", "b"])


def small_mode_mass(frame: pd.DataFrame) -> float:
    return float((np.hypot(frame["a"] - 10.0, frame["b"] - 10.0) < 3.0).mean())


@pytest.fixture(scope="module")
def gaussian_chains() -> tuple[dict[str, np.ndarray], np.ndarray]:
    return _gaussian_chains(TABLE)


def _gaussian_chains(domain: Domain) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Log variance ratios (repeats x generations) per regime, and the replace tail-mass ratios."""
    logs: dict[str, list[list[float]]] = {"replace": [], "accumulate": [], "anchor": []}
    tails = []
    for repeat in range(REPEATS):
        rng = np.random.default_rng(1000 + repeat)
        train = pd.DataFrame({"x": rng.normal(0.0, 1.0, N)})
        config = CollapseConfig(
            generations=GENERATIONS, metrics=(), seed=repeat, anchor_fraction=0.1, keep_samples=True
        )
        result = run_generations(domain, lambda: GaussianMixture(), train, None, config)
        for regime, rows in logs.items():
            rows.append(list(np.log(result.series("spread.variance_ratio", regime))))
        # share of the last generation beyond the true 5% and 95% quantiles, relative to 10%
        last = result.samples[("replace", GENERATIONS)]["x"]
        tails.append(float(np.mean(np.abs(last) > 1.6449)) / 0.1)
    return {r: np.array(v) for r, v in logs.items()}, np.array(tails)


@pytest.mark.slow
def test_gaussian_variance_shrinks_under_replace_as_theory_predicts(
    gaussian_chains: tuple[dict[str, np.ndarray], np.ndarray],
) -> None:
    logs, tails = gaussian_chains
    # Each generation multiplies the MLE variance by chi2_{n-1}/n, so
    # E[log var_t / var_0] = t * (digamma((n-1)/2) + log 2 - log n)  (-0.105 for n = 20)
    per_generation = digamma((N - 1) / 2) + np.log(2) - np.log(N)
    generations = np.arange(1, GENERATIONS + 1)
    replace = logs["replace"]
    mean = replace.mean(axis=0)
    se = replace.std(axis=0, ddof=1) / np.sqrt(REPEATS)
    assert abs(mean[-1] - GENERATIONS * per_generation) < 4 * se[-1]
    slope = np.polyfit(generations, mean, 1)[0]
    assert abs(slope - per_generation) < 0.3 * abs(per_generation)
    # E[var_t / var_0] = ((n-1)/n)^t: 0.54 after 12 generations of 20 samples
    ratio = np.exp(replace[:, -1])
    expected = ((N - 1) / N) ** GENERATIONS
    assert abs(ratio.mean() - expected) < 4 * ratio.std(ddof=1) / np.sqrt(REPEATS)
    # the tails go first: in a typical chain the tail mass falls by more than the variance
    # (the mean also drifts, pushing a few chains into one tail, hence medians)
    assert np.median(tails) < np.median(ratio) - 0.2
    assert np.mean(tails == 0.0) >= 0.4


@pytest.mark.slow
def test_gaussian_accumulate_stays_bounded_and_anchor_stays_near_real(
    gaussian_chains: tuple[dict[str, np.ndarray], np.ndarray],
) -> None:
    logs, _ = gaussian_chains
    replace_last = logs["replace"][:, -1].mean()
    accumulate = logs["accumulate"].mean(axis=0)
    anchor = logs["anchor"].mean(axis=0)
    assert replace_last < -0.9
    # accumulating keeps the variance within ~20% of real at every generation, with no trend
    assert np.all(np.abs(accumulate) < 0.35)
    assert abs(np.polyfit(np.arange(GENERATIONS), accumulate, 1)[0]) < 0.02
    # 10% real anchors: the decay stops at a level well above replace's
    assert np.all(anchor > -0.65)
    assert anchor[-1] > replace_last + 0.5


def _mixture_runs(
    domain: Domain, regimes: tuple[str, ...], guided: bool, anchor_fraction: float, seeds: int = 8
) -> dict[str, list[dict[str, list[float]]]]:
    out: dict[str, list[dict[str, list[float]]]] = {r: [] for r in regimes}
    for seed in range(seeds):
        rng = np.random.default_rng(50 + seed)
        train, holdout = mixture_data(rng, 400), mixture_data(rng, 200)
        config = CollapseConfig(
            generations=12,
            n=100,
            regimes=regimes,
            metrics=("diversity",),
            seed=seed,
            anchor_fraction=anchor_fraction,
            guided=guided,
            keep_samples=True,
        )
        result = run_generations(domain, lambda: GaussianMixture(n_components=4), train, holdout, config)
        for regime in regimes:
            out[regime].append(
                {
                    "mass": [small_mode_mass(result.samples[(regime, g)]) for g in range(1, 13)],
                    "recall": result.series("diversity.recall", regime),
                    "coverage": result.series("diversity.coverage", regime),
                }
            )
    return out


@pytest.mark.slow
def test_mixture_loses_the_small_mode_under_replace_and_keeps_it_with_anchors(table_domain: Domain) -> None:
    runs = _mixture_runs(table_domain, ("replace", "anchor"), guided=False, anchor_fraction=0.25)
    # lost: no sample near the small mode in any of the last three generations
    lost = {r: np.mean([max(run["mass"][-3:]) == 0.0 for run in v]) for r, v in runs.items()}
    recall = {r: np.array([run["recall"] for run in v]).mean(axis=0) for r, v in runs.items()}
    coverage = {r: np.array([run["coverage"] for run in v]).mean(axis=0) for r, v in runs.items()}
    assert lost["replace"] >= 0.5
    assert lost["anchor"] <= 0.25
    assert recall["replace"][-1] < recall["replace"][0] - 0.1
    assert coverage["replace"][-1] < coverage["replace"][0] - 0.1
    assert recall["anchor"][-1] > recall["replace"][-1] + 0.1
    assert coverage["anchor"][-1] > coverage["replace"][-1] + 0.1


def _recovery_times(runs: list[dict[str, list[float]]]) -> list[int]:
    """Generations from the first loss of the small mode until it is back (13 if never)."""
    times = []
    for run in runs:
        present = np.array(run["mass"]) > 0
        lost = np.flatnonzero(~present)
        if len(lost):
            back = np.flatnonzero(present[lost[0] :])
            times.append(int(back[0]) if len(back) else 13 - int(lost[0]))
    return times


@pytest.mark.slow
def test_guided_anchoring_recovers_a_lost_mode_faster(table_domain: Domain) -> None:
    plain = _mixture_runs(table_domain, ("anchor",), guided=False, anchor_fraction=0.1)["anchor"]
    guided = _mixture_runs(table_domain, ("anchor",), guided=True, anchor_fraction=0.1)["anchor"]
    plain_times, guided_times = _recovery_times(plain), _recovery_times(guided)
    assert len(plain_times) >= 4 and len(guided_times) >= 4
    assert np.median(guided_times) <= np.median(plain_times) - 3
    present_plain = np.mean([np.array(r["mass"]) > 0 for r in plain])
    present_guided = np.mean([np.array(r["mass"]) > 0 for r in guided])
    assert present_guided > present_plain + 0.05
