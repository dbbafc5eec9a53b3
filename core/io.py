"""Atomic file writes and table I/O shared by the core and the domains.

Every file synthgenesis writes goes through :func:`atomic_write`: the content
is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a crash never leaves a half-written file and a file
that already existed stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(
    path: str | os.PathLike[str], writer: Callable[[IO[Any]], object], *, binary: bool = False
) -> Path:
    """Call ``writer(fileobj)`` on a temporary file and move it to ``path``."""
    with (
        atomic_path(path) as tmp,
        open(tmp, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh,
    ):
        writer(fh)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write(path, lambda fh: fh.write(text))


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def read_table(path: str | os.PathLike[str], **options: Any) -> pd.DataFrame:
    """Read a CSV or Parquet table, with an error naming the file if it cannot be read.

    ``options`` go to :func:`pandas.read_csv` or :func:`pandas.read_parquet`
    (for example ``dtype=str`` to keep codes such as ``"0742"`` as text).
    """
    path = Path(path)
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, **options)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path, **options)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as {suffix[1:]}: {exc}") from exc
    raise InvalidDataError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")


def iter_table(path: str | os.PathLike[str], size: int, **options: Any) -> Iterator[pd.DataFrame]:
    """Read a CSV or Parquet table ``size`` rows at a time (memory bounded by ``size``).

    CSV records are cut into blocks of ``size`` (quoted fields may span
    lines), each block's field counts are checked against the header with
    :mod:`csv` and the block is parsed by :func:`pandas.read_csv` with
    ``options``; a record with more fields than the header stops the reading
    with an error naming its row (pandas' own ``chunksize`` reader truncates
    such a record silently when it starts a chunk), unless ``options`` give
    an ``on_bad_lines`` handler. Parquet is read batch by
    batch with :meth:`pyarrow.parquet.ParquetFile.iter_batches`. Each chunk's
    index continues from the previous chunk's, so row positions stay those of
    the file; column types are inferred per chunk.
    """
    if size <= 0:
        raise ValueError(f"size must be a positive number of rows, got {size}")
    path = Path(path)
    if not path.exists():
        raise InvalidDataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InvalidDataError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    start = 0
    try:
        if suffix == ".csv":
            checked = "on_bad_lines" not in options  # a caller's handler deals with such records
            for header, records in _csv_blocks(path, size):
                width = len(next(csv.reader([header])))
                for k, fields in enumerate(csv.reader(io.StringIO("".join(records))) if checked else ()):
                    if len(fields) > width:
                        raise pd.errors.ParserError(
                            f"row {start + k + 1} has {len(fields)} fields, the header has {width}"
                        )
                chunk = pd.read_csv(io.StringIO(header + "".join(records)), **options)
                chunk.index = pd.RangeIndex(start, start + len(chunk))
                yield chunk
                start += len(chunk)
            return
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
            chunk = batch.to_pandas()
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            yield chunk
            start += len(chunk)
    except (ValueError, OSError, pd.errors.ParserError, csv.Error, UnicodeDecodeError) as exc:
        raise InvalidDataError(f"{path}: cannot be read as {suffix[1:]} after row {start}: {exc}") from exc


def _csv_blocks(path: Path, size: int) -> Iterator[tuple[str, list[str]]]:
    """The header line and blocks of ``size`` non-blank records (a record ends where its quotes balance)."""
    with open(path, newline="", encoding="utf-8") as fh:
        header = fh.readline()
        block: list[str] = []
        pending: list[str] = []
        quotes = 0
        for line in fh:
            pending.append(line)
            quotes += line.count('"')
            if quotes % 2:
                continue
            record = "".join(pending)
            pending, quotes = [], 0
            if not record.strip():
                continue
            block.append(record)
            if len(block) == size:
                yield header, block
                block = []
        if pending:
            block.append("".join(pending))
        if block:
            yield header, block


#: Set to ``keep`` to write text cells that start like a spreadsheet formula unchanged.
CSV_FORMULAS_ENV = "SYNTHGENESIS_CSV_FORMULAS"
#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_formula_policy: str | None = None


def keep_csv_formulas() -> bool:
    """Whether CSV exports leave formula-like text as it is (``SYNTHGENESIS_CSV_FORMULAS=keep``)."""
    if _formula_policy is not None:
        return _formula_policy == "keep"
    return os.environ.get(CSV_FORMULAS_ENV, "").strip().lower() == "keep"


@contextlib.contextmanager
def csv_formula_policy(policy: str) -> Iterator[None]:
    """Inside the block, CSV exports ``"neutralise"`` formula-like text (the default) or ``"keep"`` it."""
    global _formula_policy
    if policy not in ("neutralise", "keep"):
        raise ValueError(f"CSV formula policy must be 'neutralise' or 'keep', got {policy!r}")
    previous, _formula_policy = _formula_policy, policy
    try:
        yield
    finally:
        _formula_policy = previous


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as spreadsheet formulas.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe, which spreadsheets show as text instead
    of evaluating (``=HYPERLINK(...)`` stays visible and inert). Numeric
    columns are left alone: a negative number is not a formula. Parquet keeps
    the exact values; only CSV exports are changed.
    """
    out = df
    for column in df.columns:
        values = df[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        risky = np.fromiter(
            (isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values), bool, len(values)
        )
        if risky.any():
            if out is df:
                out = df.copy()
            out.loc[risky, column] = "'" + values[risky].astype(str)
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *, formulas: str | None = None) -> Path:
    """Write ``df`` to CSV or Parquet (by suffix), atomically.

    CSV text that would run as a spreadsheet formula is neutralised
    (:func:`neutralise_formulas`) unless ``formulas="keep"`` or the
    environment sets ``SYNTHGENESIS_CSV_FORMULAS=keep``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        keep = formulas == "keep" or (formulas is None and keep_csv_formulas())
        with atomic_path(path) as tmp:
            (df if keep else neutralise_formulas(df)).to_csv(tmp, index=False)
    elif suffix in (".parquet", ".pq"):
        with atomic_path(path) as tmp:
            df.to_parquet(tmp, index=False)
    else:
        raise InvalidDataError(f"{path}: unsupported table format {suffix!r}; use .csv or .parquet")
    return path
