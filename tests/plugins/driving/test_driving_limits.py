"""Input-size limits of the driving domain: huge scenarios, long and deep lines, costly pile-ups."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import override_limits
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.driving import files, rules
from synthgenesis.plugins.driving.fleet import (
    box_overlap,
    build_fleet,
    first_overlaps,
    overlapping_pairs,
    vehicle_pairs,
)
from synthgenesis.plugins.driving.schema import ScenarioError, parse_scenario
from synthgenesis.types import READ_ERROR_COLUMN


def _crowd(vehicle, n: int, spacing: float = 10.0) -> list[dict]:
    return [vehicle(f"v{k}", k % 3, 1.0 + spacing * (k // 3), is_ego=k == 0) for k in range(n)]


def test_too_many_vehicles_is_one_rejected_record_before_any_pair_is_formed(
    tmp_path: Path, scenario, vehicle, pm
) -> None:
    big = scenario(*_crowd(vehicle, 20_000, spacing=0.1), sid="crowd", length=1e6)
    small = scenario(vehicle("ego", 1, is_ego=True), sid="fine")
    path = tmp_path / "s.jsonl"
    with override_limits(max_record_bytes=10_000_000):
        path.write_text(json.dumps(big) + "\n" + json.dumps(small) + "\n")
        batch = files.read(path)
        t0 = time.perf_counter()
        outcome = validate_batch(pm.domain("driving"), batch, pm.rules("driving"))
        seconds = time.perf_counter() - t0
    assert outcome.valid.tolist() == [False, True]
    assert outcome.reasons[0] == [
        "read: scenario 'crowd' (line 1): has 20,000 vehicles, over the limit of 1,000 "
        "(raise SYNTHGENESIS_MAX_VEHICLES to accept it)"
    ]
    assert seconds < 5  # the 2 * 10^8 pairs of 20,000 vehicles are never formed


def test_vehicle_limit_applies_to_batches_built_in_code(scenario, vehicle, batch_of) -> None:
    crowd = scenario(*_crowd(vehicle, 12), sid="crowd")
    with override_limits(max_vehicles=10):
        with pytest.raises(ScenarioError, match="has 12 vehicles, over the limit of 10"):
            parse_scenario(crowd)
        reason = rules.NoOverlap().check(batch_of(crowd)).reasons[0]
    assert reason is not None and "over the limit of 10" in reason
    assert parse_scenario(crowd)["id"] == "crowd"  # the default limit (1,000) lets it through


def test_long_and_deep_lines_are_single_bad_records(tmp_path: Path, scenario) -> None:
    good = json.dumps(scenario(sid="good"))
    deep = "[" * 10_000 + "]" * 10_000
    long = json.dumps({**scenario(sid="long"), "metadata": {"blob": "x" * 2_000_000}})
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join([good, deep, long, good.replace('"good"', '"after"')]) + "\n")
    batch = files.read(path)
    assert batch["record_id"].tolist() == ["good", "line 2", "line 3", "after"]
    errors = batch[READ_ERROR_COLUMN].tolist()
    assert errors[0] is None and errors[3] is None
    assert errors[1] == (
        "scenario at line 2 (no id): the line nests JSON 10,000 levels deep, over the limit of 64 "
        "(raise SYNTHGENESIS_MAX_JSON_DEPTH to accept it)"
    )
    assert errors[2].startswith("scenario at line 3 (no id): the line is 2,00")
    assert "over the limit of 1,000,000 (raise SYNTHGENESIS_MAX_RECORD_BYTES" in errors[2]
    with override_limits(max_record_bytes=3_000_000):
        assert files.read(path)[READ_ERROR_COLUMN].iat[2] is None  # the limit is configurable


@pytest.mark.slow
def test_a_line_over_the_limit_is_never_held_whole(tmp_path: Path, scenario) -> None:
    path = tmp_path / "s.jsonl"
    with path.open("w") as fh:
        fh.write('{"id": "' + "x" * 200_000_000 + '"}\n')
        fh.write(json.dumps(scenario(sid="after")) + "\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batch = files.read(path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert batch["record_id"].tolist() == ["line 1", "after"]
    assert "the line is 200,000,010 bytes, over the limit" in batch[READ_ERROR_COLUMN].iat[0]
    assert grown_mib < 100  # read a megabyte at a time, never the 200 MB line


def test_deep_json_file_fails_only_its_deep_elements(tmp_path: Path, scenario) -> None:
    deep = {"metadata": {"a": json.loads("[" * 100 + "]" * 100)}}
    items = [scenario(sid="a"), {**scenario(sid="deep"), **deep}, scenario(sid="b")]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(items))
    batch = files.read(path)
    assert batch["record_id"].tolist() == ["a", "index 1", "b"]
    assert batch[READ_ERROR_COLUMN].iat[1] == (
        "scenario at index 1 (no id): the scenario nests JSON 102 levels deep, over the limit of 64 "
        "(raise SYNTHGENESIS_MAX_JSON_DEPTH to accept it)"
    )
    assert batch[READ_ERROR_COLUMN].isna().tolist() == [True, False, True]
    (tmp_path / "one.json").write_text("[" * 50_000 + "]" * 50_000)
    only = files.read(tmp_path / "one.json")
    assert only["record_id"].tolist() == ["index 0"]
    assert "49,999 levels deep" in only[READ_ERROR_COLUMN].item()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{},:" 1a\\\n', max_size=40))
def test_any_json_list_text_is_cut_into_items_and_ends(tmp_path_factory, body: str) -> None:
    path = tmp_path_factory.mktemp("json") / "s.json"
    path.write_text("[" + body)
    try:
        batch = files.read(path)
    except InvalidDataError as exc:
        assert "holds no scenarios" in str(exc)
        return
    assert batch[READ_ERROR_COLUMN].notna().all()  # none of these is a scenario
    assert all(e.startswith("scenario at ") for e in batch[READ_ERROR_COLUMN])


def test_huge_single_scenario_file_is_one_rejected_record(tmp_path: Path, scenario) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({**scenario(sid="big"), "metadata": {"blob": "x" * 1_500_000}}))
    batch = files.read(path)
    assert batch["record_id"].tolist() == ["index 0"]
    assert batch[READ_ERROR_COLUMN].item().startswith("scenario at index 0 (no id): the file is 1,50")
    assert batch[READ_ERROR_COLUMN].item().endswith("store scenarios one per line in a .jsonl file")


def test_pile_up_is_counted_with_bounded_memory(scenario, vehicle, batch_of) -> None:
    # 1,000 cars at one spot overlap in 499,500 pairs: counted, three named, none kept.
    pile = [vehicle(f"v{k}", 0, 100.0 + 0.001 * k, is_ego=k == 0) for k in range(1_000)]
    batch = batch_of(scenario(*pile, sid="pile"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reason = rules.NoOverlap().check(batch).reasons[0]
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert reason == (
        "scenario 'pile': vehicles 'v0' and 'v1' overlap by 1.80 m; vehicles 'v0' and 'v2' overlap by "
        "1.80 m; vehicles 'v0' and 'v3' overlap by 1.80 m (and 499497 more)"
    )
    assert grown_mib < 200


_vehicle_specs = st.lists(
    st.tuples(
        st.integers(0, 1),  # scenario
        st.integers(0, 2),  # lane
        st.floats(0, 60),  # x
        st.floats(-1.5, 1.5),  # y
        st.floats(-0.6, 0.6),  # heading
        st.floats(1.0, 12.0),  # length
        st.floats(0.5, 2.6),  # width
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=_vehicle_specs, shown=st.integers(1, 4))
def test_sweep_finds_exactly_the_pairs_all_pairs_would(scenario, vehicle, batch_of, specs, shown) -> None:
    by_scenario: list[list[dict]] = [[], []]
    for k, (s, lane, x, y, heading, length, width) in enumerate(specs):
        by_scenario[s].append(
            vehicle(f"v{k}", lane, x, y=y, heading=heading, length=length, width=width, is_ego=False)
        )
    fleet = build_fleet(batch_of(scenario(*by_scenario[0], sid="a"), scenario(*by_scenario[1], sid="b")))
    i_all, j_all = vehicle_pairs(fleet)
    depth_all = box_overlap(fleet, i_all, j_all)
    hit = depth_all > 1e-9
    i, j, depth = overlapping_pairs(fleet)
    assert i.tolist() == i_all[hit].tolist() and j.tolist() == j_all[hit].tolist()
    np.testing.assert_allclose(depth, depth_all[hit])
    counts, fi, fj, _ = first_overlaps(fleet, shown)
    assert counts.tolist() == np.bincount(fleet.row[i_all[hit]], minlength=2).tolist()
    expected = [
        (a, b)
        for row in (0, 1)
        for a, b in [(a, b) for a, b in zip(i.tolist(), j.tolist(), strict=True) if fleet.row[a] == row][
            :shown
        ]
    ]
    assert list(zip(fi.tolist(), fj.tolist(), strict=True)) == expected


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\\n,: ', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\x', max_size=4), inner)
    ),
    max_leaves=20,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_fast_depth_of_a_json_file_is_exact(value: object) -> None:
    from synthgenesis.limits import json_depth

    def depth(v: object) -> int:
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        return 0

    text = json.dumps(value, ensure_ascii=False)
    assert json_depth(text.encode("utf-8")) == json_depth(text) == depth(value)
