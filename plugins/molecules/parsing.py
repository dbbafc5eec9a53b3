"""Turning SMILES strings into RDKit molecules, with RDKit's own words when that fails.

Every rule and the featurizer start here. Parsing is done with
``sanitize=False`` so that a molecule with a chemistry problem (a
five-valent carbon, an aromatic ring that cannot be kekulized) is still a
molecule: the sanitization rule reports the problem and the other rules
(elements, charge, size) can still judge it. RDKit reports parse errors
through its log rather than exceptions; the log is captured so reasons carry
RDKit's message instead of a bare "invalid".

Before RDKit sees a string, cheap checks keep pathological input away from
it: a string over ``limits().max_record_bytes``, one with more atoms than
:func:`max_smiles_atoms` allows (RDKit's ring-closure bookkeeping and
aromaticity perception grow faster than linearly with the atom count), and
one whose unclosed branches would make RDKit write one log message per
unclosed ``(``, each repeating the whole string.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rdkit import Chem, rdBase

from synthgenesis.errors import ConfigError
from synthgenesis.limits import check_record_bytes, limits, shown

#: Atoms one SMILES string may have (written atoms, implicit hydrogens not counted) before it is parsed.
#: The size rule's default bound is 150 heavy atoms; this limit only keeps runaway strings away from
#: RDKit, which takes about a second to parse and sanitize 10,000 fused aromatic atoms.
MAX_SMILES_ATOMS = 10_000
#: Environment variable that overrides :data:`MAX_SMILES_ATOMS` (inherited by worker processes).
MAX_SMILES_ATOMS_ENV = "SYNTHGENESIS_MAX_SMILES_ATOMS"
#: RDKit logs one message per unclosed branch, each repeating the input: more than this many characters
#: of such messages (unclosed branches times length) is answered without asking RDKit.
_BRANCH_LOG_BUDGET = 2_000_000
_BRACKET_ATOM = re.compile(r"\[[^\]]*\]")
#: Characters that start an atom outside brackets (``Cl`` and ``Br`` count once, by their first letter).
_ATOM_STARTS = "BCNOPSFIbcnops*"

NO_SAMPLE = "no sample (read error)"
_TIMESTAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")
_PREFIXES = ("SMILES Parse Error:", "ERROR:", "WARNING:")
#: Log lines that repeat what the reason already says.
_NOISE = ("Failed parsing SMILES", "moving to the beginning of the next molecule")
#: Distinct RDKit messages kept in one reason (a broken string can make RDKit write hundreds).
_MAX_LOG_LINES = 4


class RDKitLog:
    """Messages RDKit wrote to its error log inside a :func:`captured_rdkit_log` block."""

    def __init__(self) -> None:
        self.text = ""

    @property
    def lines(self) -> list[str]:
        """The captured RDKit log lines, without their timestamps."""
        return [_TIMESTAMP.sub("", ln).strip() for ln in self.text.splitlines() if ln.strip()]

    def summary(self, echo: str | None = None) -> str:
        """The informative lines, without prefixes, the echoed input and RDKit's caret markers."""
        out = []
        for line in self.lines:
            for prefix in _PREFIXES:
                if line.startswith(prefix):
                    line = line[len(prefix) :].strip()
            if not line or line == echo or set(line) <= set("~^ ") or any(n in line for n in _NOISE):
                continue
            out.append(line.rstrip(":").strip())
        unique = list(dict.fromkeys(out))
        extra = len(unique) - _MAX_LOG_LINES
        more = f" (+{extra} more RDKit messages)" if extra > 0 else ""
        return "; ".join(unique[:_MAX_LOG_LINES]) + more


@contextlib.contextmanager
def captured_rdkit_log() -> Iterator[RDKitLog]:
    """Capture what RDKit writes to its error log inside the block.

    Recent RDKit has ``rdBase.CaptureErrorLog``; with older releases the log
    is routed through Python's ``sys.stderr`` (``rdBase.LogToPythonStderr``)
    and captured there.
    """
    capture_cls = getattr(rdBase, "CaptureErrorLog", None)
    if capture_cls is None:
        with _captured_via_python_stderr() as log:
            yield log
        return
    log = RDKitLog()
    with capture_cls() as capture:
        yield log
    log.text = str(capture.messages or "")


@contextlib.contextmanager
def _captured_via_python_stderr() -> Iterator[RDKitLog]:
    """Fallback capture: RDKit logs to ``sys.stderr``, which is redirected while the block runs."""
    log = RDKitLog()
    rdBase.LogToPythonStderr()
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        yield log
    log.text = buffer.getvalue()


