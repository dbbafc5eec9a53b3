"""Input-size limits: the largest record, structure, scenario and JSON nesting synthgenesis reads.

Data files are untrusted. A 50 MB SMILES line, a CIF with a million atoms, a
scenario with 20,000 vehicles or a JSON line nested 10,000 levels deep would
otherwise hang or exhaust a run. Readers check each record against these
limits and turn a record over a limit into *one rejected record* with a
reason naming the limit, never a refused file or a crash; the rest of the
file is read as usual.

Every limit is configurable, by environment variable (inherited by worker
processes) or in code::

    SYNTHGENESIS_MAX_RECORD_BYTES=100000000 synthgenesis validate molecules big.smi

    from synthgenesis.limits import override_limits
    with override_limits(max_atoms=20_000):
        ...

Reasons quote offending values through :func:`shown`, which cuts a value to
:attr:`Limits.max_shown_chars` characters, so a huge value never lands whole
in ``validation.json`` or a report.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from synthgenesis.errors import ConfigError

_ENV_PREFIX = "SYNTHGENESIS_"


@dataclass(frozen=True)
class Limits:
    """Largest accepted input sizes; each field can be set by ``SYNTHGENESIS_<FIELD>``."""

    #: Bytes of one record as read from a file: a SMILES/CSV line, an SDF block, one JSON line.
    max_record_bytes: int = 1_000_000
    #: Sites of one crystal structure.
    max_atoms: int = 5_000
    #: Vehicles of one driving scenario.
    max_vehicles: int = 1_000
    #: Nesting depth of one JSON value (objects and arrays).
    max_json_depth: int = 64
    #: Characters of a value quoted in a reason; longer values are cut with a note of their length.
    max_shown_chars: int = 200
    #: Characters of one reason sentence.
    max_reason_chars: int = 1_000
    #: Samples the in-memory ``execution.generate`` holds; runs (``execute``, studies) stream to disk.
    max_samples_in_memory: int = 5_000_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"limits.{f.name}", f"expected a positive integer, got {value!r}")


_override: Limits | None = None


def _from_environment() -> Limits:
    values: dict[str, int] = {}
    for f in dataclasses.fields(Limits):
        raw = os.environ.get(_ENV_PREFIX + f.name.upper())
        if raw is None or raw.strip() == "":
            continue
        try:
            values[f.name] = int(raw.replace("_", ""))
        except ValueError:
            raise ConfigError(
                _ENV_PREFIX + f.name.upper(), f"expected a positive integer, got {raw!r}"
            ) from None
    return Limits(**values)


def limits() -> Limits:
    """The limits in force: those set by :func:`override_limits`, else the environment's, else defaults."""
    return _override if _override is not None else _from_environment()


@contextlib.contextmanager
def override_limits(**changes: Any) -> Iterator[Limits]:
    """Use other limits inside a ``with`` block (this process only; set the environment for workers)."""
    global _override
    previous = _override
    _override = dataclasses.replace(limits(), **changes)
    try:
        yield _override
    finally:
        _override = previous


def shown(value: object, max_chars: int | None = None) -> str:
    """``repr(value)`` for a reason, cut to ``max_chars`` with the full length noted."""
    limit = max_chars or limits().max_shown_chars
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = repr(value)
    if len(text) > limit:
        return f"{text[:limit]}... ({len(text):,} characters)"
    return text


def cap_reason(reason: str) -> str:
    """Cut one reason sentence to :attr:`Limits.max_reason_chars`."""
    limit = limits().max_reason_chars
    if len(reason) <= limit:
        return reason
    return f"{reason[:limit]}... (reason cut at {limit:,} of {len(reason):,} characters)"


_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')


def json_depth(text: str | bytes) -> int:
    """Deepest nesting of objects and arrays in JSON ``text``, counted without parsing it.

    Brackets inside strings are skipped. Use it before :func:`json.loads`, which
    recurses and would raise ``RecursionError`` (or exhaust the stack) on deep
    input. It runs at C speed: escaped backslashes and quotes are dropped, then
    only quotes and brackets are kept, brackets inside strings (after an odd
    number of quotes) dropped and the rest counted with NumPy. Exact for valid
    JSON; for broken JSON an estimate.
    """
    import numpy as np

    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    kept = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    codes = np.frombuffer(kept, dtype=np.uint8)
    quote = codes == ord('"')
    # An even number of quotes before a bracket: it is not in a string (uint8 sums keep the parity).
    codes = codes[~quote & ((np.cumsum(quote, dtype=np.uint8) & 1) == 0)]
    if not codes.size:
        return 0
    steps = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int32) * 2 - 1
    return max(0, int(np.cumsum(steps, dtype=np.int64 if steps.size >= 2**31 else np.int32).max()))


def check_json_record(text: str, what: str = "record") -> str | None:
    """The reason a JSON record is over a limit (size or depth), else ``None``."""
    lim = limits()
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > lim.max_record_bytes else len(text)
    if size > lim.max_record_bytes:
        return (
            f"{what} is {size:,} bytes, over the limit of {lim.max_record_bytes:,} "
            f"(raise SYNTHGENESIS_MAX_RECORD_BYTES to accept it)"
        )
    depth = json_depth(text)
    if depth > lim.max_json_depth:
        return (
            f"{what} nests JSON {depth:,} levels deep, over the limit of {lim.max_json_depth} "
            f"(raise SYNTHGENESIS_MAX_JSON_DEPTH to accept it)"
        )
    return None


def check_record_bytes(size: int, what: str = "record") -> str | None:
    """The reason a record of ``size`` bytes is over :attr:`Limits.max_record_bytes`, else ``None``."""
    lim = limits().max_record_bytes
    if size > lim:
        return (
            f"{what} is {size:,} bytes, over the limit of {lim:,} "
            f"(raise SYNTHGENESIS_MAX_RECORD_BYTES to accept it)"
        )
    return None
