"""Registration records and the base contracts plugins implement.

A *batch* is a :class:`pandas.DataFrame`, one sample per row, whatever the
domain: tabular domains (patients, fraud) use ordinary columns; object domains
keep their native object in one column named by :attr:`Domain.sample_column`
(a pymatgen ``Structure``, a SMILES string, a scenario ``dict``). This keeps
masks, selection, concatenation and Parquet storage uniform across domains
while each sample stays in its field's own type.

Hooks return the records defined here. Every record checks its ``name`` on
creation, so a typo in a plugin fails when the plugin registers, not later.
The rule contract (:class:`Rule`, :class:`SampleRule`, :class:`RuleSpec`,
:class:`CheckResult`) lives in :mod:`synthgenesis.rules` and is re-exported
here.
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError, NotFittedError
from synthgenesis.names import check_name
from synthgenesis.rules import CheckResult, FunctionRule, Rule, RuleSpec, SampleRule

__all__ = [
    "READ_ERROR_COLUMN",
    "RECORD_ID_COLUMN",
    "Batch",
    "CheckResult",
    "Domain",
    "FunctionRule",
    "Generator",
    "GeneratorSpec",
    "ReferenceDataset",
    "Rule",
    "RuleSpec",
    "SampleRule",
    "TransferTask",
    "check_name",
]

Batch = pd.DataFrame

#: Column a domain reader fills with the parse error of a record it could not
#: read (``None`` for records read fine). Such rows fail the ``read`` rule in
#: validation instead of aborting the whole file.
READ_ERROR_COLUMN = "_read_error"
#: Column the built-in readers put each record's id in (a CIF block name, a
#: scenario id); a domain names its id column with :attr:`Domain.id_column`.
RECORD_ID_COLUMN = "record_id"
TaskKind = Literal["classification", "regression", "survival"]


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
        """Whether :meth:`fit` has run."""
        return self._fitted

    def fit(self, reference: Batch) -> Generator:
        """Learn from a non-empty reference batch; returns the generator."""
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
        """Exactly ``n`` samples, the same ones for the same ``seed``."""
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
    - ``id_column`` names the column that identifies a record (``record_id``,
      ``patient_id``); messages about a record name it by that column, and
      rows without one (or domains without an id column, ``None``) by their
      position.
    - ``default_generator`` is the generator used when a study or command
      names none; without it the alphabetically first generator registered
      for the domain is used.
    - ``extra`` is the ``synthgenesis`` extra that installs the domain's
      libraries. Leave it unset: the plugin manager fills it in from the
      plugin's declaration (:class:`synthgenesis.lazyplugin.LazyPlugin`, or
      a module's ``SYNTHGENESIS_EXTRA``).
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
    id_column: str | None = None
    default_generator: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "domain")
        if self.default_generator is not None:
            check_name(self.default_generator, "default generator")
        if self.id_column is not None and (not isinstance(self.id_column, str) or not self.id_column):
            raise ValueError(f"domain {self.name!r}: id_column must be a column name or None")
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
    """A generator a plugin offers: ``factory(**params) -> Generator``.

    ``factory`` may be a :class:`synthgenesis.lazyplugin.lazy` reference, so
    that registering the generator does not import its module; its parameters
    are read from the target.
    """

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
        """A generator made with ``params``, each checked against the factory's parameters first."""
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
        factory = inspect.unwrap(self.factory)
        target = factory.__init__ if inspect.isclass(factory) else factory  # type: ignore[misc]
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
