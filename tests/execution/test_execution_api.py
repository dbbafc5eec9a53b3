"""Plan and argument checks, the status of a plain run and reading the parts back."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthgenesis.errors import MissingExtraError, UnknownNameError
from synthgenesis.execution import STATUS_FILE, GenerationPlan, execute, read_samples


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("block_size", 0, "block_size"),
        ("block_size", -5, "block_size"),
        ("n", -1, "n must be"),
        ("max_rounds", 0, "max_rounds"),
        ("policy", "ignore", "policy"),
        ("seed", 1.5, "seed must be an integer"),
        ("state", {"x": object()}, "JSON-serialisable"),
    ],
)
def test_bad_plan_is_refused(toy_plan: Callable[..., Any], field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        toy_plan(**{field: value})


def test_blocks_cover_n_exactly(toy_plan: Callable[..., Any]) -> None:
    plan = toy_plan(n=250, block_size=60)
    assert plan.n_blocks == 5
    assert [plan.block_span(i) for i in range(5)] == [(0, 60), (60, 60), (120, 60), (180, 60), (240, 10)]
    with pytest.raises(IndexError):
        plan.block_span(5)
    assert toy_plan(seed=12).fingerprint != plan.fingerprint
    assert toy_plan().fingerprint == plan.fingerprint


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"executor": "spark"}, "unknown executor 'spark'"),
        ({"workers": 0}, "workers must be a positive integer"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "only applies to the dask executor"),
        ({"retries": -1}, "retries"),
        ({"blocks_per_task": 0}, "blocks_per_task"),
    ],
)
def test_bad_arguments_are_refused(
    toy_pm: object, toy_plan: Callable[..., Any], tmp_path: Path, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        execute(toy_plan(), tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_dask_executor_without_dask_names_the_extra(
    toy_pm: object, toy_plan: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(MissingExtraError, match="dask"):
        execute(toy_plan(), tmp_path, executor="dask", scheduler="tcp://127.0.0.1:1")


def test_unknown_generator_fails_before_any_block(
    toy_pm: object, toy_plan: Callable[..., Any], tmp_path: Path
) -> None:
    with pytest.raises(UnknownNameError):
        execute(toy_plan(generator="toy-missing"), tmp_path)
    assert not (tmp_path / STATUS_FILE).exists()


def test_generator_that_needs_a_fit_needs_a_state(patients_pm: object, tmp_path: Path) -> None:
    from synthgenesis import manager

    manager.reset_plugin_manager(lambda: patients_pm)  # type: ignore[arg-type, return-value]
    plan = GenerationPlan(domain="patients", generator="patients-gaussian-copula", state=None, n=10, seed=1)
    with pytest.raises(ValueError, match="must be fitted"):
        execute(plan, tmp_path)


def test_run_writes_parts_status_and_merged_counts(
    toy_pm: object, toy_plan: Callable[..., Any], tmp_path: Path
) -> None:
    result = execute(toy_plan(), tmp_path)
    assert result.complete and result.accepted == 250 and result.failed_blocks == {}
    assert sorted(p.name for p in result.samples_path.iterdir()) == [
        f"part-{i:06d}.parquet" for i in range(5)
    ]
    samples = read_samples(result)
    assert len(samples) == 250 and (samples["x"] > 0).all()
    # identifiers renumbered across blocks: unique and in output order
    assert samples["record_id"].tolist() == list(range(1, 251))
    # about half of the normal draws are negative: rejected, re-drawn, counted
    stats = result.stats["toy-positive"]
    assert stats.checked == result.drawn > 250 and result.drawn - stats.failed >= 250
    assert result.rejected == stats.failed
    status = json.loads((tmp_path / STATUS_FILE).read_text())
    assert status["summary"] == {
        "blocks": 5,
        "done": 5,
        "failed": [],
        "pending": 0,
        "rows": 250,
        "complete": True,
    }
    assert sum(b["drawn"] for b in status["blocks"].values()) == result.drawn
    assert "state" not in status["plan"]
    head = read_samples(tmp_path, limit=70)
    assert head.equals(samples.head(70))


def test_block_short_of_its_quota_is_kept_and_marked_incomplete(
    toy_pm: object, toy_plan: Callable[..., Any], tmp_path: Path
) -> None:
    result = execute(toy_plan(max_rounds=1), tmp_path)
    assert not result.complete and result.failed_blocks == {}
    assert 0 < result.accepted < 250
    assert np.isclose(result.acceptance_rate, result.accepted / 250)
    assert json.loads((tmp_path / STATUS_FILE).read_text())["summary"]["complete"] is False
