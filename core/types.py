"""Registration records and the base contracts plugins implement.

A *batch* is a :class:`pandas.DataFrame`, one sample per row, whatever the
domain: tabular domains (patients, fraud) use ordinary columns; object domains
keep their native object in one column named by :attr:`Domain.sample_column`
(a pymatgen ``Structure``, a SMILES string, a scenario ``dict``). This keeps
masks, selection, concatenation and Parquet storage uniform across domains
while each sample stays in its field's own type.

Hooks return the records defined here. Every record checks its ``name`` on
creation, so a typo in a plugin fails when the plugin registers, not later.
"""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError, NotFittedError
from synthgenesis.limits import cap_reason, limits

_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")

Batch = pd.DataFrame

#: Column a domain reader fills with the parse error of a record it could not
#: read (``None`` for records read fine). Such rows fail the ``read`` rule in
#: validation instead of aborting the whole file.
READ_ERROR_COLUMN = "_read_error"
TaskKind = Literal["classification", "regression", "survival"]


def check_name(name: object, kind: str) -> str:
    """Return ``name`` if it is a valid registration name, else raise ``ValueError``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{kind} name {name!r} is invalid: use lower-case letters, digits, '_', '-' or '.', "
            f"starting with a letter"
        )
    return name


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a rule over a batch: which rows pass, and why the others fail.

    ``reasons[i]`` is ``None`` where ``mask[i]`` is True and a short sentence
    naming the offending values otherwise.
    """

    mask: np.ndarray
    reasons: list[str | None]

    def __post_init__(self) -> None:
        mask = np.asarray(self.mask, dtype=bool)
        object.__setattr__(self, "mask", mask)
        if mask.ndim != 1 or len(self.reasons) != len(mask):
            raise ValueError(
                f"CheckResult needs a 1-D mask and one reason per row "
                f"(got {mask.shape} mask, {len(self.reasons)} reasons)"
            )
        limit = limits().max_reason_chars
        if any(r is not None and len(r) > limit for r in self.reasons):
            object.__setattr__(self, "reasons", [r if r is None else cap_reason(r) for r in self.reasons])

    @classmethod
    def from_mask(cls, mask: np.ndarray | pd.Series, reason: Callable[[int], str]) -> CheckResult:
        """Build from a boolean mask, calling ``reason(i)`` for each failing row."""
        mask = np.asarray(mask, dtype=bool)
        return cls(mask, [None if ok else reason(i) for i, ok in enumerate(mask)])

    @property
    def n_failed(self) -> int:
        return int((~self.mask).sum())


# --------------------------------------------------------------------------- contracts


class Generator(ABC):
    """Learns from a reference batch and samples new ones.

    Plugins implement ``_fit`` and ``_sample``; the public ``fit`` and
    ``sample`` validate arguments and state. A generator with
    ``requires_fit = False`` (a rule-based simulator) samples without ``fit``.
    ``sample`` must be deterministic given ``seed``.

    State saves without pickle: ``get_state`` returns JSON-serialisable data
    and ``from_state`` rebuilds the generator from it.
    """

    requires_fit: ClassVar[bool] = True

    def __init__(self) -> None:
        self._fitted = False

    @property
    def fitted(self) -> bool:
        return self._fitted

    def fit(self, reference: Batch) -> Generator:
        if not isinstance(reference, pd.DataFrame):
            raise InvalidDataError(
                f"{type(self).__name__}.fit expects a pandas DataFrame batch, got {type(reference).__name__}"
            )
        if len(reference) == 0:
            raise InvalidDataError(f"{type(self).__name__}.fit got an empty reference table")
        self._fit(reference)
        self._fitted = True
        return self

    def sample(self, n: int, seed: int) -> Batch:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        if self.requires_fit and not self._fitted:
            raise NotFittedError(f"{type(self).__name__} must be fitted before sample(); call fit()")
        batch = self._sample(int(n), np.random.default_rng(seed))
        if len(batch) != n:
            raise RuntimeError(f"{type(self).__name__}._sample returned {len(batch)} rows, expected {n}")
        return batch.reset_index(drop=True)

    def _fit(self, reference: Batch) -> None:  # noqa: B027 - optional for simulators
        """Learn from ``reference``; simulators may leave this empty."""

    @abstractmethod
    def _sample(self, n: int, rng: np.random.Generator) -> Batch:
        """Return exactly ``n`` samples drawn with ``rng``."""

    def get_state(self) -> dict[str, Any]:
        """JSON-serialisable state (parameters and learned values)."""
        raise NotImplementedError(f"{type(self).__name__} does not support saving its state")

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Generator:
        """Rebuild a generator from :meth:`get_state` output."""
        raise NotImplementedError(f"{cls.__name__} does not support loading a state")


