"""Scenario features: known values and rows without a scenario."""

from __future__ import annotations

import math

import pytest

from synthgenesis.plugins.driving.features import FEATURES, featurize


def test_known_values(batch_of, scenario, vehicle) -> None:
    sample = scenario(
        vehicle("ego", 1, 100.0, speed=20.0, is_ego=True),
        vehicle("lead", 1, 130.0, speed=30.0, length=5.5),  # gap 30 - (4.5 + 5.5) / 2 = 25 m
        vehicle("slow", 0, 50.0, speed=10.0),
        vehicle("tail", 0, 40.0, speed=40.0),  # gap 10 - 4.5 = 5.5 m at 40 m/s: 0.1375 s
        lanes=2,
        length=400.0,
        speed_limit=25.0,
    )
    feats = featurize(batch_of(sample))
    assert list(feats.columns) == list(FEATURES)
    row = feats.iloc[0]
    assert row["n_vehicles"] == 4 and row["lanes"] == 2
    assert row["ego_speed"] == 20.0
    assert row["mean_speed"] == 25.0
    assert row["std_speed"] == pytest.approx(math.sqrt((25 + 25 + 225 + 225) / 4))
    assert row["min_gap"] == pytest.approx(5.5)
    assert row["min_time_headway"] == pytest.approx(5.5 / 40.0)
    assert row["density"] == pytest.approx(4 / 0.4 / 2)
    assert row["share_above_limit"] == 0.5


def test_missing_values_where_undefined(batch_of, scenario, vehicle) -> None:
    lone = scenario(vehicle("ego", 0, 10.0, is_ego=True, speed=0.0), sid="lone")
    stopped = scenario(vehicle("a", 0, 10.0, speed=0.0), vehicle("b", 0, 30.0, speed=0.0), sid="stopped")
    broken = scenario(sid="broken")
    del broken["road"]
    feats = featurize(batch_of(lone, stopped, None, broken))
    assert feats["std_speed"].iat[0] == 0.0 and math.isnan(feats["min_gap"].iat[0])
    assert math.isnan(feats["ego_speed"].iat[1])  # no ego
    assert feats["min_gap"].iat[1] == pytest.approx(15.5)
    assert math.isnan(feats["min_time_headway"].iat[1])  # stopped followers have no headway
    assert feats.iloc[2].isna().all() and feats.iloc[3].isna().all()


def test_index_is_kept(batch_of, scenario) -> None:
    batch = batch_of(scenario(sid="a"), scenario(sid="b"))
    batch.index = [7, 3]
    assert featurize(batch).index.tolist() == [7, 3]


def test_example_features_are_finite(examples) -> None:
    from synthgenesis.plugins.driving.files import read

    feats = featurize(read(examples / "scenarios.json"))
    assert feats.notna().all().all()
    assert (feats["min_gap"] > 0).all() and (feats["min_time_headway"] > 0).all()
