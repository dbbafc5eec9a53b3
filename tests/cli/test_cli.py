"""The command line through typer's runner: listings, validate, run, generate, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_plugins_json_lists_the_five_builtins() -> None:
    result = invoke("plugins", "--json")
    assert result.exit_code == 0, result.output
    infos = {p["name"]: p for p in json.loads(result.stdout)}
    assert {"crystals", "molecules", "patients", "fraud", "driving"} <= set(infos)
    for info in infos.values():
        assert set(info) >= {"name", "version", "status", "hooks", "extra"}
        assert info["status"] in ("active", "missing-extra", "disabled", "error")
    assert infos["patients"]["extra"] == "patients"


def test_plugins_table_and_block_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHGENESIS_BLOCK_PLUGINS", "driving")
    result = invoke("plugins")
    assert result.exit_code == 0 and "disabled" in result.stdout


def test_domains_json() -> None:
    pytest.importorskip("lifelines")
    listing = {d["name"]: d for d in json.loads(invoke("domains", "--json").stdout)}
    patients = listing["patients"]
    assert patients["generators"] == [
        "patients-bayesian-network",
        "patients-gaussian-copula",
        "patients-survival",
    ]
    assert "patients-physiological-ranges" in patients["rules"]
    assert {d["name"] for d in patients["reference_datasets"]} == {
        "actg175",
        "gbsg2",
        "diabetes",
        "breast-cancer",
    }
    kinds = {t["name"]: t["kind"] for t in patients["transfer_tasks"]}
    assert kinds["actg175-event"] == "classification" and kinds["gbsg2-survival"] == "survival"


def test_validate_summary_and_exit_codes() -> None:
    pytest.importorskip("lifelines")
    good = invoke("validate", "patients", str(ROOT / "examples/data/patients/cohort.csv"), "--json")
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout)["invalid"] == 0
    bad = invoke(
        "validate", "patients", str(ROOT / "examples/data/patients/cohort_with_errors.csv"), "--json"
    )
    assert bad.exit_code == 6
    summary = json.loads(bad.stdout)
    assert summary["records"] == 6 and summary["valid"] == 1
    assert summary["rules"]["read"]["examples"] == ["patient 1002: age='abc' is not a number"]
    assert summary["rules"]["patients-sex-coding"]["failed"] == 1


def test_validate_repair_out_writes_valid_records(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = tmp_path / "fixed.csv"
    result = invoke(
        "validate",
        "patients",
        str(ROOT / "examples/data/patients/cohort_with_errors.csv"),
        "--repair-out",
        str(out),
    )
    assert result.exit_code == 6  # the file itself still has invalid records
    fixed = pd.read_csv(out)
    # 1001 was valid; 1005's temperature of 98.6 (Fahrenheit in a Celsius column) is rejected, not
    # clipped to the limit: a repair that piles values at a bound would invent a measurement.
    assert fixed["patient_id"].tolist() == [1001]
    assert fixed["temperature"].tolist() == [36.8]


def test_validate_in_chunks_on_workers_writes_parts(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    table = pd.read_csv(ROOT / "examples/data/patients/cohort_with_errors.csv")
    big = pd.concat([table] * 50, ignore_index=True)
    big["patient_id"] = range(1, len(big) + 1)
    big.to_csv(tmp_path / "big.csv", index=False)
    args = ["validate", "patients", str(tmp_path / "big.csv"), "--block-size", "70", "--json"]
    result = invoke(*args, "--workers", "2", "--out", str(tmp_path / "out"))
    assert result.exit_code == 6, result.output
    summary = json.loads(result.stdout)
    assert (summary["records"], summary["valid"], summary["blocks"]) == (300, 50, 5)
    assert summary["workers"] == 2 and summary["out"] == str(tmp_path / "out")
    valid = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "out/valid").glob("*.parquet")))
    assert len(valid) == 50
    assert json.loads((tmp_path / "out/validation.json").read_text())["invalid"] == 250
    in_process = json.loads(invoke(*args).stdout)
    assert in_process["rules"] == summary["rules"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("validate", "patientz", "x.csv"), 2, "unknown domain 'patientz'"),
        (("validate", "patients", "missing.csv"), 2, "missing.csv: no such file"),
        (("validate", "patients", "README.md"), 2, "patients reads .csv, .parquet, .json files, not .md"),
        (("run", "missing.toml"), 2, "missing.toml does not exist"),
        (("generate", "patients", "--generator", "nope", "-n", "5"), 2, "unknown generator 'nope'"),
        (("generate", "patients", "-p", "max_knot=3", "-n", "5"), 2, "did you mean 'max_knots'"),
    ],
)
def test_errors_are_one_line_with_exit_code(args: tuple[str, ...], code: int, message: str) -> None:
    pytest.importorskip("lifelines")
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error:")


def test_missing_extra_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    import synthgenesis.manager as manager

    real = manager.module_available
    monkeypatch.setattr(manager, "module_available", lambda name: name != "lifelines" and real(name))
    result = invoke("validate", "patients", str(ROOT / "examples/data/patients/cohort.csv"))
    assert result.exit_code == 4
    assert 'pip install "synthgenesis[patients]"' in result.stderr


def write_study(tmp_path: Path, **overrides: str) -> Path:
    body = {
        "study": '[study]\nname = "t"\ndomain = "patients"\nseed = 5\n',
        "reference": '[reference]\ndataset = "gbsg2"\n',
        "sampling": "[sampling]\nn = 200\n",
        "evaluation": '[evaluation]\nmetrics = ["fidelity", "detection"]\n',
    }
    body.update(overrides)
    path = tmp_path / "study.toml"
    path.write_text("\n".join(body.values()))
    return path


@pytest.mark.slow
def test_run_writes_a_complete_run_directory(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = tmp_path / "run"
    result = invoke("run", str(write_study(tmp_path)), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "complete" and summary["counts"]["accepted"] == 200
    names = {p.name for p in out.iterdir()}
    assert {
        "manifest.json",
        "samples",
        "chunks.json",
        "samples.csv",
        "validation.json",
        "generator.json",
        "metrics.json",
        "report.html",
        "features",
    } <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 5
    assert manifest["environment"]["packages"]["pandas"]
    assert {p["name"] for p in manifest["plugins"]} >= {"patients"}
    assert set(manifest["timings"]) >= {"load_reference", "fit", "generate", "evaluate"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial")]
    rebuilt = tmp_path / "rebuilt.html"
    result = invoke("report", str(out), "--out", str(rebuilt))
    assert result.exit_code == 0, result.output
    html = rebuilt.read_text()
    assert "Validity: rules applied to the generated samples" in html and "patients-age-dates" in html
    assert invoke("report", str(tmp_path)).exit_code == 2


def test_same_seed_same_samples(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    import pandas as pd

    study = write_study(tmp_path, evaluation="[evaluation]\nenabled = false\n")
    for name in ("a", "b"):
        assert invoke("run", str(study), "--out", str(tmp_path / name)).exit_code == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a/samples"), pd.read_parquet(tmp_path / "b/samples")
    )


def test_existing_output_is_never_overwritten_silently(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    out = tmp_path / "run"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    study = write_study(tmp_path, evaluation="[evaluation]\nenabled = false\n")
    result = invoke("run", str(study), "--out", str(out))
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    # --overwrite replaces only a folder that synthgenesis wrote as a run
    result = invoke("run", str(study), "--out", str(out), "--overwrite")
    assert result.exit_code == 2 and "not a synthgenesis run" in result.stderr
    assert (out / "precious.txt").read_text() == "keep me"
    run = tmp_path / "real-run"
    assert invoke("run", str(study), "--out", str(run)).exit_code == 0
    (run / "stale.txt").write_text("from the old run")
    result = invoke("run", str(study), "--out", str(run), "--overwrite")
    assert result.exit_code == 0 and not (run / "stale.txt").exists()
    assert (run / "manifest.json").exists()


def test_config_typo_reports_key_path(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    study = write_study(tmp_path, sampling="[sampling]\nnn = 3\n")
    result = invoke("run", str(study))
    assert result.exit_code == 2
    assert "study.toml: sampling.nn: unknown key; did you mean 'n'?" in result.stderr


def test_incomplete_generation_keeps_samples_and_exits_5(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    from synthgenesis import hookimpl
    from synthgenesis.manager import PluginManager, reset_plugin_manager
    from synthgenesis.rules import CheckResult, Rule, RuleSpec

    class OnlyOld(Rule):
        def _check(self, batch):
            return CheckResult.from_mask(batch["age"] >= 65, lambda i: f"age={batch['age'].iat[i]} below 65")

    class Strict:
        @hookimpl
        def synthgenesis_register_rules(self):
            return [RuleSpec("strict-age", "patients", OnlyOld())]

    pm = PluginManager()
    pm.register(Strict(), name="strict")
    reset_plugin_manager(lambda: pm)
    study = write_study(
        tmp_path,
        # keep the real records the strict rule rejects, so the generator keeps sampling young ages
        reference='[reference]\ndataset = "gbsg2"\ninvalid = "keep"\n',
        sampling="[sampling]\nn = 200\nmax_rounds = 1\n",
        evaluation="[evaluation]\nenabled = false\n",
    )
    out = tmp_path / "run"
    result = invoke("run", str(study), "--out", str(out))
    assert result.exit_code == 5, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and "only" in manifest["error"]
    validation = json.loads((out / "validation.json").read_text())
    assert validation["rules"]["strict-age"]["failed"] > 0
    assert 0 < validation["accepted"] < 200


def test_failure_mid_run_keeps_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lifelines")
    import synthgenesis.evaluation as evaluation

    def broken(*args, **kwargs):
        raise RuntimeError("metric exploded")

    monkeypatch.setattr(evaluation, "evaluate", broken)
    out = tmp_path / "run"
    result = invoke("run", str(write_study(tmp_path)), "--out", str(out))
    assert result.exit_code == 1
    assert "metric exploded" in result.stderr and f"partial results kept in {out}" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["failed_step"] == "evaluate"
    assert list((out / "samples").glob("part-*.parquet"))


def test_evaluate_command(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=300), "g": rng.choice(["a", "b"], 300)})
    real["y"] = (real["x"] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    synth = real.sample(frac=1, random_state=1).assign(x=lambda d: d["x"] + rng.normal(scale=0.3, size=300))
    for name, df in (("real", real.iloc[:200]), ("holdout", real.iloc[200:]), ("synth", synth)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    result = invoke(
        "evaluate",
        "--real",
        str(tmp_path / "real.csv"),
        "--synthetic",
        str(tmp_path / "synth.csv"),
        "--holdout",
        str(tmp_path / "holdout.csv"),
        "--target",
        "y",
        "--metric",
        "fidelity",
        "--metric",
        "utility",
        "--out",
        str(tmp_path / "eval"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "eval/metrics.json").read_text())
    assert "fidelity" in metrics and "utility" in metrics
    assert (tmp_path / "eval/report.html").exists()
    again = invoke(
        "evaluate",
        "--real",
        str(tmp_path / "real.csv"),
        "--synthetic",
        str(tmp_path / "synth.csv"),
        "--out",
        str(tmp_path / "eval"),
    )
    assert again.exit_code == 2 and "already exists" in again.stderr


class Bootstrap:
    """A test plugin whose generator copies real records: a privacy leak by construction."""

    from synthgenesis import hookimpl

    @hookimpl
    def synthgenesis_register_generators(self):

        from synthgenesis.types import Generator, GeneratorSpec

        class Copy(Generator):
            def _fit(self, reference):
                self.reference = reference

            def _sample(self, n, rng):
                return self.reference.iloc[rng.integers(0, len(self.reference), n)].reset_index(drop=True)

        return [GeneratorSpec("patients-bootstrap", "patients", Copy)]


def test_exact_copies_of_patients_are_not_exported(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    from synthgenesis.manager import PluginManager, reset_plugin_manager

    pm = PluginManager()
    pm.register(Bootstrap(), name="bootstrap")
    reset_plugin_manager(lambda: pm)
    study = write_study(
        tmp_path,
        evaluation='[generator]\nname = "patients-bootstrap"\n[evaluation]\nenabled = false\n',
    )
    out = tmp_path / "run"
    result = invoke("run", str(study), "--out", str(out))
    assert result.exit_code == 8, result.output
    assert "exact copies of real records; the samples were not exported" in result.stderr
    assert not (out / "samples").exists() and not (out / "samples.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["counts"]["exact_copies_of_real_records"] > 150
    allowed = write_study(
        tmp_path,
        evaluation='[generator]\nname = "patients-bootstrap"\n[evaluation]\nenabled = false\n'
        "[output]\nallow_exact_copies = true\n",
    )
    assert invoke("run", str(allowed), "--out", str(tmp_path / "allowed")).exit_code == 0


@pytest.mark.slow
def test_survival_study_with_fhir_output(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    study = write_study(
        tmp_path,
        evaluation='[generator]\nname = "patients-survival"\n'
        '[evaluation]\ntransfer_task = "gbsg2-survival"\nmetrics = ["fidelity"]\n'
        '[output]\nformats = [".csv", ".json"]\n',
    )
    out = tmp_path / "run"
    result = invoke("run", str(study), "--out", str(out))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert "privacy" in metrics  # always on for patients, although only fidelity was asked for
    survival = metrics["transfer"]["gbsg2-survival"]
    assert 0.55 < survival["c_index_tstr"] <= 1 and survival["km_max_gap"] < 0.2
    assert (out / "samples.json").exists() and "Survival transfer" in (out / "report.html").read_text()


def test_convert_command(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    source = ROOT / "examples/data/patients/cohort_with_errors.csv"
    result = invoke("convert", "patients", str(source), str(tmp_path / "c.json"))
    assert result.exit_code == 0, result.output
    assert "skipped: patient 1002: age='abc' is not a number" in result.stderr
    assert "wrote 5 records" in result.stdout
    assert invoke("convert", "patients", str(source), str(tmp_path / "c.json")).exit_code == 2
    assert invoke("convert", "patients", str(source), str(tmp_path / "c.txt")).exit_code == 2


def test_block_engine_through_run_and_generate(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    study = write_study(tmp_path, evaluation="[evaluation]\nenabled = false\n")
    one = invoke("run", str(study), "--out", str(tmp_path / "one"), "--block-size", "64", "--json")
    assert one.exit_code == 0, one.output
    two = invoke(
        "generate",
        "patients",
        "--reference",
        "gbsg2",
        "-n",
        "200",
        "--seed",
        "5",
        "--block-size",
        "64",
        "--workers",
        "2",
        "--out",
        str(tmp_path / "two"),
    )
    assert two.exit_code == 0, two.output
    parts = sorted(p.name for p in (tmp_path / "one" / "samples").iterdir())
    assert parts == [
        "part-000000.parquet",
        "part-000001.parquet",
        "part-000002.parquet",
        "part-000003.parquet",
    ]
    for name in parts:  # the same seed and blocks give the same bytes, whatever the workers
        assert (tmp_path / "one" / "samples" / name).read_bytes() == (
            tmp_path / "two" / "samples" / name
        ).read_bytes()
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["execution"]["executor"] == "local" and manifest["execution"]["blocks"] == 4
    assert manifest["counts"]["accepted"] == 200
    bad = invoke("run", str(study), "--out", str(tmp_path / "three"), "--executor", "spark")
    assert bad.exit_code == 2 and "execution.executor: must be 'local' or 'dask'" in bad.stderr


def test_resume_reuses_finished_blocks(tmp_path: Path) -> None:
    pytest.importorskip("lifelines")
    study = write_study(tmp_path, evaluation="[evaluation]\nenabled = false\n")
    out = tmp_path / "run"
    assert invoke("run", str(study), "--out", str(out), "--block-size", "64").exit_code == 0
    original = {p.name: p.read_bytes() for p in (out / "samples").iterdir()}
    # An interrupted run: two blocks never reached the disk.
    (out / "samples" / "part-000001.parquet").unlink()
    (out / "samples" / "part-000003.parquet").unlink()
    result = invoke("run", str(study), "--out", str(out), "--block-size", "64", "--resume")
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in (out / "samples").iterdir()} == original
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["execution"]["resumed_blocks"] == 2 and manifest["execution"]["blocks"] == 4
    # One engine: a run without --executor (in this process) resumes the same way.
    assert invoke("run", str(study), "--out", str(tmp_path / "x"), "--block-size", "64").exit_code == 0
    (tmp_path / "x" / "samples" / "part-000002.parquet").unlink()
    again = invoke("run", str(study), "--out", str(tmp_path / "x"), "--block-size", "64", "--resume")
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "x" / "manifest.json").read_text())["execution"]["resumed_blocks"] == 3
    assert {p.name: p.read_bytes() for p in (tmp_path / "x" / "samples").iterdir()} == original


def test_demo_writes_into_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo study ships inside the package; its output must not land there."""
    pytest.importorskip("lifelines")
    monkeypatch.chdir(tmp_path)
    result = invoke("demo", "-n", "200", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["out"] == "synthgenesis-demo"
    assert (tmp_path / "synthgenesis-demo" / "report.html").exists()
