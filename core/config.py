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

The sections are pydantic dataclasses: types are strict (TOML already has
integers, floats, strings and booleans, so ``"5"`` is not taken for ``5``),
choices are ``Literal`` types and unknown keys are refused. Every problem
raises :class:`~synthgenesis.errors.ConfigError` with the file and the key path
(``sampling.n: expected an integer, got 'many'``) and, for typos, the closest
valid key. :func:`study_schema` gives the JSON schema of a study file. Names of
plugins' things (domain, generator and its parameters, dataset, rules, task) are
checked against the plugin manager by :func:`check_against_plugins`.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import ConfigDict, Field, Strict, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from synthgenesis.errors import ConfigError
from synthgenesis.io import read_settings_toml

#: Seeds reach NumPy and scikit-learn, which take 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1
#: Study names become folder names: letters, digits, '.', '_' and '-', no path separators.
STUDY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
_STUDY_NAME_RULE = (
    "use up to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/', '\\' or '..')"
)

# TOML has its own integers, floats, strings and booleans: nothing is converted between them,
# except that an integer is a valid float (strict floats accept integers).
Str = Annotated[str, Strict()]
Bool = Annotated[bool, Strict()]
Positive = Annotated[int, Strict(), Field(gt=0)]

_SECTION = ConfigDict(extra="forbid")


@dataclass(config=_SECTION)
class StudySection:
    """``[study]``: the study's name (its run folder), domain, seed and description."""

    name: Annotated[str, Strict(), Field(pattern=STUDY_NAME_PATTERN, description="names the run folder")]
    domain: Annotated[str, Strict(), Field(description="a domain registered by a plugin")]
    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = 0
    description: Str = ""


@dataclass(config=_SECTION)
class ReferenceSection:
    """``[reference]``: the real data (a registered dataset or a file), holdout share and invalid rows."""

    dataset: Annotated[Str | None, Field(description="a registered reference dataset")] = None
    path: Annotated[Str | None, Field(description="a file, relative to the study file")] = None
    holdout_fraction: Annotated[float, Strict(), Field(gt=0, lt=1)] = 0.25
    #: What to do with real records that break the domain's rules (or hold infinite values)
    #: before fitting: "drop" them (reported), "refuse" the reference, or "keep" them.
    invalid: Literal["drop", "refuse", "keep"] = "drop"


@dataclass(config=_SECTION)
class GeneratorSection:
    """``[generator]``: the generator (default: the domain's) and its parameters."""

    name: Str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(config=_SECTION)
class SamplingSection:
    """``[sampling]``: how many valid samples, repair or reject, rounds, conditions and enrichment."""

    n: Positive = 1000
    policy: Literal["repair", "reject"] = "repair"
    max_rounds: Positive = 10
    conditions: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: ``{column, value, rate}``: raise the share of rows with ``column == value`` to ``rate``.
    enrich: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(config=_SECTION)
class RulesSection:
    """``[rules]``: the domain rules to include or exclude, and rule files to add."""

    include: list[Str] | None = None
    exclude: list[Str] = dataclasses.field(default_factory=list)
    files: list[Str] = dataclasses.field(default_factory=list)


@dataclass(config=_SECTION)
class EvaluationSection:
    """``[evaluation]``: whether and what to evaluate, the transfer task or target, sensitive columns."""

    enabled: Bool = True
    metrics: list[Str] | None = None
    transfer_task: Str | None = None
    target: Str | None = None
    task: Literal["classification", "regression"] | None = None
    sensitive: list[Str] = dataclasses.field(default_factory=list)


@dataclass(config=_SECTION)
class OutputSection:
    """``[output]``: run folder, native exports, overwriting, exact copies and CSV formulas."""

    dir: Str | None = None
    native: Bool = True
    overwrite: Bool = False
    allow_exact_copies: Bool = False
    #: CSV exports put an apostrophe before text starting with = + - @ (spreadsheet formulas);
    #: "keep" writes such text unchanged.
    csv_formulas: Literal["neutralise", "keep"] = "neutralise"
    formats: list[Annotated[str, Strict(), Field(pattern=r"^\.")]] | None = None


