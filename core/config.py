"""Study configuration files (TOML).

A study names a domain, a generator with its parameters, a real reference
dataset, the rules to enforce, what to evaluate and where to write::

    [study]
    name = "actg175-copula"
    domain = "patients"
    seed = 7

    [reference]
    dataset = "actg175"        # or: path = "my_cohort.csv"
    holdout_fraction = 0.3

    [generator]
    name = "patients-gaussian-copula"
    params = { max_knots = 200 }

    [sampling]
    n = 2000
    policy = "repair"          # or "reject"
    enrich = { column = "event", value = 1, rate = 0.4 }   # optional

    [evaluation]
    transfer_task = "actg175-event"

    [output]
    dir = "runs/actg175-copula"

A simulator that needs no fit (``requires_fit = False``) may run without a
``[reference]``: it then generates and validates, and nothing is evaluated.

Unknown keys and wrong types raise :class:`~synthgenesis.errors.ConfigError`
with the key path (``sampling.n: expected an integer, got 'many'``) and, for
typos, the closest valid key. Names of plugins' things (domain, generator and
its parameters, dataset, rules, task) are checked against the plugin manager
by :func:`check_against_plugins`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthgenesis.errors import ConfigError, SynthgenesisError
from synthgenesis.io import read_settings_toml
from synthgenesis.limits import limits
from synthgenesis.manager import PluginManager


@dataclass
class StudySection:
    name: str
    domain: str
    seed: int = 0
    description: str = ""


@dataclass
class ReferenceSection:
    dataset: str | None = None
    path: str | None = None
    holdout_fraction: float = 0.25
    #: What to do with real records that break the domain's rules (or hold infinite values)
    #: before fitting: "drop" them (reported), "refuse" the reference, or "keep" them.
    invalid: str = "drop"


@dataclass
class GeneratorSection:
    name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class SamplingSection:
    n: int = 1000
    policy: str = "repair"
    max_rounds: int = 10
    conditions: dict[str, Any] = field(default_factory=dict)
    enrich: dict[str, Any] = field(default_factory=dict)


@dataclass
class RulesSection:
    include: list[str] | None = None
    exclude: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class EvaluationSection:
    enabled: bool = True
    metrics: list[str] | None = None
    transfer_task: str | None = None
    target: str | None = None
    task: str | None = None
    sensitive: list[str] = field(default_factory=list)


@dataclass
class OutputSection:
    dir: str | None = None
    native: bool = True
    overwrite: bool = False
    allow_exact_copies: bool = False
    #: CSV exports put an apostrophe before text starting with = + - @ (spreadsheet formulas);
    #: "keep" writes such text unchanged.
    csv_formulas: str = "neutralise"
    formats: list[str] | None = None


@dataclass
class ExecutionSection:
    executor: str | None = None  # None: in-process; "local" or "dask": the block engine
    workers: int = 1
    scheduler: str | None = None
    block_size: int = 10_000
    retries: int = 1


@dataclass
class StudyConfig:
    study: StudySection
    reference: ReferenceSection = field(default_factory=ReferenceSection)
    generator: GeneratorSection = field(default_factory=GeneratorSection)
    sampling: SamplingSection = field(default_factory=SamplingSection)
    rules: RulesSection = field(default_factory=RulesSection)
    evaluation: EvaluationSection = field(default_factory=EvaluationSection)
    output: OutputSection = field(default_factory=OutputSection)
    execution: ExecutionSection = field(default_factory=ExecutionSection)
    source: str = field(default="", metadata={"internal": True})

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("source", None)
        return data

    def error(self, key_path: str, message: str) -> ConfigError:
        return ConfigError(key_path, message, self.source)


_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _describe(tp: Any) -> str:
    if tp in _TYPE_WORDS:
        return _TYPE_WORDS[tp]
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_describe(inner).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return "a table"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, path: str, source: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], path, source)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected a table, got {value!r}", source)
        return _build(tp, value, path, source)  # type: ignore[arg-type]
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(path, f"expected {_describe(tp)}, got {value!r}", source)
        return [_coerce(v, inner, f"{path}[{i}]", source) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected a table, got {value!r}", source)
        return dict(value)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is Any:
        return value
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise ConfigError(path, f"expected {_describe(tp)}, got {value!r}", source)
    return value


def _build(cls: type, data: dict[str, Any], prefix: str, source: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key not in fields:
            path = f"{prefix}.{key}" if prefix else key
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(fields)}"
            raise ConfigError(path, f"unknown key{hint}", source)
    kwargs = {}
    for name, f in fields.items():
        path = f"{prefix}.{name}" if prefix else name
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], path, source)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(path, "is required", source)
    return cls(**kwargs)


def parse_config(data: dict[str, Any], source: str = "") -> StudyConfig:
    """Build a :class:`StudyConfig` from a parsed TOML mapping, checking keys and types."""
    config: StudyConfig = _build(StudyConfig, data, "", source)
    config.source = source
    _check_values(config)
    return config


def load_config(path: str | Path, overrides: dict[str, dict[str, Any]] | None = None) -> StudyConfig:
    """Read and check a study TOML file; ``overrides`` replace keys of its sections (command-line options)."""
    path = Path(path)
    data = read_toml(path)
    execution = data.get("execution")
    scheduler = execution.get("scheduler") if isinstance(execution, dict) else None
    if isinstance(scheduler, str) and not _loopback(scheduler):
        # A Dask client unpickles what the scheduler sends: an address from a shared file could run code here.
        raise ConfigError(
            "execution.scheduler",
            f"{scheduler!r} is not on this machine; a study file may only name a local scheduler "
            "(tcp://127.0.0.1:PORT). Give a remote one with --scheduler, which you type yourself",
            str(path),
        )
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    return parse_config(data, source=str(path))


def _loopback(address: str) -> bool:
    """Whether a scheduler address such as ``tcp://127.0.0.1:8786`` points at this machine."""
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_toml(path: Path, what: str = "study file") -> dict[str, Any]:
    """Parse a study file; see :func:`synthgenesis.io.read_settings_toml`."""
    return read_settings_toml(path, what)


