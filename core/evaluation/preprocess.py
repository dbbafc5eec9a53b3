"""Validate, align and clean the tables every metric family works on.

One place decides how bad input is treated, so that no metric silently computes a
wrong number:

* Tables must be non-empty DataFrames with at least two rows and unique column names.
* ``real``, ``synthetic`` and ``holdout`` must have the same columns; the error names
  the columns missing on each side. Columns are put in the order of ``real``.
* A column is *numeric* (integer or float, not bool) or *categorical* (object, string,
  category, bool). Both tables must agree on the kind of every column; date, time and
  complex columns are refused (featurize them first).
* ``inf`` in a numeric column is refused, naming column and table.
* ``NaN`` in a numeric column is replaced by the median of the real column (or 0 when
  the real column has no observed value) and a categorical missing-indicator column
  ``<col>__missing`` with values ``"observed"``/``"missing"`` is added to every table,
  so the missing pattern is compared like any other column.
* ``NaN`` in a categorical column becomes its own category ``"<missing>"``. Categorical
  values are compared by their string form.
* The target may not be missing from one side nor hold missing values; a
  classification target needs at least two classes in the real data. A numeric
  classification target becomes categorical, with labels such as ``"0"`` and ``"1"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from synthgenesis.errors import ConfigError, InvalidDataError

MISSING_CATEGORY = "<missing>"
INDICATOR_SUFFIX = "__missing"
OBSERVED, MISSING = "observed", "missing"
#: An integer-valued numeric target with at most this many distinct values is a class label.
CLASSIFICATION_MAX_LEVELS = 20

Kind = Literal["numeric", "categorical"]
Task = Literal["classification", "regression"]


@dataclass
class PreparedData:
    """Aligned and cleaned tables plus what was learnt about their columns.

    ``real``, ``synthetic`` and ``holdout`` hold float64 numeric columns (imputed) and
    string categorical columns, including the added missing indicators.
    """

    real: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    kinds: dict[str, Kind]
    indicators: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    task: Task | None = None
    sensitive: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Column names, in the order of the real table."""
        return list(self.real.columns)

    @property
    def numeric(self) -> list[str]:
        """The numeric columns."""
        return [c for c in self.columns if self.kinds[c] == "numeric"]

    @property
    def categorical(self) -> list[str]:
        """The categorical columns (missing indicators included)."""
        return [c for c in self.columns if self.kinds[c] == "categorical"]

    @property
    def features(self) -> list[str]:
        """All columns except the target."""
        return [c for c in self.columns if c != self.target]

    def table(self, name: str) -> pd.DataFrame:
        """The ``real``, ``synthetic`` or ``holdout`` table; an error when it was not given."""
        frame = {"real": self.real, "synthetic": self.synthetic, "holdout": self.holdout}[name]
        if frame is None:
            raise InvalidDataError(f"no {name} table was given")
        return frame

    def observed(self, name: str, column: str) -> np.ndarray:
        """Values of a numeric column in one table, without the imputed ones."""
        frame = self.table(name)
        values = frame[column].to_numpy(dtype=float)
        indicator = self.indicators.get(column)
        if indicator is None:
            return values
        return values[frame[indicator].to_numpy() != MISSING]


def _kind(series: pd.Series, column: str, table: str) -> Kind:
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return "categorical"
    if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
        return "numeric"
    if (
        ptypes.is_object_dtype(dtype)
        or ptypes.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    ):
        return "categorical"
    raise InvalidDataError(
        f"column {column!r} of table {table!r} has dtype {dtype}, which the evaluation "
        f"cannot compare; convert it to numbers or categories in the featurizer first"
    )


