"""Resuming from finished blocks, retrying failed ones, and reporting blocks that keep failing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from synthgenesis.execution import STATUS_FILE, BlocksFailedError, PlanMismatchError, execute
from synthgenesis.seeding import derive_seed


def part_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("*.parquet"))}


def test_deleted_parts_are_made_again_and_the_rest_skipped(
    toy_pm: object, toy_plan: Callable[..., Any], flaky: Any, tmp_path: Path
) -> None:
    execute(toy_plan(), tmp_path)
    before = part_bytes(tmp_path)
    (tmp_path / "samples" / "part-000001.parquet").unlink()
    (tmp_path / "samples" / "part-000003.parquet").write_bytes(b"truncated")
    result = execute(toy_plan(), tmp_path)
    assert result.resumed_blocks == 3
    assert part_bytes(tmp_path) == before
    again = execute(toy_plan(), tmp_path)
    assert again.resumed_blocks == 5 and again.accepted == 250
    assert again.stats["toy-positive"].checked == result.stats["toy-positive"].checked


def test_a_transient_fault_is_retried(
    toy_pm: object, toy_plan: Callable[..., Any], flaky: Any, tmp_path: Path
) -> None:
    execute(toy_plan(), tmp_path / "clean")
    flaky.fail = {derive_seed(11, 2, 0)}
    result = execute(toy_plan(), tmp_path / "flaky", retries=1)
    assert result.complete and flaky.fail == set()
    assert part_bytes(tmp_path / "flaky") == part_bytes(tmp_path / "clean")


def test_a_failing_block_is_reported_and_the_others_kept(
    toy_pm: object, toy_plan: Callable[..., Any], flaky: Any, tmp_path: Path
) -> None:
    execute(toy_plan(), tmp_path / "clean")
    flaky.once = False
    flaky.fail = {derive_seed(11, 3, 0)}
    with pytest.raises(BlocksFailedError, match="1 of 5 block") as info:
        execute(toy_plan(), tmp_path / "run", retries=2, blocks_per_task=2)
    result = info.value.result
    assert list(result.failed_blocks) == [3] and "simulated worker fault" in result.failed_blocks[3]
    assert not result.complete and result.accepted == 190
    status = json.loads((tmp_path / "run" / STATUS_FILE).read_text())
    assert status["summary"]["failed"] == [3]
    assert status["blocks"]["3"]["status"] == "failed" and status["blocks"]["3"]["attempts"] == 3
    assert sorted(part_bytes(tmp_path / "run")) == [f"part-{i:06d}.parquet" for i in (0, 1, 2, 4)]

    flaky.fail = set()  # the fault is fixed: the rerun does only block 3
    fixed = execute(toy_plan(), tmp_path / "run")
    assert fixed.complete and fixed.resumed_blocks == 4
    assert part_bytes(tmp_path / "run") == part_bytes(tmp_path / "clean")


def test_no_raise_mode_returns_the_failures(
    toy_pm: object, toy_plan: Callable[..., Any], flaky: Any, tmp_path: Path
) -> None:
    flaky.once = False
    flaky.fail = {derive_seed(11, 0, 0)}
    result = execute(toy_plan(), tmp_path, retries=0, raise_on_failure=False)
    assert list(result.failed_blocks) == [0] and result.accepted == 190


def test_another_plan_never_resumes_into_the_folder(
    toy_pm: object, toy_plan: Callable[..., Any], flaky: Any, tmp_path: Path
) -> None:
    execute(toy_plan(), tmp_path)
    with pytest.raises(PlanMismatchError, match="another plan"):
        execute(toy_plan(seed=12), tmp_path)