#: Study names become folder names: letters, digits, '.', '_' and '-', no path separators.
_STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: Seeds reach NumPy and scikit-learn, which take 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1


def _check_values(c: StudyConfig) -> None:
    if not _STUDY_NAME.match(c.study.name) or ".." in c.study.name:
        raise c.error(
            "study.name",
            f"{c.study.name!r} cannot name a run folder: use up to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (no '/', '\\' or '..')",
        )
    if not 0 <= c.study.seed <= MAX_SEED:
        raise c.error("study.seed", f"must be between 0 and {MAX_SEED}, got {c.study.seed}")
    if c.sampling.n <= 0:
        raise c.error("sampling.n", f"must be positive, got {c.sampling.n}")
    in_memory = limits().max_samples_in_memory
    if c.execution.executor is None and c.sampling.n > in_memory:
        raise c.error(
            "sampling.n",
            f"{c.sampling.n:,} samples are more than the {in_memory:,} an in-process run holds in memory; "
            "use the block engine, which streams them to disk (--executor local, or [execution] "
            "executor = 'local'), or raise SYNTHGENESIS_MAX_SAMPLES_IN_MEMORY",
        )
    if c.sampling.policy not in ("repair", "reject"):
        raise c.error("sampling.policy", f"must be 'repair' or 'reject', got {c.sampling.policy!r}")
    if c.sampling.max_rounds <= 0:
        raise c.error("sampling.max_rounds", "must be positive")
    if c.sampling.enrich:
        unknown = set(c.sampling.enrich) - {"column", "value", "rate"}
        missing = {"column", "value", "rate"} - set(c.sampling.enrich)
        if unknown or missing:
            raise c.error("sampling.enrich", "needs exactly the keys column, value and rate")
        rate = c.sampling.enrich["rate"]
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise c.error("sampling.enrich.rate", f"must be a number in [0, 1], got {rate!r}")
    if c.reference.invalid not in ("drop", "refuse", "keep"):
        raise c.error("reference.invalid", f"must be 'drop', 'refuse' or 'keep', got {c.reference.invalid!r}")
    if not 0 < c.reference.holdout_fraction < 1:
        raise c.error("reference.holdout_fraction", "must be between 0 and 1 (exclusive)")
    if c.reference.dataset is not None and c.reference.path is not None:
        raise c.error(
            "reference", "give exactly one of 'dataset' (a registered reference) or 'path' (a file)"
        )
    ex = c.execution
    if ex.executor not in (None, "local", "dask"):
        raise c.error("execution.executor", f"must be 'local' or 'dask', got {ex.executor!r}")
    if ex.workers < 1 or ex.block_size < 1 or ex.retries < 0:
        raise c.error("execution", "workers and block_size must be at least 1, retries at least 0")
    if ex.scheduler is not None and ex.executor != "dask":
        raise c.error("execution.scheduler", "a scheduler address needs executor = 'dask'")
    if ex.executor is not None and c.rules.files:
        raise c.error(
            "rules.files", "rule files run in-process only; drop execution.executor or the rule files"
        )
    if c.output.csv_formulas not in ("neutralise", "keep"):
        raise c.error("output.csv_formulas", f"must be 'neutralise' or 'keep', got {c.output.csv_formulas!r}")
    for i, suffix in enumerate(c.output.formats or []):
        if not suffix.startswith("."):
            raise c.error(f"output.formats[{i}]", f"use file suffixes such as '.csv', got {suffix!r}")
    if c.evaluation.task not in (None, "classification", "regression"):
        raise c.error("evaluation.task", "must be 'classification' or 'regression'")