class Validator(ABC):
    """A per-sample check. Returns ``None`` when the sample passes, else the reason.

    Validators never raise on a bad sample: any exception raised by ``_validate``
    is caught by :meth:`validate` and becomes the reason, so one bad record never
    kills a batch.
    """

    @abstractmethod
    def _validate(self, sample: Any) -> str | None: ...

    def validate(self, sample: Any) -> str | None:
        try:
            return self._validate(sample)
        except Exception as exc:  # a malformed sample is a failing sample
            return f"could not be checked: {type(exc).__name__}: {exc}"

    def check(self, batch: Batch, sample_column: str | None) -> CheckResult:
        """Apply :meth:`validate` to every sample of ``batch``."""
        if sample_column is None:
            samples: Sequence[Any] = [row for _, row in batch.iterrows()]
        else:
            samples = batch[sample_column].tolist()
        reasons = [self.validate(s) for s in samples]
        return CheckResult(np.array([r is None for r in reasons], dtype=bool), reasons)


class FunctionValidator(Validator):
    """Wrap a plain function ``sample -> reason | None`` as a :class:`Validator`."""

    def __init__(self, func: Callable[[Any], str | None]) -> None:
        self.func = func

    def _validate(self, sample: Any) -> str | None:
        return self.func(sample)


class Constraint(ABC):
    """A vectorised domain rule over a batch, with optional repair.

    ``check`` returns a :class:`CheckResult`. ``repair`` returns a batch of the
    same length where failing rows were fixed where possible; rows it cannot
    fix are returned unchanged (the pipeline re-checks after repair). A repair
    may reorder rows within the batch (sorting an account's transactions by
    time, say): the pipeline judges the batch it gets back, by position.

    A rule that compares records with each other (unique ids, order within an
    account) sets ``compares_records = True``: when a large file is checked in
    chunks it only sees one chunk at a time, and the result says so.
    """

    repairable: ClassVar[bool] = False
    compares_records: ClassVar[bool] = False

    @abstractmethod
    def _check(self, batch: Batch) -> CheckResult: ...

    def check(self, batch: Batch) -> CheckResult:
        result = self._check(batch)
        if len(result.mask) != len(batch):
            raise RuntimeError(
                f"{type(self).__name__}.check returned {len(result.mask)} results for {len(batch)} rows"
            )
        return result

    def _repair(self, batch: Batch) -> Batch:
        raise NotImplementedError(f"{type(self).__name__} cannot repair")

    def repair(self, batch: Batch) -> Batch:
        if not self.repairable:
            raise NotImplementedError(f"{type(self).__name__} cannot repair")
        repaired = self._repair(batch.copy())
        if len(repaired) != len(batch):
            raise RuntimeError(f"{type(self).__name__}.repair changed the number of rows")
        return repaired


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ReferenceDataset:
    """A real dataset a domain can fit on and evaluate against.

    ``load`` returns the batch; it must work offline for built-in datasets.
    ``licence`` and ``citation`` are shown by ``synthgenesis domains``.
    """

    name: str
    domain: str
    load: Callable[[], Batch]
    description: str = ""
    licence: str = ""
    citation: str = ""
    target: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "reference dataset")


@dataclass(frozen=True)
class Domain:
    """A kind of sample: its schema, features, native file formats and real data.

    - ``featurize(batch) -> DataFrame`` gives the numeric/categorical features
      every generic metric uses (one row per sample, same index).
    - ``read(path) -> batch`` and ``write(batch, path)`` handle the native
      formats listed in ``formats`` (file suffixes such as ``".cif"``).
    - ``to_storage``/``from_storage`` turn a batch into a Parquet-safe table and
      back (e.g. a ``Structure`` column into CIF text). Identity by default.
    - ``read_chunks(path, size)``, optional, yields the file's records in
      batches of at most ``size``, as ``read`` would give them (same columns,
      record ids and read errors), so large files are validated with bounded
      memory (:func:`synthgenesis.execution.validate_file`). Without it the
      file is read whole with ``read`` and then cut into batches.
    """

    name: str
    description: str
    featurize: Callable[[Batch], pd.DataFrame]
    read: Callable[[Path], Batch]
    write: Callable[[Batch, Path], None]
    formats: tuple[str, ...]
    sample_column: str | None = None
    sample_type: str = "table row"
    extra: str | None = None
    schema: Mapping[str, str] = field(default_factory=dict)
    reference_datasets: tuple[ReferenceDataset, ...] = ()
    #: Samples describe people: privacy metrics are always computed, and a
    #: synthetic set holding exact copies of real records is not exported
    #: unless the study allows it (``output.allow_exact_copies``).
    privacy_sensitive: bool = False
    to_storage: Callable[[Batch], pd.DataFrame] | None = None
    from_storage: Callable[[pd.DataFrame], Batch] | None = None
    read_chunks: Callable[[Path, int], Iterator[Batch]] | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "domain")
        for ds in self.reference_datasets:
            if ds.domain != self.name:
                raise ValueError(
                    f"reference dataset {ds.name!r} says domain {ds.domain!r} "
                    f"but is registered by domain {self.name!r}"
                )
        if not self.formats or not all(f.startswith(".") for f in self.formats):
            raise ValueError(f"domain {self.name!r}: formats must be suffixes like '.csv'")


