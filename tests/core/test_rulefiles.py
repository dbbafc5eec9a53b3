"""TOML rule files: ranges with clip repair, allowed values, expressions, features, errors, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgenesis.cli import app
from synthgenesis.errors import ConfigError
from synthgenesis.pipeline import validate_batch
from synthgenesis.rulefiles import load_rule_file
from synthgenesis.types import Domain

DOMAIN = Domain(
    name="toy",
    description="rows",
    featurize=lambda b: pd.DataFrame({"ratio": b["a"] / b["b"]}),
    read=pd.read_csv,
    write=lambda b, p: b.to_csv(p),
    formats=(".csv",),
    id_column="id",
)


def rules(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return load_rule_file(path, DOMAIN)


BATCH = pd.DataFrame(
    {"id": [1, 2, 3, 4], "a": [1.0, 5.0, np.nan, 9.0], "b": [2.0, 1.0, 1.0, 3.0], "g": ["x", "y", "z", None]}
)


def test_range_allowed_expression_and_feature_rules(tmp_path: Path) -> None:
    specs = rules(
        tmp_path,
        """
[[rule]]
name = "a-range"
column = "a"
min = 0
max = 6
[[rule]]
name = "g-values"
column = "g"
allowed = ["x", "y"]
[[rule]]
name = "a-below-2b"
expression = "a < 2 * b"
message = "a is not below twice b"
[[rule]]
name = "ratio-small"
expression = "ratio < 3"
""",
    )
    out = validate_batch(DOMAIN, BATCH, specs)
    assert out.stats["a-range"].examples == ["id=4: a=9 outside [0, 6]"]
    assert out.stats["g-values"].examples == ["id=3: g='z' not in ['x', 'y']"]  # None passes: absent
    # The NaN row passes: a missing value is not a violation.
    assert out.stats["a-below-2b"].examples == [
        "id=2: a is not below twice b",
        "id=4: a is not below twice b",
    ]
    # ratio is a feature, not a column: 5/1 and 9/3 fail.
    assert out.stats["ratio-small"].examples == ["id=2: violates ratio < 3", "id=4: violates ratio < 3"]
    assert out.valid.tolist() == [True, False, False, False]


def test_clip_repair(tmp_path: Path) -> None:
    specs = rules(tmp_path, '[[rule]]\nname = "cap"\ncolumn = "a"\nmax = 6\nrepair = "clip"\n')
    out = validate_batch(DOMAIN, BATCH, specs, repair=True)
    assert out.batch["a"].tolist()[3] == 6 and out.stats["cap"].repaired == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nname = "r"\ncolumn = "a"\nmin = "low"\n', r"rule\[0\]\.min: expected a number"),
        ('[[rule]]\nname = "r"\ncolum = "a"\nmin = 1\n', r"rule\[0\]\.colum: unknown key"),
        ('[[rule]]\nname = "Bad Name"\ncolumn = "a"\nmin = 1\n', r"rule\[0\]\.name: rule name 'Bad Name'"),
        ('[[rule]]\nname = "r"\ncolumn = "a"\n', r"rule\[0\]: give 'column' with"),
        (
            '[[rule]]\nname = "r"\nexpression = "a <"\n',
            r"rule\[0\]\.expression: rule 'r': not a valid expression",
        ),
        ('[[rule]]\nname = "r"\ncolumn = "a"\nmax = 1\nrepair = "drop"\n', r"rule\[0\]\.repair"),
        (
            '[[rule]]\nname = "r"\ncolumn = "a"\nmax = 1\n[[rule]]\nname = "r"\ncolumn = "a"\nmax = 2\n',
            r"rule\[1\]\.name: 'r' appears twice",
        ),
        ("[rules]\nx = 1\n", r"rules: unknown key"),
        ("[[rule\n", r"not valid TOML"),
    ],
)
def test_errors_name_the_rule_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rules(tmp_path, text)


def test_missing_column_fails_records_not_the_run(tmp_path: Path) -> None:
    specs = rules(tmp_path, '[[rule]]\nname = "r"\ncolumn = "nope"\nmax = 1\n')
    out = validate_batch(DOMAIN, BATCH, specs)
    assert not out.valid.any() and "no column or feature named nope" in out.reasons[0][0]


def test_unknown_name_in_expression_fails_every_row_with_file_and_rule(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(
        '[[rule]]\nname = "ok"\ncolumn = "a"\nmax = 100\n[[rule]]\nname = "typo"\nexpression = "aa > 1"\n'
    )
    calls = []
    domain = Domain(
        name="toy",
        description="rows",
        featurize=lambda b: calls.append(len(b)) or pd.DataFrame({"ratio": b["a"] / b["b"]}),
        read=pd.read_csv,
        write=lambda b, p: b.to_csv(p),
        formats=(".csv",),
        id_column="id",
    )
    specs = load_rule_file(tmp_path / "rules.toml", domain)
    out = validate_batch(domain, BATCH, specs)
    # The other rule still ran; the faulty rule failed every row at once, naming file, rule and name.
    assert out.stats["ok"].failed == 0 and out.stats["typo"].failed == 4
    reason = out.reasons[0][0]
    assert reason.startswith("typo: rule cannot be checked (") and "rules.toml, rule[1] 'typo'" in reason
    assert reason.endswith("no column or feature named aa")
    assert calls == [4]  # one featurisation for the batch, not one per row


def test_values_of_the_wrong_kind_fail_their_row_only(tmp_path: Path) -> None:
    specs = rules(tmp_path, '[[rule]]\nname = "t"\nexpression = "t >= 2"\n')
    batch = pd.DataFrame({"id": [1, 2, 3, 4], "t": ["1", "2", "abc", None], "a": 1.0, "b": 1.0})
    out = validate_batch(DOMAIN, batch, specs)
    assert out.valid.tolist() == [False, True, False, True]
    assert out.stats["t"].examples == ["id=1: violates t >= 2", "id=3: t='abc' is not a number"]


def test_presence_rules_fail_missing_values(tmp_path: Path) -> None:
    specs = rules(
        tmp_path,
        '[[rule]]\nname = "has-a"\nexpression = "notna(a)"\n'
        '[[rule]]\nname = "a-or-none"\nexpression = "isna(a) or a > 4"\n',
    )
    out = validate_batch(DOMAIN, BATCH, specs)
    assert out.stats["has-a"].examples == ["id=3: violates notna(a)"]
    assert out.stats["a-or-none"].examples == ["id=1: violates isna(a) or a > 4"]


EXPLOIT = "age.abs.__globals__.get('sys').modules.get('os').system('{command}') == 0"


def _exploit_rules(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.toml"
    expression = EXPLOIT.format(command=f"touch {marker}")
    path.write_text(
        '[[rule]]\nname = "site-age"\ncolumn = "age"\nmin = 0\n'
        f'[[rule]]\nname = "evil"\nexpression = "{expression}"\n'
    )
    return path, marker


def test_exploit_is_refused_at_load_and_nothing_runs(tmp_path: Path) -> None:
    path, marker = _exploit_rules(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_rule_file(path, DOMAIN)
    message = str(caught.value)
    assert message.startswith(f"{path}: rule[1].expression: rule 'evil': refused attribute access '.abs'")
    assert not marker.exists()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("SYNTHGENESIS_TRACEBACK", raising=False)
    return CliRunner()


PATIENTS = Path(__file__).resolve().parents[2] / "examples/data/patients/cohort.csv"


def test_cli_validate_refuses_the_exploit_with_one_line(tmp_path: Path, cli: CliRunner) -> None:
    path, marker = _exploit_rules(tmp_path)
    result = cli.invoke(app, ["validate", "patients", str(PATIENTS), "--rules-file", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("error: ") and str(path) in lines[0]
    assert "rule[1].expression: rule 'evil': refused attribute access '.abs'" in lines[0]
    assert not marker.exists()


def test_cli_run_refuses_a_study_whose_rule_file_has_the_exploit(tmp_path: Path, cli: CliRunner) -> None:
    path, marker = _exploit_rules(tmp_path)
    study = tmp_path / "study.toml"
    study.write_text(
        '[study]\nname = "t"\ndomain = "patients"\nseed = 5\n[reference]\ndataset = "gbsg2"\n'
        f'[sampling]\nn = 20\n[rules]\nfiles = ["{path.name}"]\n'
    )
    result = cli.invoke(app, ["run", str(study), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert "rule 'evil': refused attribute access '.abs'" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not marker.exists() and not (tmp_path / "run").exists()


def test_cli_validate_with_a_safe_rule_file(tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        '[[rule]]\nname = "pulse-pressure"\nexpression = "systolic_bp - diastolic_bp >= 40"\n'
        "[[rule]]\nname = \"recent\"\nexpression = \"encounter_date >= '2024-03-01' and sex in ['F', 'M']\"\n"
    )
    result = cli.invoke(app, ["validate", "patients", str(PATIENTS), "--rules-file", str(path), "--json"])
    summary = json.loads(result.stdout)
    frame = pd.read_csv(PATIENTS)
    pulse_bad = int((frame["systolic_bp"] - frame["diastolic_bp"] < 40).sum())
    recent_bad = int((pd.to_datetime(frame["encounter_date"]) < "2024-03-01").sum())
    assert summary["rules"]["pulse-pressure"]["failed"] == pulse_bad
    assert summary["rules"]["recent"]["failed"] == recent_bad
    assert result.exit_code == (6 if pulse_bad or recent_bad else 0), result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[[rule]]\nname = "caf\xe9"\n', r"\(encoding\): .* is not UTF-8 text \(byte 0xe9 at offset 20\)"),
        (b"\xff\xfe[\x00[\x00", r"is not UTF-8 text"),
        (b"rule = 1\n", r"rule: expected \[\[rule\]\] tables"),
        (b"rule = [1, 2]\n", r"rule\[0\]: expected a \[\[rule\]\] table, got 1"),
        (b'rule = ["x"]\n', r"rule\[0\]: expected a \[\[rule\]\] table, got 'x'"),
        (b'[[rule]]\nname = 5\ncolumn = "a"\nmax = 1\n', r"rule\[0\]\.name: rule name 5 is invalid"),
        (b'[[rule]]\nname = ["a"]\ncolumn = "a"\nmax = 1\n', r"rule\[0\]\.name: rule name \['a'\]"),
        (b'[[rule]]\nname = "r"\ncolumn = 5\nmax = 1\n', r"rule\[0\]\.column: expected a string, got 5"),
        (b'[[rule]]\nname = "r"\ncolumn = ""\nmax = 1\n', r"rule\[0\]\.column: expected a column name"),
        (b'[[rule]]\nname = "r"\nexpression = 5\n', r"rule\[0\]\.expression: rule 'r': expected a string"),
        (
            b'[[rule]]\nname = "r"\nexpression = "a > 1"\nmessage = 3\n',
            r"rule\[0\]\.message: expected a string",
        ),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nmax = 1\ndescription = {x = 1}\n',
            r"rule\[0\]\.description: expected a string",
        ),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nallowed = "x"\n',
            r"rule\[0\]\.allowed: expected a non-empty list",
        ),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nallowed = []\n',
            r"rule\[0\]\.allowed: expected a non-empty list",
        ),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nallowed = [{x = 1}]\n',
            r"rule\[0\]\.allowed\[0\]: expected text",
        ),
        (b'[[rule]]\nname = "r"\ncolumn = "a"\nmin = nan\n', r"rule\[0\]\.min: expected a number, got nan"),
        (b'[[rule]]\nname = "r"\ncolumn = "a"\nmin = 5\nmax = 1\n', r"rule\[0\]: min 5 is above max 1"),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nexpression = "a > 1"\n',
            r"rule\[0\]\.column: not a key of an expression rule",
        ),
        (
            b'[[rule]]\nname = "r"\ncolumn = "a"\nallowed = [1]\nmax = 3\n',
            r"rule\[0\]\.max: not a key of an allowed rule",
        ),
        (b"", None),
    ],
)
def test_malformed_rule_files_are_config_errors(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(content)
    if message is None:
        assert load_rule_file(path, DOMAIN) == {}
        return
    with pytest.raises(ConfigError, match=message) as caught:
        load_rule_file(path, DOMAIN)
    assert caught.value.exit_code == 2 and str(path) in str(caught.value)


def test_rule_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a folder"):
        load_rule_file(tmp_path, DOMAIN)


def test_oversized_rule_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synthgenesis.io as io

    monkeypatch.setattr(io, "MAX_SETTINGS_FILE_BYTES", 100)
    path = tmp_path / "rules.toml"
    path.write_text("# padding\n" * 20)
    with pytest.raises(ConfigError, match=r"rule file .* is larger than 100 bytes; it is not read"):
        load_rule_file(path, DOMAIN)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[[rule]]\nname = "r"\ncolumn = "a"\nmax = 6\n')
    assert list(load_rule_file(path, DOMAIN)) == ["r"]


def test_cli_validate_non_utf8_rule_file_exits_2(tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[[rule]]\nname = "r"\ncolumn = "age"\nmin = 0\nmessage = "âge"\n'.encode("latin-1"))
    result = cli.invoke(app, ["validate", "patients", str(PATIENTS), "--rules-file", str(path)])
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_shipped_site_rules_still_load() -> None:
    from synthgenesis.manager import get_plugin_manager

    path = Path(__file__).resolve().parents[2] / "examples/patients/site_rules.toml"
    specs = load_rule_file(path, get_plugin_manager().domain("patients"))
    assert list(specs) == ["site-adult-only", "site-karnofsky-steps", "site-known-arms", "site-cd4-plausible"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_rule_file(tmp_path / "none.toml", DOMAIN)
