"""Study files and output folders are untrusted: no setting deletes or writes outside the run folder.

Each test here states a defect a hostile or careless study file could cause,
and checks it can no longer happen.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app
from synthgenesis.config import load_config
from synthgenesis.errors import ConfigError, OutputExistsError
from synthgenesis.io import neutralise_formulas, read_table, write_table
from synthgenesis.rundir import RUN_SCHEMA, RunDirectory, is_run_directory, stale_stages

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def study_text(**sections: str) -> str:
    body = {
        "study": '[study]\nname = "t"\ndomain = "patients"\nseed = 5\n',
        "reference": '[reference]\ndataset = "gbsg2"\n',
        "sampling": "[sampling]\nn = 60\n",
        "evaluation": "[evaluation]\nenabled = false\n",
    }
    body.update(sections)
    return "\n".join(body.values())


# ----------------------------------------------------------------------------- output folders


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputExistsError, match="not a synthgenesis run"):
        RunDirectory(victim, overwrite=True)
    assert (victim / "thesis.tex").read_text() == "years of work"
    assert not list(tmp_path.glob(".victim.partial-*"))


def test_overwrite_refuses_a_folder_with_a_foreign_manifest(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "manifest.json").write_text(json.dumps({"name": "some other tool"}))
    with pytest.raises(OutputExistsError, match="not a synthgenesis run"):
        RunDirectory(victim, overwrite=True)
    assert (victim / "manifest.json").exists()


def test_overwrite_refuses_a_symlinked_output(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "data.csv").write_text("a\n1\n")
    link = tmp_path / "out"
    link.symlink_to(target)
    with pytest.raises(OutputExistsError, match="not a folder"):
        RunDirectory(link, overwrite=True)
    assert (target / "data.csv").exists()


def test_a_finished_run_carries_the_marker_and_can_be_replaced(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = RunDirectory(out)
    run.path("a.txt").write_text("first")
    run.write_manifest({"status": "complete"})
    run.finish()
    assert json.loads((out / "manifest.json").read_text())["run_schema"] == RUN_SCHEMA
    assert is_run_directory(out)
    assert not (out / ".owner.json").exists()
    again = RunDirectory(out, overwrite=True)
    again.path("b.txt").write_text("second")
    again.write_manifest({"status": "complete"})
    again.finish()
    assert sorted(p.name for p in out.iterdir()) == ["b.txt", "manifest.json"]


def test_study_output_dir_outside_with_overwrite_cannot_delete(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    studies = tmp_path / "studies"
    studies.mkdir()
    study = studies / "s.toml"
    study.write_text(study_text() + '\n[output]\ndir = "../victim"\noverwrite = true\n')
    result = invoke("run", str(study))
    assert result.exit_code == 2, result.output
    assert "not a synthgenesis run" in result.stderr
    assert (victim / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("name", ["../../x", "a/b", "a\\b", "..", ".hidden", "", "x" * 101])
def test_study_names_cannot_leave_the_runs_folder(tmp_path: Path, name: str) -> None:
    study = tmp_path / "s.toml"
    study.write_text(
        study_text(study=f'[study]\nname = "{name}"\ndomain = "patients"\n'.replace("\\", "\\\\"))
    )
    with pytest.raises(ConfigError, match=r"study\.name"):
        load_config(study)


def test_paths_in_a_study_are_relative_to_the_study_file(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("lifelines")

    folder = tmp_path / "project"
    folder.mkdir()
    cohort = pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(40)],
            "age": [30 + i for i in range(40)],
            "sex": ["F", "M"] * 20,
        }
    )
    cohort.to_csv(folder / "cohort.csv", index=False)
    study = folder / "s.toml"
    study.write_text(
        study_text(reference='[reference]\npath = "cohort.csv"\n')
        + '\n[output]\ndir = "out/run"\nallow_exact_copies = true\n'
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke("run", str(study))
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "run" / "manifest.json").exists()
    assert not (elsewhere / "out").exists()


def test_killed_runs_leave_no_partial_folders_behind(tmp_path: Path) -> None:
    out = tmp_path / "run"
    dead = tmp_path / ".run.partial-killed"
    dead.mkdir()
    (dead / "samples.parquet").write_text("half")
    # a process id that cannot be running: beyond the kernel's pid_max
    (dead / ".owner.json").write_text(json.dumps({"host": os.uname().nodename, "pid": 2**30}))
    alive = tmp_path / ".run.partial-alive"
    alive.mkdir()
    (alive / ".owner.json").write_text(json.dumps({"host": os.uname().nodename, "pid": os.getpid()}))
    assert stale_stages(out) == [dead]
    run = RunDirectory(out)
    run.path("x.txt").write_text("new")
    run.write_manifest({"status": "complete"})
    run.finish()
    assert not dead.exists() and alive.exists()


def test_a_run_that_fails_before_producing_anything_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = RunDirectory(out)
    exc = ValueError("bad reference")
    run.fail({"study": "t"}, "load reference", exc)
    assert not out.exists()
    assert not list(tmp_path.glob(".run.*"))
    assert any("nothing was written" in n for n in exc.__notes__)


def test_generate_with_an_unreadable_reference_leaves_no_folder(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    ref = tmp_path / "ref.csv"
    ref.write_text("patient_id,age\n")
    out = tmp_path / "g"
    result = invoke("generate", "patients", "--reference-file", str(ref), "-n", "5", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert not out.exists()


# ----------------------------------------------------------------------------- bad values in study files


def test_non_utf8_study_file_is_a_config_error(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_bytes(b"\xff\xfe[study]\nname = 't'\n")
    result = invoke("run", str(study))
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr and "Traceback" not in result.output


def test_study_file_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_bytes(b"\xef\xbb\xbf" + study_text().encode())
    assert load_config(study).study.name == "t"


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_seeds_out_of_range_are_config_errors(tmp_path: Path, seed: str) -> None:
    study = tmp_path / "s.toml"
    study.write_text(study_text(study=f'[study]\nname = "t"\ndomain = "patients"\nseed = {seed}\n'))
    with pytest.raises(ConfigError, match=r"study\.seed"):
        load_config(study)
    result = invoke("run", str(study))
    assert result.exit_code == 2 and "unexpected" not in result.stderr


def test_negative_seed_on_the_command_line_is_a_usage_error() -> None:
    result = invoke("generate", "patients", "--seed", "-1", "-n", "5")
    assert result.exit_code == 2


@pytest.mark.parametrize("value", ["1e308", "true", "inf", "nan", "'many'"])
def test_generator_parameters_of_the_wrong_kind_are_config_errors(tmp_path: Path, value: str) -> None:
    pytest.importorskip("lifelines")
    study = tmp_path / "s.toml"
    study.write_text(
        study_text(
            generator=f'[generator]\nname = "patients-gaussian-copula"\nparams = {{ max_knots = {value} }}\n'
        )
    )
    result = invoke("run", str(study), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert "generator.params" in result.stderr and "max_knots" in result.stderr
    assert "unexpected" not in result.stderr


def test_an_output_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    study = tmp_path / "s.toml"
    study.write_text(study_text())
    result = invoke("run", str(study), "--out", str(blocker / "run"))
    assert result.exit_code == 2, result.output
    assert "cannot access" in result.stderr and "unexpected" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    study = tmp_path / "s.toml"
    study.write_text(study_text())
    try:
        result = invoke("run", str(study), "--out", str(ro / "run"))
    finally:
        ro.chmod(0o700)
    assert result.exit_code == 2 and "cannot access" in result.stderr


@pytest.mark.parametrize("value", ["0", "", "no"])
def test_traceback_variable_set_to_false_prints_no_traceback(tmp_path: Path, value: str) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    study = tmp_path / "s.toml"
    study.write_bytes(b"\xff")
    result = invoke("run", str(study), env={"SYNTHGENESIS_TRACEBACK": value})
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_traceback_variable_set_to_one_prints_it(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_bytes(b"\xff")
    result = invoke("run", str(study), env={"SYNTHGENESIS_TRACEBACK": "1"})
    assert result.exit_code == 2 and "Traceback" in result.output


# ----------------------------------------------------------------------------- bad reference values


def test_reference_records_with_infinite_values_are_dropped_and_reported(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    rows = [
        {"patient_id": f"p{i}", "age": 30 + i % 40, "sex": "FM"[i % 2], "height_cm": 150 + (i * 7.31) % 40}
        for i in range(60)
    ]
    rows[3]["age"] = float("inf")
    rows[7]["age"] = 400
    ref = tmp_path / "ref.csv"
    pd.DataFrame(rows).to_csv(ref, index=False)
    out = tmp_path / "g"
    result = invoke("generate", "patients", "--reference-file", str(ref), "-n", "30", "--out", str(out))
    assert result.exit_code == 0, result.output
    check = json.loads((out / "manifest.json").read_text())["reference_check"]
    assert check["checked"] == 60 and check["invalid"] == 2 and check["policy"] == "drop"
    assert check["by_rule"]["finite-values"] == 1
    assert any("p3" in e for e in check["examples"]) and any("p7" in e for e in check["examples"])
    samples = pd.read_parquet(out / "samples")
    assert samples["age"].between(0, 125).all()


def test_reference_policy_refuse_names_the_bad_records(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    rows = [{"patient_id": f"p{i}", "age": 30 + i % 40, "sex": "FM"[i % 2]} for i in range(40)]
    rows[5]["age"] = float("-inf")
    pd.DataFrame(rows).to_csv(tmp_path / "ref.csv", index=False)
    study = tmp_path / "s.toml"
    study.write_text(study_text(reference='[reference]\npath = "ref.csv"\ninvalid = "refuse"\n'))
    result = invoke("run", str(study), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert "p5" in result.stderr and "infinite" in result.stderr
    assert not (tmp_path / "r").exists()


# ----------------------------------------------------------------------------- CSV formulas


def test_csv_export_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "note": ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "\tx", "plain", None],
            "amount": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    path = write_table(df, tmp_path / "t.csv")
    back = read_table(path)
    assert back["note"].tolist()[:5] == ['\'=HYPERLINK("http://x","y")', "'+1", "'-cmd", "'@SUM(A1)", "'\tx"]
    assert back["note"].iat[5] == "plain" and pd.isna(back["note"].iat[6])
    assert back["amount"].tolist() == df["amount"].tolist()  # numbers are not formulas
    kept = read_table(write_table(df, tmp_path / "k.csv", formulas="keep"))
    assert kept["note"].iat[0] == df["note"].iat[0]
    assert neutralise_formulas(df) is not df and df["note"].iat[0].startswith("=")  # input unchanged


def test_csv_formula_opt_out_by_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SYNTHGENESIS_CSV_FORMULAS", "keep")
    df = pd.DataFrame({"note": ["=1+1"]})
    assert read_table(write_table(df, tmp_path / "t.csv"))["note"].iat[0] == "=1+1"


def test_parquet_keeps_exact_values(tmp_path: Path) -> None:
    df = pd.DataFrame({"note": ["=1+1"]})
    assert read_table(write_table(df, tmp_path / "t.parquet"))["note"].iat[0] == "=1+1"


@pytest.mark.parametrize(
    "address", ["tcp://attacker.example:8786", "tcp://10.0.0.5:8786", "203.0.113.9:8786"]
)
def test_a_study_file_cannot_name_a_remote_dask_scheduler(tmp_path: Path, address: str) -> None:
    study = tmp_path / "s.toml"
    study.write_text(study_text() + f'\n[execution]\nexecutor = "dask"\nscheduler = "{address}"\n')
    with pytest.raises(ConfigError, match="not on this machine"):
        load_config(study)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://localhost:8786", "tcp://[::1]:8786"])
def test_a_study_file_may_name_a_local_scheduler(tmp_path: Path, address: str) -> None:
    study = tmp_path / "s.toml"
    study.write_text(study_text() + f'\n[execution]\nexecutor = "dask"\nscheduler = "{address}"\n')
    assert load_config(study).execution.scheduler == address


def test_a_remote_scheduler_typed_on_the_command_line_is_accepted(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text(study_text() + '\n[execution]\nexecutor = "dask"\n')
    config = load_config(study, {"execution": {"scheduler": "tcp://cluster.internal:8786"}})
    assert config.execution.scheduler == "tcp://cluster.internal:8786"


# ----------------------------------------------------------------------------- endless and special files


@pytest.fixture
def endless(tmp_path: Path) -> Path:
    link = tmp_path / "endless"
    link.symlink_to("/dev/zero")
    return link


def test_a_rule_file_that_never_ends_is_refused_unread(tmp_path: Path, endless: Path) -> None:
    pytest.importorskip("lifelines")
    data = tmp_path / "d.csv"
    data.write_text("patient_id,age\n1,50\n")
    result = invoke("validate", "patients", str(data), "--rules-file", str(endless))
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_a_study_file_that_never_ends_is_refused_unread(endless: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(endless)


def test_settings_files_are_read_up_to_a_size(tmp_path: Path) -> None:
    from synthgenesis.io import MAX_SETTINGS_FILE_BYTES

    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * MAX_SETTINGS_FILE_BYTES + "\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_config(big)


@pytest.mark.parametrize(
    ("domain", "suffix"), [("patients", ".csv"), ("fraud", ".csv"), ("molecules", ".smi")]
)
def test_a_data_file_that_is_a_device_is_refused(
    tmp_path: Path, endless: Path, domain: str, suffix: str
) -> None:
    link = tmp_path / f"data{suffix}"
    link.symlink_to("/dev/zero")
    result = invoke("validate", domain, str(link))
    assert result.exit_code in (2, 4), result.output  # 4: the domain's extra is not installed
    if result.exit_code == 2:
        assert "not a regular file" in result.stderr


def test_a_patients_schema_file_that_never_ends_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    data = tmp_path / "d.csv"
    data.write_text("patient_id,age\n1,50\n")
    (tmp_path / "d.schema.toml").symlink_to("/dev/zero")
    result = invoke("validate", "patients", str(data))
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_a_huge_sample_count_is_streamed_and_refused_only_in_memory(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text('[study]\nname = "a"\ndomain = "fraud"\n[sampling]\nn = 100000000000\n')
    assert load_config(study).sampling.n == 100_000_000_000  # every run streams its blocks to disk
    from synthgenesis.execution import generate
    from synthgenesis.manager import get_plugin_manager

    pm = get_plugin_manager()
    simulator = pm.default_generator("fraud").create()
    with pytest.raises(ValueError, match="holds in memory; use execute"):
        generate(pm.domain("fraud"), simulator, 100_000_000_000, seed=0, rules={})
