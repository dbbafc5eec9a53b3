"""Chow-Liu network: structure, multi-modal and conditional fidelity, missingness, JSON state."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgenesis.tabular import ChowLiuNetwork, GaussianCopula
from synthgenesis.tabular.bayesnet import mutual_information


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 4000
    arm = rng.choice(["a", "b"], size=n)
    # The lab is bimodal *given* the arm: a copula cannot hold this, a network can.
    lab = np.where(
        arm == "a", rng.normal(10, 1, n), np.where(rng.uniform(size=n) < 0.5, 0.0, 20.0) + rng.normal(0, 1, n)
    )
    outcome = (rng.uniform(size=n) < np.where(lab > 15, 0.8, 0.1)).astype(int)
    noise = rng.normal(size=n)
    missing_lab = lab.copy()
    missing_lab[rng.uniform(size=n) < 0.1] = np.nan
    return pd.DataFrame(
        {"id": np.arange(n), "arm": arm, "lab": missing_lab, "outcome": outcome, "noise": noise}
    )


def test_mutual_information_known_answers() -> None:
    a = np.array([0, 1] * 500)
    assert mutual_information(a, a, 2, 2) == pytest.approx(np.log(2))
    rng = np.random.default_rng(0)
    assert mutual_information(a, rng.integers(0, 2, 1000), 2, 2) < 0.01


def test_tree_links_dependent_columns(table: pd.DataFrame) -> None:
    net = ChowLiuNetwork(exclude=["id"]).fit(table)
    edges = {frozenset(e) for e in net.edges()}
    assert len(edges) == 3  # a tree over four modelled columns
    assert frozenset({"arm", "lab"}) in edges and frozenset({"lab", "outcome"}) in edges


def test_keeps_conditional_multimodality_better_than_a_copula(table: pd.DataFrame) -> None:
    net = ChowLiuNetwork(exclude=["id"]).fit(table).sample(4000, seed=2)
    cop = GaussianCopula(exclude=["id"]).fit(table).sample(4000, seed=2)

    def empty_middle_share(s: pd.DataFrame) -> float:
        b = s.loc[s["arm"] == "b", "lab"].dropna()
        return float(((b > 5) & (b < 15)).mean())

    assert empty_middle_share(table) < 0.01
    assert empty_middle_share(net) < 0.05
    assert empty_middle_share(cop) > 3 * empty_middle_share(net)
    high = net["lab"] > 15
    assert net.loc[high, "outcome"].mean() == pytest.approx(0.8, abs=0.05)
    assert net.loc[~high & net["lab"].notna(), "outcome"].mean() == pytest.approx(0.1, abs=0.05)


def test_missing_values_dtypes_and_ids(table: pd.DataFrame) -> None:
    s = ChowLiuNetwork(exclude=["id"]).fit(table).sample(3000, seed=3)
    assert s["lab"].isna().mean() == pytest.approx(0.1, abs=0.02)
    assert s["outcome"].dtype.kind == "i" and s["id"].tolist()[:3] == [1, 2, 3]
    assert list(s.columns) == list(table.columns)


def test_state_round_trip_is_json(table: pd.DataFrame) -> None:
    net = ChowLiuNetwork(exclude=["id"]).fit(table)
    clone = ChowLiuNetwork.from_state(json.loads(json.dumps(net.get_state())))
    pd.testing.assert_frame_equal(net.sample(200, seed=5), clone.sample(200, seed=5))


def test_dates_round_trip() -> None:
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(300) % 90, unit="D")
    s = ChowLiuNetwork().fit(pd.DataFrame({"d": days, "x": np.arange(300)})).sample(100, seed=0)
    assert pd.api.types.is_datetime64_any_dtype(s["d"])
    assert s["d"].min() >= days.min() and s["d"].max() <= days.max()


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="bins >= 1"):
        ChowLiuNetwork(bins=0)
