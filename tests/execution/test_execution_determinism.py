"""The same plan gives the same bytes whatever the executor, worker count or blocks per task."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synthgenesis import manager
from synthgenesis.execution import GenerationPlan, execute, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.progress import Progress


def part_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("*.parquet"))}


@pytest.fixture(scope="module")
def patients_state() -> dict:
    pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')
    from synthgenesis.plugins.patients.datasets import load_actg175
    from synthgenesis.plugins.patients.generators import gaussian_copula

    return gaussian_copula().fit(load_actg175().head(300)).get_state()


def plan(state: dict, seed: int = 5) -> GenerationPlan:
    return GenerationPlan(
        domain="patients",
        generator="patients-gaussian-copula",
        state=state,
        n=900,
        seed=seed,
        block_size=200,
        id_column="patient_id",
    )


class Recorder(Progress):
    def __init__(self) -> None:
        self.updates: list[tuple[str, int, int]] = []

    def task(self, description: str, total: int):  # type: ignore[override]
        import contextlib

        @contextlib.contextmanager
        def cm():
            yield lambda done: self.updates.append((description, total, done))

        return cm()


@pytest.mark.slow
def test_grouping_and_workers_do_not_change_the_bytes(
    patients_pm: PluginManager, patients_state: dict, tmp_path: Path
) -> None:
    manager.reset_plugin_manager(lambda: patients_pm)
    progress = Recorder()
    one = execute(plan(patients_state), tmp_path / "one", progress=progress)
    assert one.complete and one.accepted == 900 and len(one.parts()) == 5
    assert progress.updates[-1][1:] == (5, 5)
    execute(plan(patients_state), tmp_path / "grouped", blocks_per_task=3)
    # two spawned processes: plugins come from entry points there, not from this test's manager
    pool = execute(plan(patients_state), tmp_path / "pool", workers=2, blocks_per_task=2)
    reference = part_bytes(tmp_path / "one")
    assert part_bytes(tmp_path / "grouped") == reference
    assert part_bytes(tmp_path / "pool") == reference
    assert pool.summary()["rules"] == one.summary()["rules"]
    samples = read_samples(one)
    assert samples["patient_id"].is_unique and len(samples) == 900
    other = execute(plan(patients_state, seed=6), tmp_path / "other")
    assert not read_samples(other).equals(samples)


def test_a_longer_run_extends_a_shorter_one(
    patients_pm: PluginManager, patients_state: dict, tmp_path: Path
) -> None:
    """Blocks depend only on (seed, block): the first blocks of n=900 are those of n=400."""
    manager.reset_plugin_manager(lambda: patients_pm)
    short = GenerationPlan(**{**plan(patients_state).to_dict(), "n": 400})
    execute(short, tmp_path / "short")
    execute(plan(patients_state), tmp_path / "long")
    long_parts = part_bytes(tmp_path / "long")
    assert all(long_parts[name] == data for name, data in part_bytes(tmp_path / "short").items())


@pytest.mark.slow
def test_dask_local_cluster_matches_local(
    patients_pm: PluginManager, patients_state: dict, tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed", reason='needs the dask extra: pip install "synthgenesis[dask]"')
    manager.reset_plugin_manager(lambda: patients_pm)
    local = execute(plan(patients_state), tmp_path / "local")
    dask = execute(
        plan(patients_state),
        tmp_path / "dask",
        executor="dask",
        workers=2,  # two worker processes, as on a real cluster
    )
    assert dask.executor == "dask" and dask.complete
    assert part_bytes(tmp_path / "dask") == part_bytes(tmp_path / "local")
    pd.testing.assert_frame_equal(read_samples(dask), read_samples(local))