def _check_frame(frame: object, table: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidDataError(f"table {table!r} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.shape[1] == 0:
        raise InvalidDataError(f"table {table!r} has no columns; pass the featurized table")
    if len(frame) < 2:
        raise InvalidDataError(
            f"table {table!r} has {len(frame)} row(s); at least 2 rows are needed to compare distributions"
        )
    names = [str(c) for c in frame.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidDataError(
            f"table {table!r} has duplicate column names {dupes}; rename them so each is unique"
        )
    out = frame.copy()
    out.columns = names
    return out.reset_index(drop=True)


def _align(real: pd.DataFrame, other: pd.DataFrame, table: str) -> pd.DataFrame:
    missing_in_other = [c for c in real.columns if c not in other.columns]
    missing_in_real = [c for c in other.columns if c not in real.columns]
    if missing_in_other or missing_in_real:
        raise InvalidDataError(
            f"columns of 'real' and {table!r} differ: missing in {table!r}: "
            f"{missing_in_other or 'none'}; missing in 'real': {missing_in_real or 'none'}; "
            f"featurize both tables with the same featurizer"
        )
    return other[list(real.columns)]


def _numeric_values(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    return series.to_numpy(dtype=float)


def _categorical_values(series: pd.Series) -> np.ndarray:
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    out = np.array([str(v) for v in values], dtype=object)
    out[missing] = MISSING_CATEGORY
    return out


def _indicator_name(column: str, taken: set[str]) -> str:
    name = column + INDICATOR_SUFFIX
    while name in taken:
        name += "_"
    return name


def infer_task(series: pd.Series, kind: Kind) -> Task:
    """Classification for categorical targets and small integer-valued numeric ones."""
    if kind == "categorical":
        return "classification"
    values = series.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    integer = values.size > 0 and bool(np.all(values == np.round(values)))
    if integer and np.unique(values).size <= CLASSIFICATION_MAX_LEVELS:
        return "classification"
    return "regression"


def prepare(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    task: str | None = None,
    sensitive: Sequence[str] = (),
) -> PreparedData:
    """Validate and clean the tables; see the module docstring for every rule."""
    tables: dict[str, pd.DataFrame] = {
        "real": _check_frame(real, "real"),
        "synthetic": _check_frame(synthetic, "synthetic"),
    }
    if holdout is not None:
        tables["holdout"] = _check_frame(holdout, "holdout")
    base = tables["real"]
    if target is not None:
        target = str(target)
        _check_target_present(tables, target)
    for name in list(tables)[1:]:
        tables[name] = _align(base, tables[name], name)
    sensitive = [str(s) for s in sensitive]
    for column in sensitive:
        if column not in base.columns:
            raise InvalidDataError(
                f"sensitive column {column!r} is not a column of the tables; available: {list(base.columns)}"
            )
    kinds = _column_kinds(tables)
    frames, out_kinds, indicators, notes = _clean(tables, kinds, target)
    resolved = _resolve_target(frames, out_kinds, target, task)
    return PreparedData(
        real=frames["real"],
        synthetic=frames["synthetic"],
        holdout=frames.get("holdout"),
        kinds=out_kinds,
        indicators=indicators,
        target=target,
        task=resolved,
        sensitive=list(sensitive),
        notes=notes,
    )


def _check_target_present(tables: dict[str, pd.DataFrame], target: str) -> None:
    lacking = [name for name, frame in tables.items() if target not in frame.columns]
    if lacking and len(lacking) < len(tables):
        raise InvalidDataError(
            f"target column {target!r} is missing from table(s) {lacking}; it must be present in every table"
        )
    if lacking:
        raise InvalidDataError(
            f"target column {target!r} is not a column of the tables; "
            f"available: {list(tables['real'].columns)}"
        )


def _column_kinds(tables: dict[str, pd.DataFrame]) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for column in tables["real"].columns:
        seen = {name: _kind(frame[column], column, name) for name, frame in tables.items()}
        if len(set(seen.values())) > 1:
            detail = ", ".join(f"{seen[name]} in {name!r} ({tables[name][column].dtype})" for name in seen)
            raise InvalidDataError(
                f"column {column!r} has different kinds across tables: {detail}; cast the "
                f"column so every table agrees"
            )
        kinds[column] = seen["real"]
    return kinds


def _clean(
    tables: dict[str, pd.DataFrame], kinds: dict[str, Kind], target: str | None
) -> tuple[dict[str, pd.DataFrame], dict[str, Kind], dict[str, str], list[str]]:
    """Cleaned tables, the kinds of their columns (indicators added), the indicators and notes."""
    base = tables["real"]
    notes: list[str] = []
    cleaned: dict[str, dict[str, np.ndarray]] = {name: {} for name in tables}
    indicators: dict[str, str] = {}
    taken = set(base.columns)
    out_kinds: dict[str, Kind] = {}
    for column in base.columns:
        if kinds[column] == "categorical":
            for name, frame in tables.items():
                values = _categorical_values(frame[column])
                if column == target and np.any(values == MISSING_CATEGORY):
                    _missing_target(column, name, int(np.sum(values == MISSING_CATEGORY)))
                cleaned[name][column] = values
            out_kinds[column] = "categorical"
            continue
        raw = {name: _numeric_values(frame[column]) for name, frame in tables.items()}
        nan_counts = _check_numeric(raw, column, target)
        out_kinds[column] = "numeric"
        if not any(nan_counts.values()):
            for name, values in raw.items():
                cleaned[name][column] = values
            continue
        observed_real = raw["real"][~np.isnan(raw["real"])]
        fill = float(np.median(observed_real)) if observed_real.size else 0.0
        indicator = _indicator_name(column, taken)
        taken.add(indicator)
        indicators[column] = indicator
        for name, values in raw.items():
            missing = np.isnan(values)
            cleaned[name][column] = np.where(missing, fill, values)
            cleaned[name][indicator] = np.where(missing, MISSING, OBSERVED).astype(object)
        out_kinds[indicator] = "categorical"
        counts = ", ".join(f"{n} in {name!r}" for name, n in nan_counts.items() if n)
        notes.append(
            f"column {column!r} has missing values ({counts}); they were replaced by the "
            f"real median {fill:.6g} and indicator column {indicator!r} was added"
        )
    order = list(out_kinds)
    frames = {name: pd.DataFrame({c: cleaned[name][c] for c in order}) for name in tables}
    return frames, out_kinds, indicators, notes


def _check_numeric(raw: dict[str, np.ndarray], column: str, target: str | None) -> dict[str, int]:
    """Refuse infinite values (and a missing numeric target); the count of NaN per table."""
    for name, values in raw.items():
        n_inf = int(np.isinf(values).sum())
        if n_inf:
            raise InvalidDataError(
                f"column {column!r} of table {name!r} holds {n_inf} infinite value(s); "
                f"replace them (e.g. clip or set to NaN) before evaluating"
            )
    nan_counts = {name: int(np.isnan(v).sum()) for name, v in raw.items()}
    if column == target:
        for name, count in nan_counts.items():
            if count:
                _missing_target(column, name, count)
    return nan_counts


def _resolve_target(
    frames: dict[str, pd.DataFrame], out_kinds: dict[str, Kind], target: str | None, task: str | None
) -> Task | None:
    """The task of ``target``; a numeric classification target becomes class labels (in place)."""
    if target is None:
        if task is not None:
            raise ConfigError("task", "a task was given without a target column; pass target=")
        return None
    resolved = _resolve_task(frames["real"][target], out_kinds[target], task, target)
    if resolved == "classification":
        if out_kinds[target] == "numeric":
            for frame in frames.values():
                frame[target] = _class_labels(frame[target].to_numpy(dtype=float))
            out_kinds[target] = "categorical"
        classes = pd.unique(frames["real"][target])
        if len(classes) < 2:
            raise InvalidDataError(
                f"target column {target!r} has a single class ({classes[0]!r}) in table "
                f"'real'; a classification task needs at least two classes"
            )
    return resolved


def _class_labels(values: np.ndarray) -> np.ndarray:
    """String class labels of a numeric target: ``1.0`` becomes ``"1"``, ``0.5`` stays."""
    return np.array([str(int(v)) if v == np.round(v) else repr(float(v)) for v in values], dtype=object)


def _missing_target(column: str, table: str, count: int) -> None:
    raise InvalidDataError(
        f"target column {column!r} has {count} missing value(s) in table {table!r}; drop or "
        f"label those rows before evaluating"
    )


def _resolve_task(series: pd.Series, kind: Kind, task: str | None, target: str) -> Task:
    if task is None:
        return infer_task(series, kind)
    if task not in ("classification", "regression"):
        raise ConfigError("task", f"must be 'classification' or 'regression', got {task!r}")
    if task == "regression" and kind == "categorical":
        raise InvalidDataError(
            f"target column {target!r} is categorical but task='regression' was asked; "
            f"use task='classification' or a numeric target"
        )
    return "classification" if task == "classification" else "regression"


def subsample_index(n: int, max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of a seeded subsample of at most ``max_rows`` out of ``n`` rows."""
    if max_rows is None or n <= max_rows:
        return np.arange(n)
    return np.sort(rng.choice(n, size=max_rows, replace=False))
