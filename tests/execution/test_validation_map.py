"""Validating large files as a map over chunks: same counts and bytes for any executor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthgenesis import hookimpl, manager
from synthgenesis.errors import InvalidDataError
from synthgenesis.execution import read_valid, validate_file
from synthgenesis.io import iter_table
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.types import Domain


def parts(folder: Path) -> dict[str, bytes]:
    return {
        f"{sub}/{p.name}": p.read_bytes()
        for sub in ("valid", "rejected")
        for p in sorted((folder / sub).glob("*.parquet"))
    }


# ----------------------------------------------------------------------------- a toy table domain


class NonNegative(Rule):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] >= 0, lambda i: f"x={batch['x'].iat[i]} is negative")


def _store(batch: pd.DataFrame) -> pd.DataFrame:
    if (batch["x"] == 10**9).any():
        raise OSError("simulated disk fault")
    return batch


class Toy:
    @hookimpl
    def synthgenesis_register_domains(self) -> list[Domain]:
        return [
            Domain(
                name="numbers",
                description="a column x with no record id",
                featurize=lambda b: b[["x"]],
                read=pd.read_csv,  # no read_chunks: the file is read whole and cut
                write=lambda b, p: b.to_csv(p, index=False),
                formats=(".csv",),
                to_storage=_store,
            )
        ]

    @hookimpl
    def synthgenesis_register_rules(self) -> list[RuleSpec]:
        return [RuleSpec("numbers-non-negative", "numbers", NonNegative())]


@pytest.fixture
def toy_pm() -> Iterator[PluginManager]:
    pm = PluginManager(autoload=False)
    pm.register(Toy(), name="numbers")
    manager.reset_plugin_manager(lambda: pm)
    yield pm


def test_rows_are_named_by_their_place_in_the_file(toy_pm: PluginManager, tmp_path: Path) -> None:
    x = np.arange(2600)
    x[[5, 1234, 2503]] = -1
    pd.DataFrame({"x": x}).to_csv(tmp_path / "n.csv", index=False)
    result = validate_file("numbers", tmp_path / "n.csv", tmp_path / "out", block_size=1000)
    assert (result.records, result.valid, result.n_blocks) == (2600, 2597, 3)
    assert result.stats["numbers-non-negative"].examples == [
        "row 5: x=-1 is negative",
        "row 1234: x=-1 is negative",
        "row 2503: x=-1 is negative",
    ]
    kept = read_valid(tmp_path / "out", toy_pm.domain("numbers"))
    assert len(kept) == 2597 and (kept["x"] >= 0).all()
    rejected = read_valid(tmp_path / "out", toy_pm.domain("numbers"), rejected=True)
    assert rejected["x"].tolist() == [-1, -1, -1]
    summary = json.loads((tmp_path / "out" / "validation.json").read_text())
    assert summary["invalid"] == 3 and summary["blocks"] == 3


def test_a_failing_chunk_is_retried_then_reported_and_the_others_kept(
    toy_pm: PluginManager, tmp_path: Path
) -> None:
    x = np.arange(3000)
    x[1500] = 10**9  # the second chunk cannot be stored
    pd.DataFrame({"x": x}).to_csv(tmp_path / "n.csv", index=False)
    result = validate_file("numbers", tmp_path / "n.csv", tmp_path / "out", block_size=1000, retries=2)
    assert list(result.failed_blocks) == [1]
    assert (
        "records 1000..1999" in result.failed_blocks[1] and "simulated disk fault" in result.failed_blocks[1]
    )
    assert not result.complete
    assert result.records == 2000 and result.valid == 2000
    assert sorted(p.name for p in (tmp_path / "out" / "valid").iterdir()) == [
        "part-000000.parquet",
        "part-000002.parquet",
    ]


def test_rerunning_into_the_same_folder_leaves_no_stale_parts(toy_pm: PluginManager, tmp_path: Path) -> None:
    pd.DataFrame({"x": np.arange(3000)}).to_csv(tmp_path / "n.csv", index=False)
    validate_file("numbers", tmp_path / "n.csv", tmp_path / "out", block_size=500)
    validate_file("numbers", tmp_path / "n.csv", tmp_path / "out", block_size=1000)
    assert len(list((tmp_path / "out" / "valid").iterdir())) == 3


def test_bad_arguments_and_files_fail_before_any_chunk(toy_pm: PluginManager, tmp_path: Path) -> None:
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(InvalidDataError, match="no such file"):
        validate_file("numbers", tmp_path / "missing.csv")
    (tmp_path / "n.txt").write_text("x\n1\n")
    with pytest.raises(InvalidDataError, match=r"reads \.csv files, not \.txt"):
        validate_file("numbers", tmp_path / "n.txt")
    with pytest.raises(ValueError, match="block size"):
        validate_file("numbers", tmp_path / "n.csv", block_size=0)
    with pytest.raises(ValueError, match="workers"):
        validate_file("numbers", tmp_path / "n.csv", workers=0)
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- patients, chunked reads


@pytest.fixture
def cohort(patients_pm: PluginManager, tmp_path: Path) -> Path:
    from synthgenesis.plugins.patients.datasets import load_actg175

    manager.reset_plugin_manager(lambda: patients_pm)
    table = pd.concat([load_actg175()] * 2, ignore_index=True)
    table["patient_id"] = np.arange(1, len(table) + 1)
    table["age"] = table["age"].astype(object)
    table.loc[10, "age"] = 300  # out of range
    table.loc[3000, "age"] = "abc"  # not a number
    path = tmp_path / "cohort.csv"
    table.to_csv(path, index=False)
    return path


def test_chunked_reads_give_the_whole_file_counts(patients_pm: PluginManager, cohort: Path) -> None:
    dom = patients_pm.domain("patients")
    whole = validate_batch(dom, dom.read(cohort), patients_pm.rules("patients"))
    chunked = validate_file("patients", cohort, block_size=700)
    assert chunked.n_blocks == 7
    assert chunked.records == len(whole.valid) == 4278
    assert chunked.valid == int(whole.valid.sum()) == 4276
    for name, st in whole.stats.items():
        assert (chunked.stats[name].checked, chunked.stats[name].failed) == (st.checked, st.failed), name
    assert chunked.stats["read"].examples == ["patient 3001: age='abc' is not a number"]


def test_parts_are_identical_for_one_and_two_local_workers(
    patients_pm: PluginManager, cohort: Path, tmp_path: Path
) -> None:
    one = validate_file("patients", cohort, tmp_path / "one", block_size=1000)
    two = validate_file("patients", cohort, tmp_path / "two", block_size=1000, workers=2)
    assert (one.records, one.valid) == (two.records, two.valid)
    assert parts(tmp_path / "one") == parts(tmp_path / "two")
    assert len(parts(tmp_path / "one")) == 5 + 2  # five valid parts, two with a rejected record


@pytest.mark.slow
def test_parts_are_identical_on_dask(patients_pm: PluginManager, cohort: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason='needs the dask extra: pip install "synthgenesis[dask]"')
    one = validate_file("patients", cohort, tmp_path / "one", block_size=1500)
    on_dask = validate_file(
        "patients", cohort, tmp_path / "dask", block_size=1500, executor="dask", workers=2
    )
    assert parts(tmp_path / "one") == parts(tmp_path / "dask")
    assert on_dask.executor == "dask" and on_dask.valid == one.valid


def test_a_broken_line_part_way_is_one_read_error_and_the_rest_is_read(
    patients_pm: PluginManager, cohort: Path, tmp_path: Path
) -> None:
    lines = cohort.read_text().splitlines()
    total = len(lines) - 1
    lines[2500] += ",1,2,3"  # too many fields: that record cannot be read, the others can
    cohort.write_text("\n".join(lines) + "\n")
    result = validate_file("patients", cohort, tmp_path / "out", block_size=1000)
    assert result.read_error is None and result.complete
    assert result.records == total
    read = result.stats["read"]  # the fixture's own unreadable age (patient 3001) and the broken line
    assert read.failed == 2 and "CSV line 2501 has 26 fields" in read.examples[0]


def test_a_file_that_breaks_part_way_keeps_the_chunks_before(
    patients_pm: PluginManager, cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthgenesis.plugins.patients import domain as patients_domain

    real_iter = patients_domain.iter_table

    def breaks_after_two_chunks(path, size, **options):
        for k, chunk in enumerate(real_iter(path, size, **options)):
            if k == 2:
                raise InvalidDataError(f"{path}: cannot be read as csv after row {k * size}: disk error")
            yield chunk

    monkeypatch.setattr(patients_domain, "iter_table", breaks_after_two_chunks)
    result = validate_file("patients", cohort, tmp_path / "out", block_size=1000)
    assert result.read_error is not None and "after row 2000" in result.read_error
    assert result.records == 2000 and not result.complete
    assert len(list((tmp_path / "out" / "valid").iterdir())) == 2


def test_iter_table_reads_parquet_in_batches_with_file_positions(tmp_path: Path) -> None:
    pd.DataFrame({"x": np.arange(2500)}).to_parquet(tmp_path / "t.parquet")
    chunks = list(iter_table(tmp_path / "t.parquet", 1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert chunks[2].index[0] == 2000 and chunks[2]["x"].iat[0] == 2000


def test_a_long_csv_record_at_the_start_of_a_chunk_is_not_truncated(tmp_path: Path) -> None:
    lines = ["x,y"] + [f"{i},{i}" for i in range(10)]
    lines[4] = "3,3,extra"  # the fourth record: first of the second chunk of three
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    chunks = iter_table(tmp_path / "t.csv", 3)
    assert len(next(chunks)) == 3
    with pytest.raises(InvalidDataError, match="after row 3: row 4 has 3 fields, the header has 2"):
        next(chunks)


def test_csv_records_with_quoted_newlines_stay_whole(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text('x,note\n1,"a\nb"\n2,plain\n\n3,"c,d"\n')
    chunks = list(iter_table(tmp_path / "t.csv", 2))
    assert [len(c) for c in chunks] == [2, 1]
    assert pd.concat(chunks)["note"].tolist() == ["a\nb", "plain", "c,d"]


def test_rules_that_compare_records_say_they_saw_one_chunk(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    import synthgenesis.plugins.fraud as fraud_plugin
    from synthgenesis.plugins.fraud.simulator import FraudSimulator
    from synthgenesis.plugins.fraud.table import write

    pm = PluginManager(autoload=False)
    pm.register(fraud_plugin, name="fraud")
    manager.reset_plugin_manager(lambda: pm)
    batch = FraudSimulator().sample(300, seed=2)
    batch.loc[250, "transaction_id"] = batch.loc[10, "transaction_id"]  # a repeat 240 rows later
    write(batch, tmp_path / "tx.csv")
    whole = validate_file("fraud", tmp_path / "tx.csv")
    assert whole.stats["fraud-unique-transaction-id"].failed == 1 and whole.notes == []
    chunked = validate_file("fraud", tmp_path / "tx.csv", block_size=100)
    assert chunked.stats["fraud-unique-transaction-id"].failed == 0
    assert len(chunked.notes) == 1
    assert "fraud-account-time-order, fraud-unique-transaction-id compare records" in chunked.notes[0]


def test_a_header_only_patients_table_has_no_rows(patients_pm: PluginManager, tmp_path: Path) -> None:
    manager.reset_plugin_manager(lambda: patients_pm)
    (tmp_path / "empty.csv").write_text("patient_id,age,sex\n")
    with pytest.raises(InvalidDataError, match="has no rows"):
        validate_file("patients", tmp_path / "empty.csv", block_size=10)


def test_dask_waiting_returns_submissions_that_failed_before_the_cluster() -> None:
    from concurrent.futures import Future

    distributed = pytest.importorskip("distributed")
    from synthgenesis.execution.dask import wait_first

    failed: Future = Future()
    failed.set_exception(OSError("scheduler gone"))
    assert wait_first(distributed, [failed]) == [failed]
