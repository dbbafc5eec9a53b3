"""Study files: unknown keys and wrong types are reported with their key path."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest

from synthgenesis.config import (
    STUDY_NAME_PATTERN,
    load_config,
    parse_config,
    study_schema,
)
from synthgenesis.errors import ConfigError
from synthgenesis.study import check_against_plugins

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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_(study={"seed": -1}), r"study.seed: must be between 0 and 4294967295, got -1"),
        (with_(study={"name": "../x"}), r"study.name: '../x' cannot name a run folder"),
        (with_(study={"name": "a..b"}), r"study.name: 'a..b' cannot name a run folder"),
        (
            with_(reference={"invalid": "fix"}),
            r"reference.invalid: must be 'drop', 'refuse' or 'keep', got 'fix'",
        ),
        (with_(reference={"holdout_fraction": True}), r"reference.holdout_fraction: expected a number"),
        (with_(reference={"holdout_fraction": "0.5"}), r"reference.holdout_fraction: expected a number"),
        (with_(sampling={"n": "5"}), r"sampling.n: expected an integer, got '5'"),
        (with_(sampling={"n": 2.0}), r"sampling.n: expected an integer, got 2.0"),
        (with_(output={"csv_formulas": "strip"}), r"output.csv_formulas: must be 'neutralise' or 'keep'"),
        (with_(output={"formats": ["csv"]}), r"output.formats\[0\]: use file suffixes such as '.csv'"),
        (with_(execution={"executor": "ray"}), r"execution.executor: must be 'local' or 'dask', got 'ray'"),
        (with_(execution={"retries": -1}), r"execution.retries: must be at least 0, got -1"),
        (with_(evaluation={"enabled": 1}), r"evaluation.enabled: expected true or false, got 1"),
        (with_(sampling={"enrich": {"column": "e", "value": 1}}), r"sampling.enrich: needs exactly the keys"),
        ({**BASE, "sampling": []}, r"sampling: expected a table, got \[\]"),
        (with_(study={"colour": "red"}), r"study.colour: unknown key; valid keys: name, domain, seed"),
    ],
)
def test_values_and_choices_name_the_key(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(data, source="study.toml")


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_(sampling={"n": 0, "policy": "fix"}, execution={"workers": 0}), source="s.toml")
    assert caught.value.key_path == "sampling.n"
    text = str(caught.value)
    assert text.startswith("s.toml: sampling.n: must be positive, got 0")
    assert "also s.toml: sampling.policy: must be 'repair' or 'reject'" in text
    assert "also s.toml: execution.workers: must be positive" in text


def test_source_is_not_a_key_and_to_dict_has_the_sections() -> None:
    with pytest.raises(ConfigError, match=r"source: unknown key"):
        parse_config(with_(source={}))
    c = parse_config(with_(), source="dir/study.toml")
    assert c.source == "dir/study.toml"
    sections = {"study", "reference", "generator", "sampling", "rules", "evaluation", "output", "execution"}
    assert set(c.to_dict()) == sections
    assert dataclasses.asdict(c.execution)["block_size"] == 10_000


def test_study_schema_describes_the_file() -> None:
    schema = study_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["additionalProperties"] is False and schema["required"] == ["study"]
    defs = schema["$defs"]
    assert all(d["additionalProperties"] is False for d in defs.values())
    assert defs["SamplingSection"]["properties"]["policy"]["enum"] == ["repair", "reject"]
    assert defs["ReferenceSection"]["properties"]["invalid"]["enum"] == ["drop", "refuse", "keep"]
    seed = defs["StudySection"]["properties"]["seed"]
    assert (seed["minimum"], seed["maximum"]) == (0, 2**32 - 1)
    assert defs["StudySection"]["properties"]["name"]["pattern"] == STUDY_NAME_PATTERN
    text = json.dumps(schema)  # plain JSON
    assert '"null"' not in text  # TOML has no null: an optional key is left out
    assert defs["ExecutionSection"]["properties"]["executor"]["enum"] == ["local", "dask"]
    assert defs["RulesSection"]["properties"]["include"] == {
        "items": {"type": "string"},
        "type": "array",
        "title": "Include",
    }
    # every key of the shipped example studies is a key of the schema
    root = Path(__file__).parents[2]
    studies = [root / "examples/patients/study.toml", root / "core/studies/demo.toml"]
    for path in studies:
        data = tomllib.loads(path.read_text())
        for section, values in data.items():
            ref = schema["properties"][section]["$ref"].rsplit("/", 1)[1]
            assert set(values) <= set(defs[ref]["properties"]), (path, section)
