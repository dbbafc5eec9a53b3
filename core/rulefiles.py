"""User rules in TOML: ranges, allowed values and expressions, for any domain.

A rule file adds constraints without writing a plugin::

    [[rule]]
    name = "site-heart-rate"           # unique; shown in summaries
    column = "heart_rate"
    min = 40
    max = 180
    repair = "clip"                    # optional: clip into [min, max]

    [[rule]]
    name = "site-arms"
    column = "arm"
    allowed = ["placebo", "drug"]

    [[rule]]
    name = "pulse-pressure"
    expression = "systolic_bp - diastolic_bp >= 20"
    message = "pulse pressure below 20 mmHg"

A rule reads columns of the batch when it has them, and otherwise the
domain's features, so ``expression = "density > 1.5"`` works for crystals
(``density`` is a crystal feature). Rows where a column is missing (NaN)
pass: absence is not a violation. Expressions are evaluated with
:meth:`pandas.DataFrame.eval`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConfigError
from synthgenesis.pipeline import record_label
from synthgenesis.types import CheckResult, Constraint, ConstraintSpec, Domain, check_name

Columns = Callable[[pd.DataFrame, list[str]], pd.DataFrame]


class _FileRule(Constraint):
    def __init__(self, columns: list[str], source: Columns) -> None:
        self.columns = columns
        self.source = source

    def _view(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.source(batch, self.columns)


class RangeRule(_FileRule):
    def __init__(
        self, column: str, low: float | None, high: float | None, clip: bool, source: Columns
    ) -> None:
        super().__init__([column], source)
        self.column, self.low, self.high = column, low, high
        self.repairable = clip  # type: ignore[misc]

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        x = pd.to_numeric(self._view(batch)[self.column], errors="coerce").to_numpy(float)
        bad = np.zeros(len(x), dtype=bool)
        if self.low is not None:
            bad |= x < self.low
        if self.high is not None:
            bad |= x > self.high
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return CheckResult.from_mask(
            ~bad, lambda i: f"{record_label(batch, i)}: {self.column}={x[i]:g} outside [{lo}, {hi}]"
        )

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self.column in batch.columns:
            batch[self.column] = batch[self.column].clip(lower=self.low, upper=self.high)
        return batch


class AllowedValues(_FileRule):
    def __init__(self, column: str, allowed: list[Any], source: Columns) -> None:
        super().__init__([column], source)
        self.column, self.allowed = column, allowed

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        values = self._view(batch)[self.column]
        ok = (values.isin(self.allowed) | values.isna()).to_numpy()
        return CheckResult.from_mask(
            ok, lambda i: f"{record_label(batch, i)}: {self.column}={values.iat[i]!r} not in {self.allowed}"
        )


class ExpressionRule(_FileRule):
    def __init__(self, expression: str, message: str, columns: list[str], source: Columns) -> None:
        super().__init__(columns, source)
        self.expression, self.message = expression, message

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        view = self._view(batch)
        result = view.eval(self.expression, engine="python")
        if not isinstance(result, pd.Series) or result.dtype != bool:
            raise ValueError(f"expression {self.expression!r} does not give true/false per row")
        incomplete = view[self.columns].isna().any(axis=1).to_numpy() if self.columns else False
        ok = result.to_numpy() | incomplete
        return CheckResult.from_mask(ok, lambda i: f"{record_label(batch, i)}: {self.message}")


def _column_source(domain: Domain) -> Columns:
    """Columns from the batch when it has them all, else from the domain's features."""

    def source(batch: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        if all(c in batch.columns for c in columns):
            return batch
        features = domain.featurize(batch).reset_index(drop=True)
        missing = [c for c in columns if c not in features.columns and c not in batch.columns]
        if missing:
            raise KeyError(f"no column or feature named {', '.join(missing)}")
        return pd.concat(
            [batch.reset_index(drop=True), features.drop(columns=list(batch.columns), errors="ignore")],
            axis=1,
        )

    return source


def _expression_columns(expression: str, known: set[str]) -> list[str]:
    import ast

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression: {exc.msg}") from exc
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return sorted(names - known - {"and", "or", "not", "True", "False"})


def load_rule_file(path: str | Path, domain: Domain) -> dict[str, ConstraintSpec]:
    """Constraints from a TOML rule file, checked key by key (errors name ``rule[i].key``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError("(file)", f"rule file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", f"{path} is not valid TOML: {exc}") from exc
    unknown_top = set(data) - {"rule"}
    if unknown_top:
        raise ConfigError(
            ", ".join(sorted(unknown_top)), "unknown key; a rule file holds [[rule]] tables", str(path)
        )
    source = _column_source(domain)
    specs: dict[str, ConstraintSpec] = {}
    for i, rule in enumerate(data.get("rule", [])):
        where = f"rule[{i}]"
        allowed_keys = {
            "name",
            "column",
            "min",
            "max",
            "repair",
            "allowed",
            "expression",
            "message",
            "description",
        }
        extra = set(rule) - allowed_keys
        if extra:
            raise ConfigError(
                f"{where}.{sorted(extra)[0]}",
                f"unknown key; valid keys: {', '.join(sorted(allowed_keys))}",
                str(path),
            )
        try:
            name = check_name(rule.get("name"), "rule")
        except ValueError as exc:
            raise ConfigError(f"{where}.name", str(exc), str(path)) from exc
        if name in specs:
            raise ConfigError(f"{where}.name", f"{name!r} appears twice", str(path))
        constraint: Constraint
        if "expression" in rule:
            if not isinstance(rule["expression"], str):
                raise ConfigError(f"{where}.expression", "expected a string", str(path))
            try:
                columns = _expression_columns(rule["expression"], set())
            except ValueError as exc:
                raise ConfigError(f"{where}.expression", str(exc), str(path)) from exc
            message = str(rule.get("message", f"violates {rule['expression']}"))
            constraint = ExpressionRule(rule["expression"], message, columns, source)
        elif "column" in rule and "allowed" in rule:
            if not isinstance(rule["allowed"], list):
                raise ConfigError(f"{where}.allowed", "expected a list of values", str(path))
            constraint = AllowedValues(str(rule["column"]), rule["allowed"], source)
        elif "column" in rule and ("min" in rule or "max" in rule):
            for key in ("min", "max"):
                value = rule.get(key)
                if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
                    raise ConfigError(f"{where}.{key}", f"expected a number, got {value!r}", str(path))
            if rule.get("repair") not in (None, "clip"):
                raise ConfigError(f"{where}.repair", "the only repair is 'clip'", str(path))
            constraint = RangeRule(
                str(rule["column"]), rule.get("min"), rule.get("max"), rule.get("repair") == "clip", source
            )
        else:
            raise ConfigError(
                where, "give 'column' with 'min'/'max' or 'allowed', or an 'expression'", str(path)
            )
        specs[name] = ConstraintSpec(name, domain.name, constraint, str(rule.get("description", "")))
    return specs