def resolve(c: StudyConfig, path: str) -> Path:
    """A path written in a study file, taken relative to that file's folder (as tox and pytest do).

    Paths given on the command line (``source == "command line"``) stay
    relative to the current directory.
    """
    p = Path(path).expanduser()
    if not p.is_absolute() and c.source and c.source != "command line":
        return Path(c.source).parent / p
    return p


def study_rules(c: StudyConfig, pm: PluginManager) -> dict[str, Any]:
    """The rules a study enforces: the domain's (filtered) plus its rule files."""
    from synthgenesis.rulefiles import load_rule_file

    rules: dict[str, Any] = pm.rules(c.study.domain, c.rules.include)
    rules = {n: r for n, r in rules.items() if n not in set(c.rules.exclude)}
    domain = pm.domain(c.study.domain)
    for file in c.rules.files:
        for name, spec in load_rule_file(resolve(c, file), domain).items():
            if name in rules:
                raise ConfigError("rules.files", f"rule {name!r} in {file} is already defined", c.source)
            rules[name] = spec
    return rules


def check_against_plugins(c: StudyConfig, pm: PluginManager) -> None:
    """Check every name in the study against what the installed plugins register."""

    def wrap(key: str, exc: SynthgenesisError) -> ConfigError:
        return c.error(key, str(exc))

    try:
        domain = pm.domain(c.study.domain)
    except SynthgenesisError as exc:
        raise wrap("study.domain", exc) from exc
    unknown = [f for f in c.output.formats or [] if f not in domain.formats]
    if unknown:
        raise c.error(
            "output.formats", f"{domain.name} writes {', '.join(domain.formats)}, not {', '.join(unknown)}"
        )
    try:
        spec = (
            pm.generator(c.generator.name, c.study.domain)
            if c.generator.name
            else pm.default_generator(c.study.domain)
        )
    except SynthgenesisError as exc:
        raise wrap("generator.name", exc) from exc
    accepted = spec.parameters()
    for key in c.generator.params:
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"it takes: {', '.join(accepted) or 'nothing'}"
            raise c.error(f"generator.params.{key}", f"generator {spec.name!r} has no such parameter; {hint}")
    try:
        needs_fit = spec.create(**c.generator.params).requires_fit
    except (TypeError, ValueError, ArithmeticError, MemoryError) as exc:
        raise c.error("generator.params", str(exc)) from exc
    if c.reference.dataset is not None:
        try:
            pm.reference_dataset(c.reference.dataset, c.study.domain)
        except SynthgenesisError as exc:
            raise wrap("reference.dataset", exc) from exc
    elif c.reference.path is None:
        # No real data: only a simulator that needs no fit can run, and nothing can be evaluated.
        if needs_fit:
            raise c.error(
                "reference",
                f"generator {spec.name!r} learns from real data: give 'dataset' (a registered reference) "
                "or 'path' (a file)",
            )
        if c.evaluation.transfer_task is not None:
            raise c.error("evaluation.transfer_task", "a transfer task needs a [reference] to test on")
    for key, names in (("rules.include", c.rules.include or []), ("rules.exclude", c.rules.exclude)):
        try:
            pm.rules(c.study.domain, names)
        except SynthgenesisError as exc:
            raise wrap(key, exc) from exc
    try:
        study_rules(c, pm)
    except SynthgenesisError as exc:
        raise wrap("rules.files", exc) from exc
    if c.evaluation.transfer_task is not None:
        try:
            task = pm.transfer_task(c.evaluation.transfer_task)
        except SynthgenesisError as exc:
            raise wrap("evaluation.transfer_task", exc) from exc
        if task.domain != c.study.domain:
            raise c.error(
                "evaluation.transfer_task",
                f"task {task.name!r} is for domain {task.domain!r}, not {c.study.domain!r}",
            )
