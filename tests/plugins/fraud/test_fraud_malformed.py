"""Malformed transaction files: every record is accounted for, named, and nothing crashes.

Each case is one class of malformed input, written as a CSV or Parquet file,
read by the domain's reader (whole and in chunks) and checked by every
default rule. A case is either refused as a whole with a clear error (the
file cannot be a transaction table), or every record of the file comes back
as a valid record or a rejected one whose reasons name the record and the
rule. A few cases also go through ``synthgenesis validate fraud``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from synthgenesis import manager
from synthgenesis.cli import app
from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import override_limits
from synthgenesis.pipeline import validate_batch

HEADER = "transaction_id,account_id,timestamp,amount,currency,merchant_id,merchant_category,is_fraud\n"


def row(k: int, amount: str = "10.50", **fields: str) -> str:
    """Transaction ``T<k>`` of account A1, one hour after the previous one, as a CSV line."""
    values = {
        "transaction_id": f"T{k}",
        "account_id": "A1",
        "timestamp": f"2024-03-01T{k:02d}:00:00Z",
        "amount": amount,
        "currency": "USD",
        "merchant_id": "M1",
        "merchant_category": "5411",
        "is_fraud": "0",
        **fields,
    }
    return ",".join(values.values()) + "\n"


GOOD = HEADER + row(1) + row(2) + row(3)


def good_frame(n: int = 3) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(HEADER + "".join(row(k) for k in range(1, n + 1))), dtype=str)


def parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@dataclass
class Case:
    suffix: str
    content: bytes | Callable[[], bytes]
    #: Records in the file (valid + rejected must add up to it), unless refused.
    records: int = 0
    #: How many of them are rejected, and fragments their reasons must contain.
    rejected: int = 0
    reasons: tuple[str, ...] = ()
    #: A pattern of the one-line error when the whole file is refused.
    refused: str | None = None
    #: Limits in force while reading (to make over-limit records small).
    limits: dict[str, int] = field(default_factory=dict)

    def data(self) -> bytes:
        return self.content() if callable(self.content) else self.content


def _truncated_parquet() -> bytes:
    data = parquet(good_frame())
    return data[: len(data) // 2]


def _nan_inf_parquet() -> bytes:
    frame = good_frame(4)
    frame["amount"] = [10.5, np.nan, np.inf, -np.inf]
    return parquet(frame)


def _wrong_types_parquet() -> bytes:
    frame = good_frame(3)
    frame["timestamp"] = [1709287200, 1709290800, 1709294400]  # epoch seconds: refused, not guessed
    frame["is_fraud"] = ["0", "yes", "1"]
    frame["merchant_category"] = [5411, 742, 5411]  # a number: padded back to "0742"
    return parquet(frame)


def _huge_value_parquet() -> bytes:
    frame = good_frame(3)
    frame.loc[1, "merchant_id"] = "M" * 5_000
    return parquet(frame)


def _nested_column_parquet() -> bytes:
    frame = good_frame(2)
    frame["tags"] = [["a", "b"], []]
    return parquet(frame)


def _missing_column_parquet() -> bytes:
    return parquet(good_frame().drop(columns=["currency"]))


CASES: dict[str, Case] = {
    # --- whole-file problems: refused with one clear error
    "empty-file": Case(".csv", b"", refused="the file is empty"),
    "header-only": Case(".csv", HEADER.encode(), refused="has no records"),
    "header-and-blank-lines": Case(".csv", (HEADER + "\n\n  \n").encode(), refused="has no records"),
    "utf16-file": Case(".csv", GOOD.encode("utf-16"), refused="UTF-16 text"),
    "binary-garbage": Case(
        ".csv", bytes(range(256)) * 8, refused=r"the header \(CSV line 1\) has a NUL byte"
    ),
    "missing-required-column": Case(
        ".csv",
        (HEADER.replace(",currency", "") + row(1).replace(",USD", "")).encode(),
        refused=r"missing required column\(s\) currency",
    ),
    "semicolon-delimiter": Case(".csv", GOOD.replace(",", ";").encode(), refused="delimiter may be wrong"),
    "duplicate-column-name": Case(
        ".csv", (HEADER.rstrip("\n") + ",amount\n" + row(1).rstrip("\n") + ",99\n").encode(), refused="twice"
    ),
    "header-over-the-size-limit": Case(
        ".csv",
        (HEADER.rstrip("\n") + ",x" * 200 + "\n" + row(1)).encode(),
        refused="over the limit",
        limits={"max_record_bytes": 300},
    ),
    # --- records that cannot be read: each one a read error naming its line, the others kept
    "unterminated-quote-first-row": Case(
        ".csv",
        (HEADER + '"' + row(1) + row(2) + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("row 1: CSV line 2 opens a quoted field that is never closed",),
    ),
    "truncated-mid-quote": Case(
        ".csv",
        (HEADER + row(1) + row(2) + 'T3,A1,2024-03-01T03:00:00Z,1.00,USD,"M1,54').encode(),
        records=3,
        rejected=1,
        reasons=("row 3: CSV line 4 opens a quoted field that is never closed",),
    ),
    "unterminated-quote-closed-by-a-later-quote": Case(
        # the stray quote of line 3 would swallow lines 3-5 up to the quoted field of line 5
        ".csv",
        (
            HEADER + row(1) + row(2, merchant_id='"M2') + row(3) + row(4, merchant_id='"M,4"') + row(5)
        ).encode(),
        records=5,
        rejected=1,
        reasons=("row 2: CSV line 3 opens a quoted field that closes only on line 5",),
    ),
    "quoted-field-over-the-size-limit": Case(
        ".csv",
        (HEADER + row(1, merchant_id='"M1') + "".join(row(k) for k in range(2, 12))).encode(),
        records=11,
        rejected=1,
        reasons=("CSV line 2 opens a quoted field that is not closed within 400 bytes",),
        limits={"max_record_bytes": 400},
    ),
    "record-over-the-size-limit": Case(
        ".csv",
        (HEADER + row(1) + row(2, merchant_id="M" * 5_000) + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("row 2: CSV line 3 is 5,", "over the limit of 1,000"),
        limits={"max_record_bytes": 1_000},
    ),
    "nul-byte-in-a-field": Case(
        ".csv",
        (HEADER + row(1) + row(2, merchant_id="M\x002") + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("row 2: CSV line 3 has a NUL byte in field 'merchant_id'",),
    ),
    "latin1-bytes-in-a-record": Case(
        ".csv",
        HEADER.encode() + row(1, merchant_id="Café").encode("latin-1") + row(2).encode(),
        records=2,
        rejected=1,
        reasons=("row 1: CSV line 2 is not UTF-8 text (byte 0xe9",),
    ),
    "too-many-fields": Case(
        ".csv",
        (HEADER + row(1) + row(2).rstrip("\n") + ",EXTRA\n" + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("row 2: CSV line 3 has 9 fields, the header has 8",),
    ),
    "too-few-fields": Case(
        ".csv",
        (HEADER + row(1) + row(2).rsplit(",", 1)[0] + "\n" + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("CSV line 3 has 7 fields, the header has 8 (no value for is_fraud)",),
    ),
    # --- records that read but break the schema or a rule
    "missing-required-fields": Case(
        ".csv",
        (HEADER + row(1, amount="") + row(2, account_id="", is_fraud="") + row(3)).encode(),
        records=3,
        rejected=2,
        reasons=(
            "transaction T1: amount is missing",
            "transaction T2: account_id is missing; is_fraud is missing",
        ),
    ),
    "wrong-types": Case(
        ".csv",
        (HEADER + row(1, amount="ten") + row(2, timestamp="yesterday") + row(3, is_fraud="yes")).encode(),
        records=3,
        rejected=3,
        reasons=(
            "amount 'ten' is not a finite number",
            "timestamp 'yesterday' cannot be parsed",
            "'yes' is not 0 or 1",
        ),
    ),
    "nan-and-inf-amounts": Case(
        ".csv",
        (HEADER + row(1, amount="nan") + row(2, amount="inf") + row(3, amount="-Infinity")).encode(),
        records=3,
        rejected=3,
        reasons=("amount 'nan' is not a finite number", "amount '-Infinity' is not"),
    ),
    "negative-amount": Case(
        ".csv",
        (HEADER + row(1) + row(2, amount="-5.00") + row(3)).encode(),
        records=3,
        rejected=1,
        reasons=("fraud-non-negative-amount: transaction T2: amount -5 is negative",),
    ),
    "zero-amount-authorisation": Case(".csv", (HEADER + row(1, amount="0.00") + row(2)).encode(), records=2),
    "duplicate-transaction-ids": Case(
        ".csv",
        (HEADER + row(1) + row(2) + row(3, transaction_id="T1")).encode(),
        records=3,
        rejected=1,
        reasons=("fraud-unique-transaction-id: transaction T1: transaction id already used",),
    ),
    "amount-with-too-many-decimals": Case(
        ".csv",
        (HEADER + row(1, amount="1.005") + row(2)).encode(),
        records=2,
        rejected=1,
        reasons=("has more decimals than the currency's minor unit (2)",),
    ),
    # --- odd but valid files: read in full
    "utf8-bom": Case(".csv", b"\xef\xbb\xbf" + GOOD.encode(), records=3),
    "crlf-line-ends": Case(".csv", GOOD.replace("\n", "\r\n").encode(), records=3),
    "lone-cr-line-ends": Case(".csv", GOOD.replace("\n", "\r").encode(), records=3),
    "quoted-newline-in-a-field": Case(
        ".csv",
        (HEADER + row(1, merchant_id='"Corner\nShop"') + row(2)).encode(),
        records=2,
    ),
    "extra-columns": Case(
        ".csv", (HEADER.rstrip("\n") + ",note\n" + row(1).rstrip("\n") + ',"a, b"\n').encode(), records=1
    ),
    "padded-values-and-blank-lines": Case(
        ".csv",
        (HEADER + "\n" + row(1, transaction_id=" T1 ", currency=" USD") + "\n\n" + row(2)).encode(),
        records=2,
    ),
    "deep-json-text-in-a-field": Case(
        ".csv", (HEADER + row(1, merchant_id="[" * 10_000)).encode(), records=1
    ),
    # --- Parquet
    "parquet-truncated": Case(".parquet", _truncated_parquet, refused="cannot be read as parquet"),
    "parquet-not-parquet": Case(".parquet", GOOD.encode(), refused="cannot be read as parquet"),
    "parquet-no-rows": Case(".parquet", lambda: parquet(good_frame().iloc[:0]), refused="has no records"),
    "parquet-missing-column": Case(
        ".parquet", _missing_column_parquet, refused=r"missing required column\(s\) currency"
    ),
    "parquet-nan-inf-amounts": Case(
        ".parquet",
        _nan_inf_parquet,
        records=4,
        rejected=3,
        reasons=("transaction T2: amount is missing", "transaction T3: amount inf is not a finite number"),
    ),
    "parquet-wrong-types": Case(
        ".parquet",
        _wrong_types_parquet,
        records=3,
        rejected=3,
        reasons=("timestamp 1709287200 cannot be parsed as an ISO 8601 time", "is_fraud 'yes' is not 0 or 1"),
    ),
    "parquet-value-over-the-size-limit": Case(
        ".parquet",
        _huge_value_parquet,
        records=3,
        rejected=1,
        reasons=("row 2: the record's text is 5,", "over the limit of 1,000"),
        limits={"max_record_bytes": 1_000},
    ),
    "parquet-nested-extra-column": Case(".parquet", _nested_column_parquet, records=2),
}


def _write(tmp_path: Path, name: str, case: Case) -> Path:
    path = tmp_path / f"{name}{case.suffix}"
    path.write_bytes(case.data())
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input(name: str, tmp_path: Path, pm) -> None:
    case = CASES[name]
    path = _write(tmp_path, name, case)
    domain = pm.domain("fraud")
    rules = pm.rules("fraud")
    with override_limits(**case.limits):
        if case.refused is not None:
            for read in (domain.read, lambda p: list(domain.read_chunks(p, 2))):
                with pytest.raises(InvalidDataError) as info:
                    read(path)
                message = str(info.value)
                assert re.search(case.refused, message), message
                assert str(path) in message and "\n" not in message
            return
        batch = domain.read(path)
        chunks = list(domain.read_chunks(path, 2))
    assert len(batch) == case.records
    assert sum(len(c) for c in chunks) == case.records
    # reading in chunks of 2 names every record as reading the file whole does
    whole_errors = batch["_read_error"].tolist()
    chunk_errors = [e for c in chunks for e in c["_read_error"].tolist()]
    assert chunk_errors == whole_errors
    out = validate_batch(domain, batch, rules)
    assert len(out.valid) == case.records
    rejected = [reasons for reasons, ok in zip(out.reasons, out.valid, strict=True) if not ok]
    assert len(rejected) == case.rejected, rejected
    names = {"read", *rules}
    for reasons in rejected:
        assert reasons
        for reason in reasons:
            rule, _, rest = reason.partition(": ")
            assert rule in names and rest.startswith(("transaction ", "row ")), reason
    for expected in case.reasons:
        assert any(expected in r for reasons in rejected for r in reasons), (expected, rejected)


def test_the_corpus_tries_at_least_25_classes() -> None:
    assert len(CASES) >= 25
    assert sum(c.suffix == ".parquet" for c in CASES.values()) >= 8


# ----------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    ("name", "content", "valid"),
    [
        ("unterminated-quote-first-row", HEADER + '"' + row(1) + row(2) + row(3), 2),
        ("truncated-mid-quote", HEADER + row(1) + row(2) + 'T3,A1,2024-03-01T03:00:00Z,1.00,USD,"M1,54', 2),
        ("nul-byte", HEADER + row(1) + row(2, merchant_id="M\x002") + row(3), 2),
        ("short-row", HEADER + row(1) + row(2).rsplit(",", 1)[0] + "\n" + row(3), 2),
    ],
)
@pytest.mark.parametrize("block_size", [None, 2])
def test_cli_counts_add_up_to_the_records_of_the_file(
    name: str, content: str, valid: int, block_size: int | None, tmp_path: Path, pm
) -> None:
    manager.reset_plugin_manager(lambda: pm)
    path = tmp_path / f"{name}.csv"
    path.write_bytes(content.encode())
    args = ["validate", "fraud", str(path), "--json"]
    if block_size is not None:
        args += ["--block-size", str(block_size)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 6, result.output
    assert "Traceback" not in result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["records"] == 3 and summary["valid"] == valid
    assert summary["rules"]["read"]["failed"] == 3 - valid
    assert summary["read_error"] is None


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (GOOD.replace(",", ";"), "delimiter may be wrong"),
        ("", "the file is empty"),
        (HEADER, "has no records"),
    ],
)
def test_cli_refuses_a_file_that_is_no_transaction_table(content: str, text: str, tmp_path: Path, pm) -> None:
    manager.reset_plugin_manager(lambda: pm)
    path = tmp_path / "t.csv"
    path.write_text(content)
    for extra in ([], ["--block-size", "2"]):
        result = CliRunner().invoke(app, ["validate", "fraud", str(path), *extra])
        assert result.exit_code == 2, result.output
        assert text in result.output and "Traceback" not in result.output
