"""A small, safe expression language for rule files, checked at load and evaluated with numpy.

Rule files are untrusted input, so an expression is never handed to
``eval``, :meth:`pandas.DataFrame.eval` or anything else that runs Python.
It is parsed with :mod:`ast` and every node is checked against a short list
of what the language allows; evaluation walks that checked tree and computes
one numpy array per node.

Allowed:

* column names (read from the batch, else from the domain's features),
  ``True``, ``False``, ``None``, numbers and quoted text;
* arithmetic ``+ - * / // % **`` and unary ``-``/``+`` on numbers;
* comparisons ``== != < <= > >=``, chained (``0 < x <= 10``);
* ``and``, ``or``, ``not`` and, as pandas users write them, ``&``, ``|``
  (with the precedence of ``and``/``or``) and ``~``, on true/false values;
* ``x in [...]`` and ``x not in [...]`` with a list or tuple of literals;
* calls of ``abs(x)``, ``round(x)``, ``round(x, digits)``, ``min(x, y, ...)``
  and ``max(x, y, ...)`` (row by row, on numbers), ``isna(x)`` and
  ``notna(x)``; ``x == None`` means ``isna(x)``.

Refused at load, with the refused token named: attribute access, subscripts,
calls of anything else, keyword arguments, lambdas, comprehensions,
f-strings, conditional expressions, ``:=``, starred arguments, dict/set
literals, ``is``, bit operators other than the three above, names that start
with ``_``, arithmetic on text, exponents above :data:`MAX_EXPONENT`, and
expressions longer than :data:`MAX_LENGTH` characters, with more than
:data:`MAX_NODES` nodes or nested deeper than :data:`MAX_DEPTH`.

Every number is a 64-bit float, so no expression can build a huge integer,
and the work an expression does is bounded by its node count times the rows.
A row passes when a column the expression reads is missing there, except for
columns it only tests with ``isna``/``notna`` (or ``== None``).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.limits import shown

#: Characters of one expression.
MAX_LENGTH = 2_000
#: Syntax-tree nodes of one expression.
MAX_NODES = 1_000
#: Nesting depth of one expression's syntax tree.
MAX_DEPTH = 100
#: Largest absolute value of a constant exponent (``x ** 2`` is fine, ``9 ** 9 ** 9`` is not).
MAX_EXPONENT = 1_000
#: Largest number of decimal digits ``round`` accepts.
MAX_ROUND_DIGITS = 15

FUNCTIONS = ("abs", "min", "max", "round", "isna", "notna")

ALLOWED = (
    "columns, numbers, quoted text, True/False/None, + - * / // % **, comparisons, "
    "and/or/not (& | ~), in [...], abs, min, max, round, isna, notna"
)

NUMBER, BOOLEAN, TEXT, DATE, NONE = "number", "true/false", "text", "date", "None"
_KIND_WORDS = {NUMBER: "a number", BOOLEAN: "true/false", TEXT: "text", DATE: "a date", NONE: "None"}

_ARITHMETIC: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.true_divide),
    ast.FloorDiv: ("//", np.floor_divide),
    ast.Mod: ("%", np.mod),
    ast.Pow: ("**", np.power),
}
_COMPARE: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", np.equal),
    ast.NotEq: ("!=", np.not_equal),
    ast.Lt: ("<", np.less),
    ast.LtE: ("<=", np.less_equal),
    ast.Gt: (">", np.greater),
    ast.GtE: (">=", np.greater_equal),
}
_REFUSED_OPERATORS = {
    ast.BitXor: "'^'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.MatMult: "'@'",
    ast.BitAnd: "'&' on numbers",
    ast.BitOr: "'|' on numbers",
    ast.Is: "'is' (write == None or isna(x))",
    ast.IsNot: "'is not' (write != None or notna(x))",
}
_REFUSED_NODES = {
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Starred: "starred '*'",
    ast.NamedExpr: "assignment ':='",
    ast.IfExp: "conditional 'if ... else'",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}


class ExpressionError(ValueError):
    """An expression the language refuses; ``token`` names what was refused."""

    def __init__(self, message: str, token: str = "") -> None:
        super().__init__(message)
        self.token = token


class EvaluationError(ValueError):
    """An expression that cannot be evaluated on this batch (a column holds the wrong kind of value)."""


def _short(node: ast.AST, limit: int = 40) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _position(node: ast.AST) -> tuple[int, int]:
    if isinstance(node, ast.Attribute) and getattr(node, "end_col_offset", None) is not None:
        return (node.end_lineno or 0, (node.end_col_offset or 0) - len(node.attr) - 1)
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _rewrite_pandas_booleans(text: str) -> str:
    """``&``/``|`` as pandas reads them: with the precedence of ``and``/``or``."""
    if "&" not in text and "|" not in text:
        return text
    tokens = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP and tok.string in ("&", "|"):
            tok = tok._replace(string="and" if tok.string == "&" else "or")
            tokens.append((tokenize.NAME, tok.string))
        else:
            tokens.append((tok.type, tok.string))
    return tokenize.untokenize(tokens)


def _literal(node: ast.AST) -> Any:
    """The value of a literal list element (a number with an optional sign, text, True/False/None)."""
    sign = 1.0
    inner = node
    while isinstance(inner, ast.UnaryOp) and isinstance(inner.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(inner.op, ast.USub) else sign
        inner = inner.operand
    if isinstance(inner, ast.Constant):
        value = inner.value
        if inner is node and (value is None or isinstance(value, (bool, str))):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return sign * float(value)
            except OverflowError:
                pass
    raise ExpressionError(f"list element {_short(node)!r} is not a literal", _short(node))


@dataclass(frozen=True)
class Expression:
    """A checked expression: ``evaluate`` and ``check`` run it on a data frame."""

    text: str
    #: Every column the expression reads, sorted.
    names: tuple[str, ...]
    #: Columns whose missing value lets a row pass (all but those only tested with isna/notna).
    required: tuple[str, ...]
    tree: ast.Expression = field(repr=False, compare=False)

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, dict[int, str]]:
        """True/false per row, and the rows whose values could not be used (with why)."""
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise EvaluationError(f"no column or feature named {', '.join(missing)}")
        evaluator = _Evaluator(frame)
        with np.errstate(all="ignore"):
            value = evaluator.eval(self.tree.body)
            if value.kind == TEXT and value.column is not None:
                value = _Value(BOOLEAN, evaluator.boolean(value, "the result"), value.column)
        if value.kind != BOOLEAN:
            raise EvaluationError(
                f"the expression gives {_kind_words(value)} per row, not true/false; "
                "compare it with something"
            )
        truth = np.broadcast_to(np.asarray(value.data, dtype=bool), (len(frame),)).copy()
        return truth, evaluator.problems

    def check(self, frame: pd.DataFrame) -> tuple[np.ndarray, dict[int, str]]:
        """Which rows pass: true, or a required column missing; rows with unusable values fail."""
        truth, problems = self.evaluate(frame)
        ok = truth
        for name in self.required:
            ok = ok | _missing(frame[name]).to_numpy(dtype=bool)
        if problems:
            ok[list(problems)] = False
        return ok, problems


def parse_expression(text: object) -> Expression:
    """Check ``text`` against the language and return it parsed; raise :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"{len(text):,} characters; an expression may have at most {MAX_LENGTH:,}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    # In parentheses, an expression may span lines (TOML multi-line strings) and be indented.
    source = f"({text.strip()}\n)"
    try:
        ast.parse(source, mode="eval")
        _check_brackets(source)
        tree = ast.parse(_rewrite_pandas_booleans(source), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError, tokenize.TokenError) as exc:
        raise ExpressionError(f"not a valid expression: {type(exc).__name__}") from None
    _check_size(tree)
    checker = _Checker()
    checker.check_body(tree.body)
    if checker.refused:
        _, message, token = min(checker.refused, key=lambda r: r[0])
        more = len(checker.refused) - 1
        extra = f" (and {more} more refused construct{'s' * (more > 1)})" if more else ""
        raise ExpressionError(f"{message}{extra}; allowed: {ALLOWED}", token)
    return Expression(
        text,
        tuple(sorted(checker.names)),
        tuple(sorted(checker.names - (checker.presence_only - checker.value_names))),
        tree,
    )


