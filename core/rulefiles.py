"""User rules in TOML: ranges, allowed values and expressions, for any domain.

A rule file adds rules without writing a plugin::

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
pass: absence is not a violation.

A rule file is untrusted input. Expressions are written in the small
language of :mod:`synthgenesis.expressions` (columns, literals, arithmetic,
comparisons, ``and``/``or``/``not``, ``in [...]``, ``abs``, ``min``, ``max``,
``round``, ``isna``, ``notna``); they are checked when the file is loaded,
so anything else (attribute access, other calls, subscripts, names starting
with ``_``) is refused with an error naming the file, the rule and the
refused token, before any data is read. Nothing in a rule file is ever run
as Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConfigError
from synthgenesis.expressions import EvaluationError, Expression, ExpressionError, parse_expression
from synthgenesis.io import read_settings_toml
from synthgenesis.limits import shown
from synthgenesis.pipeline import record_label
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.types import Domain, check_name

Columns = Callable[[pd.DataFrame, list[str]], pd.DataFrame]

#: Keys each kind of rule takes.
_COMMON_KEYS = {"name", "description"}
_KIND_KEYS = {
    "expression": _COMMON_KEYS | {"expression", "message"},
    "allowed": _COMMON_KEYS | {"column", "allowed"},
    "range": _COMMON_KEYS | {"column", "min", "max", "repair"},
}
_ALL_KEYS = set().union(*_KIND_KEYS.values())


class MissingColumnsError(KeyError):
    """The batch has neither a column nor a feature of a name a rule reads."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class _FileRule(Rule):
    """A rule from a rule file; ``where`` names the file and rule in check-time reasons.

    Reasons name the record by ``id_column`` (the domain's), else by its row.
    """

    def __init__(
        self, columns: list[str], source: Columns, where: str = "", id_column: str | None = None
    ) -> None:
        self.columns = columns
        self.source = source
        self.where = where
        self.id_column = id_column

    def _label(self, batch: pd.DataFrame, i: int) -> str:
        return record_label(batch, i, id_column=self.id_column)

    def _view(self, batch: pd.DataFrame) -> pd.DataFrame:
        return self.source(batch, self.columns)

    def check(self, batch: pd.DataFrame) -> CheckResult:
        """Like :meth:`Rule.check`; a rule that cannot apply to this batch fails every row, saying why.

        A name that is neither a column nor a feature, or a column holding
        the wrong kind of value for the whole rule, is a fault of the rule,
        not of one record: every row fails with the same reason at once
        (rather than being retried row by row), and the run goes on.
        """
        try:
            return super().check(batch)
        except (MissingColumnsError, EvaluationError) as exc:
            where = f" ({self.where})" if self.where else ""
            reason = f"rule cannot be checked{where}: {exc}"
            return CheckResult(np.zeros(len(batch), dtype=bool), [reason] * len(batch))


class RangeRule(_FileRule):
    """A column's values within ``[low, high]`` (either bound optional); ``clip`` repairs by clipping."""

    def __init__(
        self,
        column: str,
        low: float | None,
        high: float | None,
        clip: bool,
        source: Columns,
        where: str = "",
        id_column: str | None = None,
    ) -> None:
        super().__init__([column], source, where, id_column)
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
            ~bad, lambda i: f"{self._label(batch, i)}: {self.column}={x[i]:g} outside [{lo}, {hi}]"
        )

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        if self.column in batch.columns:
            batch[self.column] = batch[self.column].clip(lower=self.low, upper=self.high)
        return batch


class AllowedValues(_FileRule):
    """A column's values among ``allowed`` (missing values pass)."""

    def __init__(
        self,
        column: str,
        allowed: list[Any],
        source: Columns,
        where: str = "",
        id_column: str | None = None,
    ) -> None:
        super().__init__([column], source, where, id_column)
        self.column, self.allowed = column, allowed

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        values = self._view(batch)[self.column]
        ok = (values.isin(self.allowed) | values.isna()).to_numpy()
        return CheckResult.from_mask(
            ok,
            lambda i: f"{self._label(batch, i)}: {self.column}={shown(values.iat[i])} not in {self.allowed}",
        )


class ExpressionRule(_FileRule):
    """Rows for which a checked expression is true (or a column it reads is missing)."""

    def __init__(
        self,
        expression: Expression,
        message: str,
        source: Columns,
        where: str = "",
        id_column: str | None = None,
    ) -> None:
        super().__init__(list(expression.names), source, where, id_column)
        self.expression, self.message = expression, message

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        ok, problems = self.expression.check(self._view(batch))
        return CheckResult.from_mask(
            ok, lambda i: f"{self._label(batch, i)}: {problems.get(i) or self.message}"
        )