@dataclass(config=_SECTION)
class ExecutionSection:
    """``[execution]``: where the seeded blocks run: this machine ("local") or a Dask cluster."""

    #: "local" with one worker (the default) runs the blocks in this process.
    executor: Literal["local", "dask"] = "local"
    workers: Positive = 1
    scheduler: Str | None = None
    block_size: Positive = 10_000
    retries: Annotated[int, Strict(), Field(ge=0)] = 1


@dataclass(config=ConfigDict(extra="forbid", title="synthgenesis study file"))
class StudyConfig:
    """A whole study file, checked; sections are attributes (``config.sampling.n``)."""

    study: StudySection
    reference: ReferenceSection = dataclasses.field(default_factory=ReferenceSection)
    generator: GeneratorSection = dataclasses.field(default_factory=GeneratorSection)
    sampling: SamplingSection = dataclasses.field(default_factory=SamplingSection)
    rules: RulesSection = dataclasses.field(default_factory=RulesSection)
    evaluation: EvaluationSection = dataclasses.field(default_factory=EvaluationSection)
    output: OutputSection = dataclasses.field(default_factory=OutputSection)
    execution: ExecutionSection = dataclasses.field(default_factory=ExecutionSection)
    #: The file the study was read from ("command line" for one built from options). Set after
    #: validation: it is neither a key of the file nor part of :meth:`to_dict` or the schema.
    source: str = dataclasses.field(default="", init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The sections as plain dictionaries (for manifests), without :attr:`source`."""
        data = dataclasses.asdict(self)
        data.pop("source", None)
        return data

    def error(self, key_path: str, message: str) -> ConfigError:
        """A :class:`ConfigError` for ``key_path`` that names this study's file."""
        return ConfigError(key_path, message, self.source)


@functools.cache
def _adapter() -> TypeAdapter[StudyConfig]:
    return TypeAdapter(StudyConfig)


def study_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of a study file, for editors and for checking files elsewhere.

    It states keys, types, choices and bounds. The checks that need more than one key
    (one of ``reference.dataset`` or ``reference.path``, a scheduler only with
    ``executor = 'dask'``, ...) and the names that plugins register are checked when
    the study is loaded, not by the schema.
    """
    schema = _without_null(_adapter().json_schema())
    schema["properties"].pop("source", None)  # set by the loader, not written in the file
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "A synthgenesis study: domain, generator, reference data, rules, evaluation, output.",
        **schema,
    }


def _without_null(node: Any) -> Any:
    """The schema without ``null``: TOML has no null, an optional key is one that is left out."""
    if isinstance(node, list):
        return [_without_null(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_null(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1:
            del out["anyOf"]
            out = {**kept[0], **out}
        else:
            out["anyOf"] = kept
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


# ----------------------------------------------------------------------------- error messages

_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _strip(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and ``None`` alternatives."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _strip(args[0]) if len(args) == 1 else tp
    return tp


def _metadata(tp: Any) -> list[Any]:
    """The constraints attached to ``tp`` through ``Annotated`` (also inside ``X | None``)."""
    found: list[Any] = []
    while True:
        if typing.get_origin(tp) is Annotated:
            _, *meta = typing.get_args(tp)
            for m in meta:
                found.extend(getattr(m, "metadata", [m]))
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return found
            tp = args[0]
        else:
            return found


def _describe(tp: Any) -> str:
    tp = _strip(tp)
    if tp in _TYPE_WORDS:
        return _TYPE_WORDS[tp]
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_describe(inner).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "a table"
    if origin is Literal:
        return _choices(tp)
    return getattr(tp, "__name__", str(tp))


def _choices(tp: Any) -> str:
    words = [repr(v) for v in typing.get_args(_strip(tp))]
    return " or ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} or {words[-1]}"


def _annotation_at(loc: tuple[Any, ...]) -> tuple[Any, list[str]]:
    """The declared type at a pydantic error location, and the keys its table accepts."""
    tp: Any = StudyConfig
    keys: list[str] = []
    for part in loc:
        bare = _strip(tp)
        if dataclasses.is_dataclass(bare):
            hints = typing.get_type_hints(bare, include_extras=True)
            keys = [f.name for f in dataclasses.fields(bare) if f.init]
            if part not in hints:
                return None, keys
            tp = hints[part]
        elif typing.get_origin(bare) is list and isinstance(part, int):
            tp = typing.get_args(bare)[0]
        else:
            return Any, keys
    return tp, keys


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _bounds_message(tp: Any, value: Any) -> str:
    low: Any = None
    high: Any = None
    low_open = high_open = False
    for m in _metadata(tp):
        if isinstance(m, annotated_types.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, annotated_types.Ge):
            low = m.ge
        elif isinstance(m, annotated_types.Lt):
            high, high_open = m.lt, True
        elif isinstance(m, annotated_types.Le):
            high = m.le
    if low is not None and high is not None:
        exclusive = " (exclusive)" if low_open and high_open else ""
        return f"must be between {low} and {high}{exclusive}, got {value!r}"
    if low == 0 and low_open:
        return f"must be positive, got {value!r}"
    if low is not None:
        return f"must be {'greater than' if low_open else 'at least'} {low}, got {value!r}"
    return f"must be {'less than' if high_open else 'at most'} {high}, got {value!r}"


def _message(error: Any) -> tuple[str, str]:
    """Key path and plain message for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    tp, keys = _annotation_at(loc)
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(keys)}"
        return _path(loc), f"unknown key{hint}"
    if kind == "missing":
        return _path(loc), "is required"
    if kind == "literal_error":
        return _path(loc), f"must be {_choices(tp)}, got {value!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _path(loc), _bounds_message(tp, value)
    if kind == "string_pattern_mismatch":
        if loc == ("study", "name"):
            return _path(loc), f"{value!r} cannot name a run folder: {_STUDY_NAME_RULE}"
        if loc[:2] == ("output", "formats"):
            return _path(loc), f"use file suffixes such as '.csv', got {value!r}"
        return _path(loc), f"{value!r} does not match {error.get('ctx', {}).get('pattern')!r}"
    if kind.endswith(("_type", "_parsing")) or kind.startswith("dataclass"):
        return _path(loc), f"expected {_describe(tp)}, got {value!r}"
    return _path(loc), error["msg"]


