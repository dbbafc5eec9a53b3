"""Study files: unknown keys and wrong types are reported with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgenesis.config import check_against_plugins, load_config, parse_config
from synthgenesis.errors import ConfigError

BASE = {
    "study": {"name": "s", "domain": "patients"},
    "reference": {"dataset": "actg175"},
}


def with_(**sections: dict) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    for key, value in sections.items():
        data.setdefault(key, {}).update(value)
    return data


def test_defaults_fill_in() -> None:
    c = parse_config(with_())
    assert c.sampling.n == 1000 and c.sampling.policy == "repair" and c.reference.holdout_fraction == 0.25


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_(sampling={"nn": 3}), r"sampling.nn: unknown key; did you mean 'n'\?"),
        (with_(sampling={"n": "many"}), r"sampling.n: expected an integer, got 'many'"),
        (with_(sampling={"n": True}), r"sampling.n: expected an integer"),
        (with_(sampling={"n": 0}), r"sampling.n: must be positive"),
        (with_(sampling={"policy": "fix"}), r"sampling.policy: must be 'repair' or 'reject'"),
        (with_(evaluation={"sensitive": "sex"}), r"evaluation.sensitive: expected a list of strings"),
        (with_(evaluation={"sensitive": ["sex", 3]}), r"evaluation.sensitive\[1\]: expected a string"),
        (with_(reference={"holdout_fraction": 1.5}), r"reference.holdout_fraction: must be between 0 and 1"),
        (with_(reference={"path": "x.csv"}), r"reference: give exactly one of"),
        (with_(outptu={"dir": "x"}), r"outptu: unknown key; did you mean 'output'\?"),
        ({"reference": {"dataset": "x"}}, r"study: is required"),
        (with_(study={"domain": 5}), r"study.domain: expected a string"),
    ],
)
def test_bad_configs_name_the_key(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data)


def test_float_accepts_integers() -> None:
    assert parse_config(with_(reference={"holdout_fraction": 0.5})).reference.holdout_fraction == 0.5


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text('[study]\nname = "x"\ndomain = "patients"\nseeed = 3\n[reference]\ndataset = "a"\n')
    with pytest.raises(ConfigError, match=r"typo.toml: study.seeed: unknown key; did you mean 'seed'\?"):
        load_config(typo)


def test_names_are_checked_against_plugins(patients_pm) -> None:
    check_against_plugins(parse_config(with_()), patients_pm)
    cases = [
        (with_(study={"domain": "patiens"}), r"study.domain: unknown domain 'patiens'; available: patients"),
        (with_(generator={"name": "copula"}), r"generator.name: unknown generator 'copula'"),
        (
            with_(generator={"params": {"max_knot": 3}}),
            r"generator.params.max_knot: .* did you mean 'max_knots'",
        ),
        (with_(reference={"dataset": "actg"}), r"reference.dataset: unknown reference dataset 'actg'"),
        (with_(rules={"include": ["patients-bmi"]}), r"rules.include: unknown rule 'patients-bmi'"),
        (with_(evaluation={"transfer_task": "x"}), r"evaluation.transfer_task: unknown transfer task 'x'"),
    ]
    for data, message in cases:
        with pytest.raises(ConfigError, match=message):
            check_against_plugins(parse_config(data), patients_pm)