def _column_source(domain: Domain) -> Columns:
    """Columns from the batch when it has them all, else from the domain's features."""

    def source(batch: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        if all(c in batch.columns for c in columns):
            return batch
        features = domain.featurize(batch).reset_index(drop=True)
        missing = [c for c in columns if c not in features.columns and c not in batch.columns]
        if missing:
            raise MissingColumnsError(f"no column or feature named {', '.join(missing)}")
        return pd.concat(
            [batch.reset_index(drop=True), features.drop(columns=list(batch.columns), errors="ignore")],
            axis=1,
        )

    return source


def read_rule_file(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a rule file (refused with a ConfigError naming the file if unreadable)."""
    return read_settings_toml(path, "rule file")


def _number(rule: dict[str, Any], key: str, where: str, source: str) -> float | None:
    value = rule.get(key)
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{where}.{key}", f"expected a number, got {shown(value)}", source)
    if math.isnan(value):
        raise ConfigError(f"{where}.{key}", "expected a number, got nan", source)
    return value


def _text(rule: dict[str, Any], key: str, where: str, source: str, default: str = "") -> str:
    value = rule.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}", f"expected a string, got {shown(value)}", source)
    return value


def _kind(rule: dict[str, Any]) -> str | None:
    if "expression" in rule:
        return "expression"
    if "allowed" in rule:
        return "allowed"
    if "min" in rule or "max" in rule:
        return "range"
    return None


def load_rule_file(path: str | Path, domain: Domain) -> dict[str, RuleSpec]:
    """Rules from a TOML rule file, checked key by key (errors name ``rule[i].key``).

    Every problem is a :class:`~synthgenesis.errors.ConfigError` naming the
    file and the rule: unreadable or non-UTF-8 files, invalid TOML, unknown
    or misplaced keys, wrong types, and expressions the language refuses.
    """
    path = Path(path)
    return rules_from_data(read_rule_file(path), str(path), domain)


def rules_from_data(data: dict[str, Any], source_name: str, domain: Domain) -> dict[str, RuleSpec]:
    """Rules from the parsed TOML of a rule file (what :func:`load_rule_file` read from ``source_name``).

    The execution engine sends this data with the plan, so workers on other
    machines enforce the same rules without reading the file.
    """
    unknown_top = set(data) - {"rule"}
    if unknown_top:
        raise ConfigError(
            ", ".join(sorted(unknown_top)), "unknown key; a rule file holds [[rule]] tables", source_name
        )
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise ConfigError("rule", "expected [[rule]] tables", source_name)
    source = _column_source(domain)
    specs: dict[str, RuleSpec] = {}
    for i, rule in enumerate(entries):
        where = f"rule[{i}]"
        if not isinstance(rule, dict):
            raise ConfigError(where, f"expected a [[rule]] table, got {shown(rule)}", source_name)
        extra = set(rule) - _ALL_KEYS
        if extra:
            raise ConfigError(
                f"{where}.{sorted(extra)[0]}",
                f"unknown key; valid keys: {', '.join(sorted(_ALL_KEYS))}",
                source_name,
            )
        try:
            name = check_name(rule.get("name"), "rule")
        except ValueError as exc:
            raise ConfigError(f"{where}.name", str(exc), source_name) from exc
        if name in specs:
            raise ConfigError(f"{where}.name", f"{name!r} appears twice", source_name)
        kind = _kind(rule)
        if kind is None or (kind != "expression" and "column" not in rule):
            raise ConfigError(
                where, "give 'column' with 'min'/'max' or 'allowed', or an 'expression'", source_name
            )
        misplaced = set(rule) - _KIND_KEYS[kind]
        if misplaced:
            raise ConfigError(
                f"{where}.{sorted(misplaced)[0]}",
                f"not a key of {'an' if kind[0] in 'ae' else 'a'} {kind} rule, which takes "
                f"{', '.join(sorted(_KIND_KEYS[kind]))}",
                source_name,
            )
        description = _text(rule, "description", where, source_name)
        label = f"{source_name}, {where} {name!r}"
        rule_object = _build(rule, kind, where, source_name, source, label, domain.id_column)
        specs[name] = RuleSpec(name, domain.name, rule_object, description)
    return specs


def _build(
    rule: dict[str, Any],
    kind: str,
    where: str,
    source_name: str,
    source: Columns,
    label: str,
    ids: str | None,
) -> Rule:
    """The rule object of a checked ``[[rule]]`` table of kind ``kind``."""
    name = rule["name"]
    if kind == "expression":
        try:
            expression = parse_expression(rule["expression"])
        except ExpressionError as exc:
            raise ConfigError(f"{where}.expression", f"rule {name!r}: {exc}", source_name) from None
        message = _text(rule, "message", where, source_name, f"violates {rule['expression']}")
        return ExpressionRule(expression, message, source, label, ids)
    column = _text(rule, "column", where, source_name)
    if not column:
        raise ConfigError(f"{where}.column", "expected a column name", source_name)
    if kind == "allowed":
        allowed = rule["allowed"]
        if not isinstance(allowed, list) or not allowed:
            raise ConfigError(f"{where}.allowed", "expected a non-empty list of values", source_name)
        for j, value in enumerate(allowed):
            if not isinstance(value, (str, int, float)):
                raise ConfigError(
                    f"{where}.allowed[{j}]",
                    f"expected text, a number or true/false, got {shown(value)}",
                    source_name,
                )
        return AllowedValues(column, allowed, source, label, ids)
    low, high = _number(rule, "min", where, source_name), _number(rule, "max", where, source_name)
    if low is not None and high is not None and low > high:
        raise ConfigError(where, f"min {low:g} is above max {high:g}", source_name)
    if rule.get("repair") not in (None, "clip"):
        raise ConfigError(f"{where}.repair", "the only repair is 'clip'", source_name)
    return RangeRule(column, low, high, rule.get("repair") == "clip", source, label, ids)