def _check_brackets(source: str) -> None:
    """Refuse text that closes the parenthesis put around it (``a > 1) or (b > 1``)."""
    depth = 0
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    last = max(i for i, tok in enumerate(tokens) if tok.type == tokenize.OP)
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in {"(", "[", "{"}:
            depth += 1
        elif tok.type == tokenize.OP and tok.string in {")", "]", "}"}:
            depth -= 1
            if depth == 0 and i != last:
                raise SyntaxError("unmatched ')'")


def _check_size(tree: ast.AST) -> None:
    """Refuse trees with too many nodes or too deep, without recursing."""
    count = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"more than {MAX_NODES:,} syntax nodes; simplify the expression")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels; simplify the expression")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _kind_words(value: _Value) -> str:
    return _KIND_WORDS[value.kind]


# --------------------------------------------------------------------------- load-time checks


class _Checker:
    """Walks the tree once: records refused constructs (with position) and the static kind of nodes."""

    def __init__(self) -> None:
        self.refused: list[tuple[tuple[int, int], str, str]] = []
        self.names: set[str] = set()
        self.value_names: set[str] = set()
        self.presence_only: set[str] = set()

    def refuse(self, node: ast.AST, token: str, why: str = "") -> None:
        self.refused.append((_position(node), f"refused {token}{why}", token))

    def check_body(self, node: ast.AST) -> None:
        kind = self.kind(node)
        if kind is not None and kind != BOOLEAN:
            what = _KIND_WORDS[kind]
            self.refuse(
                node, f"result {_short(node)!r}", f": the expression gives {what}, not true/false per row"
            )

    def need(self, node: ast.AST, wanted: str, context: str) -> None:
        kind = self.kind(node)
        if kind is not None and kind != wanted and not (wanted == NUMBER and kind == BOOLEAN):
            self.refuse(node, f"{kind} {_short(node)!r}", f" where {context} needs {_KIND_WORDS[wanted]}")

    def kind(self, node: ast.AST, presence: bool = False) -> str | None:
        """The node's kind when known before the data is seen (None: it depends on a column)."""
        if isinstance(node, ast.Name):
            self.name(node, presence)
            return None
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not | ast.Invert):
                self.need(node.operand, BOOLEAN, "'not'" if isinstance(node.op, ast.Not) else "'~'")
                return BOOLEAN
            self.need(node.operand, NUMBER, "arithmetic")
            return NUMBER
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.BoolOp):
            word = "'and'" if isinstance(node.op, ast.And) else "'or'"
            for value in node.values:
                self.need(value, BOOLEAN, word)
            return BOOLEAN
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        self.refuse_structure(node)
        return None

    def name(self, node: ast.Name, presence: bool) -> None:
        """Record a column name (its kind depends on the data); names starting with '_' are refused."""
        if node.id.startswith("_"):
            self.refuse(node, f"name {node.id!r}", " (names starting with '_' are not allowed)")
            return
        self.names.add(node.id)
        (self.presence_only if presence else self.value_names).add(node.id)

    def constant(self, node: ast.Constant) -> str | None:
        """The kind of a literal; literals other than None, booleans, numbers and text are refused."""
        value = node.value
        if value is None:
            return NONE
        if isinstance(value, bool):
            return BOOLEAN
        if isinstance(value, (int, float)):
            if isinstance(value, int) and abs(value) > 10**300:
                self.refuse(node, "number literal", " (too large)")
            return NUMBER
        if isinstance(value, str):
            return TEXT
        self.refuse(node, f"{type(value).__name__} literal {_short(node)!r}")
        return None

    def arithmetic(self, node: ast.BinOp) -> str | None:
        """Arithmetic takes numbers and gives a number; other binary operators are refused."""
        if type(node.op) not in _ARITHMETIC:
            self.refuse(node, f"operator {_REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)}")
            self.kind(node.left)
            self.kind(node.right)
            return None
        self.need(node.left, NUMBER, "arithmetic")
        self.need(node.right, NUMBER, "arithmetic")
        if isinstance(node.op, ast.Pow):
            self.check_exponent(node.right)
        return NUMBER

    def refuse_structure(self, node: ast.AST) -> None:
        """Refuse a node outside the grammar (attribute, subscript, bare list...), still walking inside."""
        if isinstance(node, ast.Attribute):
            self.refuse(node, f"attribute access '.{node.attr}'")
            self.kind(node.value)
        elif isinstance(node, ast.Subscript):
            self.refuse(node, f"subscript {_short(node)!r}")
            self.kind(node.value)
        elif isinstance(node, ast.List | ast.Tuple):
            self.refuse(node, f"{type(node).__name__.lower()} {_short(node)!r}", " outside 'in [...]'")
        else:
            self.refuse(node, _REFUSED_NODES.get(type(node), f"{type(node).__name__} {_short(node)!r}"))

    def check_exponent(self, node: ast.AST) -> None:
        if any(isinstance(n, ast.Name) for n in ast.walk(node)) or self.refused:
            return
        try:
            with np.errstate(all="ignore"):
                value = _Evaluator(pd.DataFrame(index=range(1))).eval(node)
            exponent = float(np.asarray(value.data, dtype=float).reshape(-1)[0])
        except (ValueError, TypeError, OverflowError):
            return
        if not np.isfinite(exponent) or abs(exponent) > MAX_EXPONENT:
            self.refuse(
                node,
                f"exponent {_short(node)!r}",
                f" (a constant exponent may be at most {MAX_EXPONENT:,} in size, this is {exponent:g})",
            )

    def compare(self, node: ast.Compare) -> str:
        left = node.left
        for k, (op, right) in enumerate(zip(node.ops, node.comparators, strict=True)):
            if isinstance(op, ast.In | ast.NotIn):
                if k < len(node.ops) - 1:
                    self.refuse(node, f"chained comparison after 'in' {_short(node)!r}", "; add parentheses")
                self.kind(left)
                if not isinstance(right, ast.List | ast.Tuple):
                    self.refuse(right, f"'in' with {_short(right)!r}", " ('in' needs a list of literals)")
                    self.kind(right)
                else:
                    for element in right.elts:
                        try:
                            _literal(element)
                        except ExpressionError:
                            self.refuse(element, f"list element {_short(element)!r}", " (not a literal)")
            elif type(op) not in _COMPARE:
                self.refuse(node, f"comparison {_REFUSED_OPERATORS.get(type(op), type(op).__name__)}")
                self.kind(left)
                self.kind(right)
            else:
                symbol = _COMPARE[type(op)][0]
                with_none = _is_none(left) or _is_none(right)
                before = len(self.refused)
                kinds = (self.kind(left, presence=_is_none(right)), self.kind(right, presence=_is_none(left)))
                if with_none and symbol not in ("==", "!="):
                    self.refuse(node, f"'{symbol}' with None", " (None is only compared with == or !=)")
                known = {k for k in kinds if k is not None}
                if len(self.refused) == before and TEXT in known and (NUMBER in known or BOOLEAN in known):
                    self.refuse(node, f"comparison {_short(node)!r}", " of text with a number")
            left = right
        return BOOLEAN

    def call(self, node: ast.Call) -> str | None:
        func = node.func
        for kw in node.keywords:
            self.refuse(kw.value, f"keyword argument '{kw.arg or '**'}='")
        if not isinstance(func, ast.Name):
            if not isinstance(func, ast.Attribute):
                self.refuse(func, f"call of {_short(func)!r}")
            self.kind(func)
            for arg in node.args:
                self.kind(arg)
            return None
        name = func.id
        if name not in FUNCTIONS:
            self.refuse(func, f"call of '{name}'", f" (the only functions are {', '.join(FUNCTIONS)})")
            for arg in node.args:
                self.kind(arg)
            return None
        args = node.args
        if any(isinstance(a, ast.Starred) for a in args):
            for arg in args:
                self.kind(arg)
            return None
        if name in ("isna", "notna"):
            if len(args) != 1:
                self.refuse(node, f"{name} with {len(args)} arguments", " (it takes one)")
            for arg in args:
                self.kind(arg, presence=True)
            return BOOLEAN
        for arg in self.numeric_arguments(node, name, args):
            self.need(arg, NUMBER, name)
        return NUMBER

    def numeric_arguments(self, node: ast.Call, name: str, args: list[ast.expr]) -> list[ast.expr]:
        """Refuse a wrong number of arguments; return those that must be numbers (round's digits are not)."""
        if name == "abs" and len(args) != 1:
            self.refuse(node, f"abs with {len(args)} arguments", " (it takes one)")
        if name in ("min", "max") and len(args) < 2:
            self.refuse(
                node, f"{name} with {len(args)} argument{'s' * (len(args) != 1)}", " (it takes two or more)"
            )
        if name == "round":
            if not 1 <= len(args) <= 2:
                self.refuse(node, f"round with {len(args)} arguments", " (it takes one or two)")
            elif len(args) == 2 and _round_digits(args[1]) is None:
                self.refuse(
                    args[1],
                    f"round digits {_short(args[1])!r}",
                    f" (a whole number from -{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS})",
                )
                args = args[:1]
            else:
                args = args[:1]
        return args


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _round_digits(node: ast.AST) -> int | None:
    try:
        value = _literal(node)
    except ExpressionError:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_ROUND_DIGITS:
        return int(value)
    return None


