"""One engine, one seed contract: the same study seed gives the same bytes for every executor.

In-process (the default), one and two local worker processes, Dask, and the
in-memory :func:`synthgenesis.execution.generate` all run the same block loop
with the same seeds, so their samples are byte-identical. Rule files travel
with the plan, as content: workers enforce them without reading the file.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from synthgenesis import manager
from synthgenesis.config import parse_config
from synthgenesis.execution import GenerationPlan, execute, generate, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.study import Study, run_study

pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')


def part_bytes(folder: Path) -> dict[str, bytes]:
    parts = {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("part-*.parquet"))}
    assert parts, f"no sample parts in {folder}"
    return parts


def study_config(
    tmp_path: Path, executor: str | None, workers: int, rules_file: Path | None = None, seed: int = 11
):
    data = {
        "study": {"name": "seeds", "domain": "patients", "seed": seed},
        "reference": {"dataset": "actg175"},
        "generator": {"name": "patients-gaussian-copula"},
        "sampling": {"n": 500},
        "evaluation": {"enabled": False},
        "output": {"native": False},
        "execution": {"workers": workers, "block_size": 200, **({"executor": executor} if executor else {})},
    }
    if rules_file is not None:
        data["rules"] = {"files": [str(rules_file)]}
    return parse_config(data, str(tmp_path / "study.toml"))


@pytest.fixture
def pm(patients_pm: PluginManager) -> PluginManager:
    manager.reset_plugin_manager(lambda: patients_pm)
    return patients_pm


@pytest.mark.slow
def test_in_process_and_local_workers_give_the_same_bytes(pm: PluginManager, tmp_path: Path) -> None:
    runs = {
        "in-process": (None, 1),
        "local-1": ("local", 1),
        "local-2": ("local", 2),
    }
    bytes_of = {}
    for name, (executor, workers) in runs.items():
        result = run_study(study_config(tmp_path, executor, workers), pm, out=tmp_path / name)
        assert result.status == "complete", name
        assert result.generation is not None and result.generation.accepted == 500
        bytes_of[name] = part_bytes(tmp_path / name)
    assert len(bytes_of["in-process"]) == 3  # 500 rows in blocks of 200
    assert bytes_of["local-1"] == bytes_of["in-process"]
    assert bytes_of["local-2"] == bytes_of["in-process"]
    # and a different seed really gives other samples
    run_study(study_config(tmp_path, None, 1, seed=12), pm, out=tmp_path / "other")
    assert part_bytes(tmp_path / "other") != bytes_of["in-process"]


@pytest.mark.slow
def test_dask_gives_the_same_bytes_as_in_process(pm: PluginManager, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason='needs the dask extra: pip install "synthgenesis[dask]"')
    run_study(study_config(tmp_path, None, 1), pm, out=tmp_path / "in-process")
    result = run_study(study_config(tmp_path, "dask", 2), pm, out=tmp_path / "dask")
    assert result.generation is not None and result.generation.executor == "dask"
    assert part_bytes(tmp_path / "dask") == part_bytes(tmp_path / "in-process")


def test_in_memory_generate_gives_the_samples_the_engine_writes(pm: PluginManager, tmp_path: Path) -> None:
    study = Study(study_config(tmp_path, None, 1), pm)
    split = study.load(study_progress())
    generator = study.fit(split, study_progress())
    plan, _ = study.plan(generator)
    on_disk = execute(plan, tmp_path / "run")
    in_memory = generate(
        study.domain,
        generator,
        plan.n,
        seed=plan.seed,
        rules=study.rules,
        block_size=plan.block_size,
        id_column=plan.id_column,
    )
    assert in_memory.samples is not None and in_memory.accepted == on_disk.accepted == 500
    assert in_memory.summary()["rules"] == on_disk.summary()["rules"]
    written = read_samples(on_disk)
    assert _parquet(in_memory.samples) == _parquet(written)


def study_progress():
    from synthgenesis.progress import Progress

    return Progress()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.mark.slow
def test_rule_files_travel_with_the_plan_to_workers(pm: PluginManager, tmp_path: Path) -> None:
    rules = tmp_path / "older.toml"
    rules.write_text('[[rule]]\nname = "older"\ncolumn = "age"\nmin = 40\n', encoding="utf-8")
    study = Study(study_config(tmp_path, "local", 2, rules), pm)
    generator = study.fit(study.load(study_progress()), study_progress())
    plan, _ = study.plan(generator)
    rules.unlink()  # the workers never read the file: its content is in the plan
    result = execute(plan, tmp_path / "run", workers=2)
    samples = read_samples(result)
    assert result.complete and len(samples) == 500
    assert (samples["age"] >= 40).all()
    assert result.stats["older"].checked >= 500  # the workers applied it to every draw


def test_a_plan_carries_rule_files_as_data(tmp_path: Path) -> None:
    plan = GenerationPlan(
        domain="patients",
        generator="patients-gaussian-copula",
        state={"x": 1},
        n=10,
        seed=1,
        rule_files=[{"source": "r.toml", "rules": {"rule": [{"name": "a", "column": "age", "min": 1}]}}],
    )
    assert plan.describe()["rule_files"][0]["rules"]["rule"][0]["name"] == "a"
    with pytest.raises(ValueError, match="rule_files must be JSON-serialisable"):
        GenerationPlan(
            domain="patients", generator="g", state=None, n=1, seed=1, rule_files=[{"x": object()}]
        )


def test_retries_are_logged_at_debug_level(toy_pm, tmp_path: Path, caplog) -> None:
    import logging

    from synthgenesis.execution.mapping import Workers, map_chunks

    calls: dict[int, int] = {}

    def flaky(payload: str, items: list[int]) -> list[dict]:
        out = []
        for i in items:
            calls[i] = calls.get(i, 0) + 1
            ok = i != 1 or calls[i] > 1  # item 1 fails once
            out.append({"index": i, "status": "done" if ok else "failed", "error": "first try"})
        return out

    done: list[int] = []
    level = caplog.at_level(logging.DEBUG, logger="synthgenesis.execution.mapping")
    with level, Workers("local", 1, "payload", "toy") as pool:
        failures = map_chunks(
            pool, flaky, [[0], [1], [2]], lambda items: (items,), lambda r: done.append(r["index"])
        )
    assert failures == {} and sorted(done) == [0, 1, 2] and calls[1] == 2
    assert any("item 1 failed (first try); retrying it alone" in r.getMessage() for r in caplog.records)
