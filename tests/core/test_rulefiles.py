"""TOML rule files: ranges with clip repair, allowed values, expressions, features, and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
        ('[[rule]]\nname = "r"\nexpression = "a <"\n', r"rule\[0\]\.expression: not a valid expression"),
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


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_rule_file(tmp_path / "none.toml", DOMAIN)