# --------------------------------------------------------------------------- evaluation


@dataclass
class _Value:
    kind: str
    data: Any  # numpy array (one value per row) or a scalar
    column: str | None = None


def _missing(series: pd.Series) -> pd.Series:
    return series.isna()


class _Evaluator:
    """Computes a checked tree over a frame, one numpy array per node."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self.problems: dict[int, str] = {}
        self._columns: dict[str, _Value] = {}

    # -- columns and conversions

    def column(self, name: str) -> _Value:
        if name not in self._columns:
            series = self.frame[name]
            if isinstance(series, pd.DataFrame):
                raise EvaluationError(f"the column {name!r} appears more than once")
            self._columns[name] = _column_value(name, series)
        return self._columns[name]

    def flag(self, bad: np.ndarray, why: Callable[[int], str]) -> None:
        for i in np.flatnonzero(bad):
            self.problems.setdefault(int(i), why(int(i)))

    def number(self, value: _Value, strict: bool = True) -> Any:
        """Numbers per row; a text column is read as numbers (with ``strict``, flagging text that is none)."""
        if value.kind == NUMBER:
            return value.data
        if value.kind == BOOLEAN:
            return np.asarray(value.data, dtype=float)
        if value.kind == TEXT and value.column is not None:
            raw = value.data
            numbers = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float)
            bad = np.isnan(numbers) & ~pd.isna(pd.Series(raw, dtype=object)).to_numpy()
            if strict:
                self.flag(bad, lambda i: f"{value.column}={shown(raw[i])} is not a number")
            return numbers
        raise EvaluationError(f"{_kind_words(value)} where a number is needed")

    def boolean(self, value: _Value, context: str) -> Any:
        if value.kind == BOOLEAN:
            return value.data
        if value.kind == TEXT and value.column is not None:
            raw = value.data
            is_bool = np.array([isinstance(v, bool | np.bool_) for v in raw], dtype=bool)
            if is_bool.any():
                present = ~pd.isna(pd.Series(raw, dtype=object)).to_numpy()
                self.flag(present & ~is_bool, lambda i: f"{value.column}={shown(raw[i])} is not true/false")
                return np.array([bool(v) if ok else False for v, ok in zip(raw, is_bool, strict=True)])
        held = {NUMBER: "numbers", TEXT: "text", DATE: "dates", BOOLEAN: "true/false", NONE: "nothing"}
        what = f"the column {value.column!r} holds {held[value.kind]}" if value.column else _kind_words(value)
        raise EvaluationError(f"{context} needs true/false, but {what}")

    # -- nodes

    def eval(self, node: ast.AST) -> _Value:
        if isinstance(node, ast.Name):
            return self.column(node.id)
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None:
                return _Value(NONE, None)
            if isinstance(value, bool):
                return _Value(BOOLEAN, np.bool_(value))
            if isinstance(value, str):
                return _Value(TEXT, value)
            if isinstance(value, int | float):
                return _Value(NUMBER, np.float64(value))
            token = f"{type(value).__name__} literal {_short(node)!r}"
            raise ExpressionError(f"{token} is not allowed", token)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not | ast.Invert):
                word = "'not'" if isinstance(node.op, ast.Not) else "'~'"
                return _Value(BOOLEAN, np.logical_not(self.boolean(operand, word)))
            x = self.number(operand)
            return _Value(NUMBER, np.negative(x) if isinstance(node.op, ast.USub) else np.positive(x))
        if isinstance(node, ast.BinOp):
            _, op = _ARITHMETIC[type(node.op)]
            return _Value(NUMBER, op(self.number(self.eval(node.left)), self.number(self.eval(node.right))))
        if isinstance(node, ast.BoolOp):
            word = "'and'" if isinstance(node.op, ast.And) else "'or'"
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = self.boolean(self.eval(node.values[0]), word)
            for term in node.values[1:]:
                result = combine(result, self.boolean(self.eval(term), word))
            return _Value(BOOLEAN, result)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            return self.call(node.func.id, node.args)
        raise EvaluationError(f"unchecked construct {type(node).__name__}")  # the checker refuses these

    def presence(self, value: _Value) -> Any:
        """Missing per row (True where missing)."""
        if value.kind == NONE:
            return np.bool_(True)
        if value.column is not None:
            return _missing(self.frame[value.column]).to_numpy(dtype=bool)
        if value.kind == NUMBER:
            return np.isnan(value.data)
        return np.bool_(False)

    def call(self, name: str, args: list[ast.expr]) -> _Value:
        if name in ("isna", "notna"):
            missing = self.presence(self.eval(args[0]))
            return _Value(BOOLEAN, missing if name == "isna" else np.logical_not(missing))
        x = self.number(self.eval(args[0]))
        if name == "abs":
            return _Value(NUMBER, np.abs(x))
        if name == "round":
            digits = _round_digits(args[1]) if len(args) == 2 else 0
            return _Value(NUMBER, np.round(x, digits or 0))
        combine = np.minimum if name == "min" else np.maximum
        for arg in args[1:]:
            x = combine(x, self.number(self.eval(arg)))
        return _Value(NUMBER, x)

    def compare(self, node: ast.Compare) -> _Value:
        result: Any = np.bool_(True)
        left = self.eval(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                assert isinstance(right_node, ast.List | ast.Tuple)
                inside = self.member(left, [_literal(e) for e in right_node.elts])
                part = inside if isinstance(op, ast.In) else np.logical_not(inside)
                right = _Value(NONE, None)  # a chain continuing after 'in [...]' compares with nothing
            else:
                right = self.eval(right_node)
                part = self.pair(type(op), left, right)
            result = np.logical_and(result, part)
            left = right
        return _Value(BOOLEAN, result)

    def member(self, value: _Value, items: list[Any]) -> Any:
        has_none = any(item is None for item in items)
        if value.kind == NONE:
            return np.bool_(has_none)
        if value.kind == BOOLEAN:
            flags = [i for i in items if isinstance(i, bool)]
            data = np.asarray(value.data, dtype=bool)
            inside = np.isin(data, np.array(flags, dtype=bool)) if flags else np.zeros_like(data)
        elif value.kind == NUMBER:
            numbers = [float(i) for i in items if isinstance(i, float | bool)]
            inside = np.isin(value.data, np.array(numbers, dtype=float))
        elif value.kind == DATE:
            dates = [self.date_constant(i) for i in items if isinstance(i, str)]
            inside = np.isin(value.data, np.array(dates, dtype="datetime64[ns]"))
        else:
            data = value.data if value.column is not None else np.array([value.data], dtype=object)
            inside = pd.Series(data, dtype=object).isin([i for i in items if i is not None]).to_numpy()
            if value.column is None:
                return np.bool_(inside[0])
        if has_none:
            inside = inside | self.presence(value)
        return inside

    def date_constant(self, text: str) -> np.datetime64:
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError, OverflowError) as exc:
            raise EvaluationError(f"{shown(text)} is compared with a date but is not a date") from exc
        if stamp is pd.NaT:
            raise EvaluationError(f"{shown(text)} is compared with a date but is not a date")
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return np.datetime64(stamp.as_unit("ns").value, "ns")

    def dates(self, value: _Value) -> Any:
        if value.kind == DATE:
            return value.data
        if value.kind == TEXT and value.column is None:
            return self.date_constant(value.data)
        if value.kind == TEXT:
            raw = value.data
            stamps = pd.to_datetime(pd.Series(raw, dtype=object), errors="coerce", utc=True, format="mixed")
            parsed = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
            bad = np.isnat(parsed) & ~pd.isna(pd.Series(raw, dtype=object)).to_numpy()
            self.flag(bad, lambda i: f"{value.column}={shown(raw[i])} is not a date")
            return parsed
        raise EvaluationError(f"{_kind_words(value)} is compared with a date")

    def pair(self, op: type, left: _Value, right: _Value) -> Any:
        symbol, func = _COMPARE[op]
        if NONE in (left.kind, right.kind):
            other = right if left.kind == NONE else left
            missing = self.presence(other)
            return missing if symbol == "==" else np.logical_not(missing)
        kinds = {left.kind, right.kind}
        if DATE in kinds:
            return func(self.dates(left), self.dates(right))
        if kinds == {TEXT}:
            return self.compare_text(func, left, right)
        if kinds == {BOOLEAN}:
            return func(np.asarray(left.data, dtype=bool), np.asarray(right.data, dtype=bool))
        if TEXT in kinds:
            text, other = (left, right) if left.kind == TEXT else (right, left)
            if text.column is None:
                # Text against a column of numbers or flags: never equal; ordering only if all are missing.
                if symbol in ("==", "!="):
                    return np.bool_(symbol == "!=")
                if other.column is not None and self.presence(other).all():
                    return np.bool_(False)
                raise EvaluationError(f"cannot order {shown(text.data)} against {_kind_words(other)}")
            if other.kind == BOOLEAN and symbol in ("==", "!="):
                return func(self.boolean(text, "comparing with true/false"), other.data)
        # Text is never equal to a number, so equality need not flag text that is not one.
        strict = symbol not in ("==", "!=")
        return func(self.number(left, strict), self.number(right, strict))

    def compare_text(self, func: Callable[[Any, Any], Any], left: _Value, right: _Value) -> Any:
        def prepared(value: _Value) -> tuple[Any, Any]:
            if value.column is None:
                return value.data, np.bool_(False)
            data = np.array(value.data, dtype=object)
            missing = pd.isna(pd.Series(data, dtype=object)).to_numpy()
            # Missing rows pass anyway; a placeholder keeps comparisons of None with text from raising.
            data[missing] = ""
            return data, missing

        (x, x_missing), (y, y_missing) = prepared(left), prepared(right)
        try:
            return np.asarray(func(x, y), dtype=bool)
        except TypeError:
            pass
        xs = np.broadcast_to(np.asarray(x, dtype=object), (self.n,))
        ys = np.broadcast_to(np.asarray(y, dtype=object), (self.n,))
        skip = np.broadcast_to(np.logical_or(x_missing, y_missing), (self.n,))
        out = np.zeros(self.n, dtype=bool)
        for i in np.flatnonzero(~skip):
            try:
                out[i] = bool(func(xs[i], ys[i]))
            except TypeError:
                self.problems.setdefault(int(i), f"cannot compare {shown(xs[i])} with {shown(ys[i])}")
        return out


def _column_value(name: str, series: pd.Series) -> _Value:
    """A column as a value: true/false, numbers (float, NaN where missing), dates or text (objects)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _Value(BOOLEAN, series.to_numpy(dtype=bool, na_value=False), name)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return _Value(DATE, series.to_numpy(dtype="datetime64[ns]"), name)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _Value(NUMBER, series.to_numpy(dtype=float, na_value=np.nan), name)
    data = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(data, skipna=True) == "boolean":
        missing = pd.isna(data)
        return _Value(BOOLEAN, np.where(missing, False, data).astype(bool), name)
    return _Value(TEXT, data, name)