@dataclass(frozen=True)
class GeneratorSpec:
    """A generator a plugin offers: ``factory(**params) -> Generator``."""

    name: str
    domain: str
    factory: Callable[..., Generator]
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name, "generator")
        check_name(self.domain, "domain")

    def parameters(self) -> dict[str, inspect.Parameter]:
        """Keyword parameters the factory accepts (used to check study configs)."""
        sig = inspect.signature(self.factory)
        return {
            n: p
            for n, p in sig.parameters.items()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and n != "self"
        }

    def create(self, **params: Any) -> Generator:
        accepted = self.parameters()
        takes_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(self.factory).parameters.values())
        unknown = sorted(set(params) - set(accepted))
        if unknown and not takes_any:
            raise TypeError(
                f"generator {self.name!r} does not take {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(accepted)) or '(no parameters)'}"
            )
        for key, value in params.items():
            if key in accepted:
                _check_parameter(self.name, key, value, self._hints().get(key))
        return self.factory(**params)

    def _hints(self) -> dict[str, Any]:
        target = self.factory.__init__ if inspect.isclass(self.factory) else self.factory  # type: ignore[misc]
        try:
            return typing.get_type_hints(target)
        except Exception:  # annotations a plugin wrote that cannot be resolved: no type check
            return {}


def _check_parameter(generator: str, key: str, value: Any, hint: Any) -> None:
    """Refuse a parameter value of the wrong simple type, or a number that is not finite.

    ``hint`` is the factory's annotation; parameters annotated with a union, a
    container or nothing are checked by the factory itself.
    """
    where = f"generator {generator!r} parameter {key!r}"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
        if value is None:
            return
        hint = args[0]
    if hint is bool and not isinstance(value, bool):
        raise ValueError(f"{where} expects true or false, got {value!r}")
    if hint is int and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
        raise ValueError(f"{where} expects an integer, got {value!r}")
    if hint is int and abs(int(value)) > 2**53:
        raise ValueError(f"{where} is out of range: {value!r}")
    if hint is float and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
        raise ValueError(f"{where} expects a number, got {value!r}")
    if hint is str and not isinstance(value, str):
        raise ValueError(f"{where} expects a string, got {value!r}")


@dataclass(frozen=True)
class ValidatorSpec:
    """A per-sample validator registered for a domain."""

    name: str
    domain: str
    validator: Validator
    description: str = ""
    #: Enforced unless a study or command names its rules; ``False`` makes an opt-in rule,
    #: applied only when named (``--rule NAME``, ``[rules] include``).
    default: bool = True

    def __post_init__(self) -> None:
        check_name(self.name, "validator")
        if not isinstance(self.validator, Validator):
            raise TypeError(f"validator {self.name!r} must be a Validator instance")


@dataclass(frozen=True)
class ConstraintSpec:
    """A vectorised domain rule registered for a domain."""

    name: str
    domain: str
    constraint: Constraint
    description: str = ""
    #: Enforced unless a study or command names its rules; ``False`` makes an opt-in rule,
    #: applied only when named (``--rule NAME``, ``[rules] include``).
    default: bool = True

    def __post_init__(self) -> None:
        check_name(self.name, "constraint")
        if not isinstance(self.constraint, Constraint):
            raise TypeError(f"constraint {self.name!r} must be a Constraint instance")


@dataclass(frozen=True)
class TransferTask:
    """A supervised task on real data used for train-on-synthetic/test-on-real.

    ``target`` names the label column of the domain's batch (or of the features
    returned by ``features``). ``features`` defaults to the domain featurizer.

    Classification and regression tasks are evaluated by the core's utility
    metrics. A task can bring its own ``evaluator(train, synthetic, holdout,
    seed)`` for what the core cannot judge (a survival model's concordance, a
    property model on crystal graphs); it returns ``{"metrics": {...},
    "sections": [{"title": ..., "html": ...}]}`` and its metrics land under
    ``transfer`` in ``metrics.json``. ``survival`` tasks must have one.
    """

    name: str
    domain: str
    reference: str
    target: str
    kind: TaskKind
    description: str = ""
    features: Callable[[Batch], pd.DataFrame] | None = None
    sensitive: tuple[str, ...] = ()
    evaluator: Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, int], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "transfer task")
        if self.kind not in ("classification", "regression", "survival"):
            raise ValueError(
                f"transfer task {self.name!r}: kind must be classification, regression or survival"
            )
        if self.kind == "survival" and self.evaluator is None:
            raise ValueError(f"transfer task {self.name!r}: a survival task needs an evaluator")
