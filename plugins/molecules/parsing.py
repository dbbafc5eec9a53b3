"""Turning SMILES strings into RDKit molecules, with RDKit's own words when that fails.

Every rule and the featurizer start here. Parsing is done with
``sanitize=False`` so that a molecule with a chemistry problem (a
five-valent carbon, an aromatic ring that cannot be kekulized) is still a
molecule: the sanitization rule reports the problem and the other rules
(elements, charge, size) can still judge it. RDKit reports parse errors
through its log rather than exceptions; the log is captured so reasons carry
RDKit's message instead of a bare "invalid".
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rdkit import Chem, rdBase

NO_SAMPLE = "no sample (read error)"
_TIMESTAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")
_PREFIXES = ("SMILES Parse Error:", "ERROR:", "WARNING:")
#: Log lines that repeat what the reason already says.
_NOISE = ("Failed parsing SMILES", "moving to the beginning of the next molecule")


class RDKitLog:
    """Messages RDKit wrote to its error log inside a :func:`captured_rdkit_log` block."""

    def __init__(self) -> None:
        self.text = ""

    @property
    def lines(self) -> list[str]:
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
        return "; ".join(dict.fromkeys(out))


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
        return self.mol is not None


def is_missing(sample: Any) -> bool:
    """``None``, NaN or ``pd.NA``: what a table holds where there is no value."""
    return sample is None or sample is pd.NA or (isinstance(sample, float) and math.isnan(sample))


def parse_smiles(sample: Any) -> Parsed:
    """Parse ``sample`` as SMILES without sanitization; never raises."""
    if is_missing(sample):
        return Parsed(None, NO_SAMPLE)
    if not isinstance(sample, str):
        return Parsed(None, f"sample is a {type(sample).__name__}, not a SMILES string")
    text = sample.strip()
    if not text:
        return Parsed(None, "empty SMILES", smiles=sample)
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
        return Parsed(None, f"SMILES could not be parsed: {type(exc).__name__}: {exc}", smiles=text)
    if mol is None:
        detail = log.summary(echo=text) or "RDKit gave no details"
        return Parsed(None, f"SMILES could not be parsed: {detail}", smiles=text)
    return Parsed(mol, None, smiles=text)


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
