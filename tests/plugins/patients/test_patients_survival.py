"""Survival-aware generation and survival transfer on real cohorts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')

from lifelines import KaplanMeierFitter

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.patients.datasets import load_gbsg2
from synthgenesis.plugins.patients.survival import SurvivalAware
from synthgenesis.plugins.patients.transfer import survival_transfer


@pytest.fixture(scope="module")
def gbsg2() -> pd.DataFrame:
    return load_gbsg2()


@pytest.fixture(scope="module")
def fitted(gbsg2: pd.DataFrame) -> SurvivalAware:
    return SurvivalAware().fit(gbsg2)


def km_at(table: pd.DataFrame, days: list[int]) -> np.ndarray:
    return np.atleast_1d(KaplanMeierFitter().fit(table["time"], table["event"]).predict(days))


def test_times_and_events_are_consistent_and_bounded(fitted: SurvivalAware, gbsg2: pd.DataFrame) -> None:
    s = fitted.sample(2000, seed=0)
    assert set(s["event"].unique()) <= {0, 1}
    assert (s["time"] >= 1).all() and s["time"].max() <= gbsg2["time"].max()
    assert s["time"].dtype.kind == "i"
    # Anyone still followed at the end of follow-up is censored, never an event after it.
    assert not ((s["time"] == gbsg2["time"].max()) & (s["event"] == 1)).any()


def test_kaplan_meier_matches_the_real_cohort(fitted: SurvivalAware, gbsg2: pd.DataFrame) -> None:
    s = fitted.sample(4000, seed=1)
    days = [365, 730, 1095, 1460]
    assert np.max(np.abs(km_at(s, days) - km_at(gbsg2, days))) < 0.06
    assert s["event"].mean() == pytest.approx(gbsg2["event"].mean(), abs=0.05)


def test_event_times_follow_the_covariates(fitted: SurvivalAware) -> None:
    s = fitted.sample(4000, seed=2)
    many_nodes = s["positive_nodes"] >= 10
    # More positive lymph nodes, worse prognosis: as in the real cohort.
    assert km_at(s[many_nodes], [1460])[0] < km_at(s[~many_nodes], [1460])[0] - 0.15


def test_state_round_trip(fitted: SurvivalAware) -> None:
    clone = SurvivalAware.from_state(json.loads(json.dumps(fitted.get_state())))
    pd.testing.assert_frame_equal(fitted.sample(100, seed=3), clone.sample(100, seed=3))


def test_bad_input() -> None:
    with pytest.raises(InvalidDataError, match="needs a 'time' column"):
        SurvivalAware().fit(pd.DataFrame({"event": [0, 1]}))
    with pytest.raises(InvalidDataError, match="both events and censored"):
        SurvivalAware().fit(pd.DataFrame({"x": [1.0, 2.0, 3.0], "time": [1, 2, 3], "event": [1, 1, 1]}))
    with pytest.raises(ValueError, match="base must be one of"):
        SurvivalAware(base="gan")


def test_survival_transfer_known_answers(gbsg2: pd.DataFrame) -> None:
    train, holdout = (
        gbsg2.iloc[:450].drop(columns=["patient_id"]),
        gbsg2.iloc[450:].drop(columns=["patient_id"]),
    )
    same = survival_transfer(train, train, holdout, seed=0)["metrics"]
    assert same["c_index_tstr"] == pytest.approx(same["c_index_trtr"])
    assert same["km_max_gap"] == 0 and same["c_index_trtr"] > 0.6
    # Shuffling outcomes across patients destroys what a model could learn.
    shuffled = train.copy()
    shuffled[["time", "event"]] = train[["time", "event"]].sample(frac=1, random_state=0).to_numpy()
    broken = survival_transfer(train, shuffled, holdout, seed=0)
    assert broken["metrics"]["c_index_tstr"] < same["c_index_tstr"] - 0.05
    assert "Kaplan-Meier" in broken["sections"][0]["html"]