@dataclass
class Parsed:
    """A parsed (unsanitized) molecule, or the reason there is none."""

    mol: Chem.Mol | None
    reason: str | None = None
    smiles: str = ""
    _sanitized: Chem.Mol | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether RDKit parsed the SMILES into a molecule."""
        return self.mol is not None


def is_missing(sample: Any) -> bool:
    """``None``, NaN or ``pd.NA``: what a table holds where there is no value."""
    return sample is None or sample is pd.NA or (isinstance(sample, float) and math.isnan(sample))


def max_smiles_atoms() -> int:
    """The atom limit in force: ``SYNTHGENESIS_MAX_SMILES_ATOMS`` if set, else :data:`MAX_SMILES_ATOMS`."""
    raw = os.environ.get(MAX_SMILES_ATOMS_ENV, "").strip()
    if not raw:
        return MAX_SMILES_ATOMS
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(MAX_SMILES_ATOMS_ENV, f"expected a positive integer, got {raw!r}")
    return value


def count_smiles_atoms(text: str) -> int:
    """Atoms written in a SMILES string, counted without parsing it (bracket atoms and organic subset)."""
    brackets = text.count("[")
    bare = _BRACKET_ATOM.sub("", text) if brackets else text
    return brackets + sum(bare.count(ch) for ch in _ATOM_STARTS)


def precheck_smiles(text: str) -> str | None:
    """Why ``text`` is not handed to RDKit (too large, too many atoms, runaway branches), else ``None``."""
    size = len(text.encode("utf-8", "surrogatepass")) if not text.isascii() else len(text)
    reason = check_record_bytes(size, "SMILES")
    if reason is not None:
        return reason
    limit = max_smiles_atoms()
    if len(text) > limit:
        atoms = count_smiles_atoms(text)
        if atoms > limit:
            return (
                f"SMILES has {atoms:,} atoms, over the limit of {limit:,} "
                f"(raise {MAX_SMILES_ATOMS_ENV} to accept it)"
            )
    unclosed = text.count("(") - text.count(")")
    if unclosed > 0 and unclosed * len(text) > _BRANCH_LOG_BUDGET:
        return f"SMILES could not be parsed: {unclosed:,} branches opened with '(' are never closed"
    return None


def parse_smiles(sample: Any) -> Parsed:
    """Parse ``sample`` as SMILES without sanitization; never raises."""
    if is_missing(sample):
        return Parsed(None, NO_SAMPLE)
    if not isinstance(sample, str):
        return Parsed(None, f"sample is a {type(sample).__name__}, not a SMILES string")
    text = sample.strip()
    if not text:
        return Parsed(None, "empty SMILES", smiles=sample)
    too_big = precheck_smiles(text)
    if too_big is not None:
        return Parsed(None, too_big, smiles=text)
    plain = text.isascii() and text.isprintable() and " " not in text
    bad = (
        None
        if plain
        else next(
            (i for i, ch in enumerate(text) if ch.isspace() or not ch.isprintable() or not ch.isascii()),
            None,
        )
    )
    if bad is not None:
        return Parsed(
            None,
            f"SMILES has a character that SMILES never contains ({text[bad]!r} at position {bad})",
            smiles=text,
        )
    try:
        with captured_rdkit_log() as log:
            mol = Chem.MolFromSmiles(text, sanitize=False)
    except Exception as exc:  # RDKit raises for a few inputs instead of logging
        detail = _quoted_once(f"{type(exc).__name__}: {exc}", text)
        return Parsed(None, f"SMILES could not be parsed: {detail}", smiles=text)
    if mol is None:
        detail = _quoted_once(log.summary(echo=text) or "RDKit gave no details", text)
        return Parsed(None, f"SMILES could not be parsed: {detail}", smiles=text)
    return Parsed(mol, None, smiles=text)


def _quoted_once(detail: str, text: str) -> str:
    """RDKit's message with a long input it repeats cut to :func:`~synthgenesis.limits.shown` length."""
    if len(text) > limits().max_shown_chars and text in detail:
        return detail.replace(text, shown(text))
    return detail


def sanitized(parsed: Parsed) -> Chem.Mol | None:
    """A sanitized copy of the parsed molecule, or ``None`` if RDKit cannot sanitize it."""
    if parsed.mol is None:
        return None
    if parsed._sanitized is None:
        mol = Chem.Mol(parsed.mol)
        with captured_rdkit_log():
            flags = Chem.SanitizeMol(mol, catchErrors=True)
        if flags != Chem.SanitizeFlags.SANITIZE_NONE:
            return None
        parsed._sanitized = mol
    return parsed._sanitized


def mol_from_smiles(sample: Any) -> Chem.Mol | None:
    """The sanitized molecule of a SMILES sample, or ``None`` when it is missing or invalid."""
    return sanitized(parse_smiles(sample))


def canonical_smiles(sample: Any) -> str | None:
    """RDKit canonical SMILES; for a molecule RDKit cannot sanitize, its unsanitized canonical form.

    Returns ``None`` only when the sample does not parse at all.
    """
    parsed = parse_smiles(sample)
    mol = sanitized(parsed)
    if mol is not None:
        return Chem.MolToSmiles(mol)
    if parsed.mol is None:
        return None
    try:
        with captured_rdkit_log():
            return Chem.MolToSmiles(parsed.mol)
    except Exception:  # RDKit cannot write some unsanitized molecules; keep the text as given
        return parsed.smiles