# ----------------------------------------------------------------------------- loading


def parse_config(data: dict[str, Any], source: str = "") -> StudyConfig:
    """Build a :class:`StudyConfig` from a parsed TOML mapping, checking keys, types and values.

    Every problem is reported at once: the first names the key path of the error,
    the others follow on their own lines.
    """
    if not isinstance(data, dict):
        raise ConfigError("(top level)", f"expected a table, got {data!r}", source)
    try:
        config = _adapter().validate_python(data)
    except ValidationError as exc:
        problems = [_message(e) for e in exc.errors(include_url=False)]
        (path, message), rest = problems[0], problems[1:]
        where = f"{source}: " if source else ""
        also = "".join(f"\n  also {where}{p}: {m}" for p, m in rest)
        raise ConfigError(path, message + also, source) from None
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


def _check_values(c: StudyConfig) -> None:
    """The rules that need more than one key, or the limits in force, which a schema cannot state."""
    if ".." in c.study.name:
        raise c.error("study.name", f"{c.study.name!r} cannot name a run folder: {_STUDY_NAME_RULE}")
    if c.sampling.enrich:
        unknown = set(c.sampling.enrich) - {"column", "value", "rate"}
        missing = {"column", "value", "rate"} - set(c.sampling.enrich)
        if unknown or missing:
            raise c.error("sampling.enrich", "needs exactly the keys column, value and rate")
        rate = c.sampling.enrich["rate"]
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise c.error("sampling.enrich.rate", f"must be a number in [0, 1], got {rate!r}")
    if c.reference.dataset is not None and c.reference.path is not None:
        raise c.error(
            "reference", "give exactly one of 'dataset' (a registered reference) or 'path' (a file)"
        )
    ex = c.execution
    if ex.scheduler is not None and ex.executor != "dask":
        raise c.error("execution.scheduler", "a scheduler address needs executor = 'dask'")


def resolve(c: StudyConfig, path: str) -> Path:
    """A path written in a study file, taken relative to that file's folder (as tox and pytest do).

    Paths given on the command line (``source == "command line"``) stay
    relative to the current directory.
    """
    p = Path(path).expanduser()
    if not p.is_absolute() and c.source and c.source != "command line":
        return Path(c.source).parent / p
    return p
