"""Malformed molecule files: every record is accounted for, named, and nothing crashes.

Each case is one class of malformed input for SMILES, SDF or CSV files. It is
read whole (``read``) and streamed (``read_chunks``), which must agree, and
then checked with every default molecules rule through ``validate_batch``:
valid + rejected equals the records the file holds, every read error names its
line or record, and every rejection names its rule. Files that cannot be read
at all are refused with one clear error instead.
"""

from __future__ import annotations

import gzip
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from rdkit import Chem
from typer.testing import CliRunner

from synthgenesis.cli import app
from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import limits
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.molecules import formats
from synthgenesis.types import READ_ERROR_COLUMN

BOM = b"\xef\xbb\xbf"
MB = limits().max_record_bytes


def _molblock(smiles: str, title: str, **props: str) -> str:
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    mol.UpdatePropertyCache(strict=False)
    mol.SetProp("_Name", title)
    for key, value in props.items():
        mol.SetProp(key, value)
    return Chem.SDWriter.GetText(mol)  # ends with "$$$$\n"


ETHANOL = _molblock("CCO", "ethanol", source="good")
BENZENE = _molblock("c1ccccc1", "benzene")
PHENOL = _molblock("Oc1ccccc1", "phenol")


def _binary(seed: int, size: int = 4096) -> bytes:
    """Random bytes that do not start like a compressed file or a UTF-16 text."""
    return b"\x01" + random.Random(seed).randbytes(size)


def _expected_smiles_records(data: bytes) -> int:
    """Records in a SMILES file, counted line by line: every line but blank lines and ``#`` comments."""
    count = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        if b"\x00" in raw:
            count += 1
            continue
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            count += 1
            continue
        if text and not text.startswith("#"):
            count += 1
    return count


@dataclass
class Case:
    """A malformed file and what reading it must give."""

    suffix: str
    data: bytes
    records: int = 0  #: records the file holds (valid + rejected)
    #: record index -> a text its read error must contain (each names the line or record)
    read_errors: dict[int, str] = field(default_factory=dict)
    #: record index -> the rule that must reject it (besides read errors)
    rejected_by: dict[int, str] = field(default_factory=dict)
    ids: list[str] | None = None  #: expected record ids, if checked
    refused: str | None = None  #: a file that cannot be read: text of the one error


def _huge_csv_row() -> bytes:
    return b"smiles,record_id,note\nCCO,e1,x\nCCN,e2," + b"y" * (MB + 10) + b"\nCCC,e3,z\n"


CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ SMILES files
    "smi-bom-before-header": Case(
        ".smi", BOM + b"SMILES Name\nCCO ethanol\nc1ccccc1 benzene\n", 2, ids=["ethanol", "benzene"]
    ),
    "smi-bom-no-header": Case(".smi", BOM + b"CCO ethanol\n", 1, ids=["ethanol"]),
    "smi-crlf-line-ends": Case(".smi", b"SMILES\tName\r\nCCO a\r\nCCN b\r\n", 2, ids=["a", "b"]),
    "smi-cr-only-line-ends": Case(".smi", b"CCO a\rCCN b\rCCC c", 3, ids=["a", "b", "c"]),
    "smi-blank-and-whitespace-lines": Case(".smi", b"\n   \n\t\nCCO a\n \t \n\n", 1, ids=["a"]),
    "smi-tabs-and-spaces-between-smiles-and-name": Case(
        ".smi",
        b"CCO\tethyl alcohol\nCCN  amine one\nCCC\t \tpropane\n",
        3,
        ids=["ethyl alcohol", "amine one", "propane"],
    ),
    "smi-not-utf8": Case(
        ".smi", b"CCO a\nC\xff\xfeO bad\nCCN c\n", 3, read_errors={1: "line 2: not UTF-8 text"}
    ),
    "smi-nul-byte-in-smiles": Case(
        ".smi", b"CCO a\nC\x00CO b\nCCN c\n", 3, read_errors={1: "line 2: holds a NUL byte at column 2"}
    ),
    "smi-nul-byte-in-name": Case(
        ".smi", b"CCO na\x00me\nCCN c\n", 2, read_errors={0: "line 1: holds a NUL byte at column 7"}
    ),
    "smi-binary-garbage": Case(".smi", _binary(1), _expected_smiles_records(_binary(1))),
    "smi-empty-file": Case(".smi", b"", refused="holds no molecules"),
    "smi-header-only": Case(".smi", b"SMILES Name\n", refused="holds no molecules"),
    "smi-comments-only": Case(".smi", b"# one\n# two\n", refused="holds no molecules"),
    "smi-utf16": Case(".smi", "SMILES Name\nCCO a\n".encode("utf-16"), refused="UTF-16 text"),
    "smi-gzip": Case(".smi", gzip.compress(b"CCO a\n"), refused="gzip-compressed"),
    "smi-line-over-byte-limit": Case(
        ".smi",
        b"CCO a\n" + b"C" * (MB + 5) + b" huge\nCCN c\n",
        3,
        read_errors={1: f"line 2: the line is {MB + 10:,} bytes, over the limit of {MB:,}"},
    ),
    "smi-atoms-over-limit": Case(
        ".smi", b"C" * 200_000 + b" chain\nCCO a\n", 2, read_errors={0: "200,000 atoms, over the limit"}
    ),
    "smi-deeply-nested-branches": Case(
        ".smi", b"C(" * 100_000 + b"\nCCO a\n", 2, read_errors={0: "line 1: SMILES has 100,000 atoms"}
    ),
    "smi-runaway-unclosed-branches": Case(
        ".smi", b"C(" * 5_000 + b" x\nCCO a\n", 2, read_errors={0: "5,000 branches opened with '('"}
    ),
    "smi-syntax-error": Case(
        ".smi", b"C1CC( broken\nCCO a\n", 2, read_errors={0: "line 1: SMILES could not be parsed"}
    ),
    "smi-non-ascii-character": Case(
        ".smi", "CCÖ umlaut\nCCO a\n".encode(), 2, read_errors={0: "never contains ('Ö' at position 2)"}
    ),
    "smi-header-later-in-file": Case(
        ".smi", b"CCO a\nSMILES name\n", 2, read_errors={1: "line 2: SMILES could not be parsed"}
    ),
    "smi-no-final-newline": Case(".smi", b"CCO a\nCCN b", 2, ids=["a", "b"]),
    "smi-duplicate-names": Case(".smi", b"CCO x\nCCN x\nCCC x\n", 3, ids=["x", "x#2", "x#3"]),
    "smi-chemically-invalid": Case(
        ".smi",
        b"CC(C)(C)(C)C five\n[Hg](C)C mercury\n[H][H] none\nC[N+](C)(C)CC[N+](C)(C)CC[N+](C)(C)C tri\n",
        4,
        rejected_by={
            0: "molecules-sanitization",
            1: "molecules-allowed-elements",
            2: "molecules-size",
            3: "molecules-net-charge",
        },
    ),
    # ------------------------------------------------------------------ SDF
    "sdf-no-final-terminator": Case(
        ".sdf", (ETHANOL + BENZENE.removesuffix("$$$$\n")).encode(), 2, ids=["ethanol", "benzene"]
    ),
    "sdf-truncated-in-atom-block": Case(
        ".sdf",
        (ETHANOL + "\n".join(PHENOL.splitlines()[:7]) + "\n").encode(),
        2,
        read_errors={1: "SDF record 2 (phenol), lines"},
    ),
    "sdf-bom": Case(".sdf", BOM + (ETHANOL + BENZENE).encode(), 2, ids=["ethanol", "benzene"]),
    "sdf-crlf-line-ends": Case(
        ".sdf", (ETHANOL + BENZENE).replace("\n", "\r\n").encode(), 2, ids=["ethanol", "benzene"]
    ),
    "sdf-v2000-over-999-atoms": Case(
        ".sdf",
        (
            ETHANOL
            + "\n".join(
                line if k != 3 else "1000999  0  0  0  0  0  0  0  0999 V2000"
                for k, line in enumerate(PHENOL.splitlines())
            )
            + "\n"
        ).encode(),
        2,
        read_errors={1: "SDF record 2 (phenol), lines"},
    ),
    "sdf-record-over-byte-limit": Case(
        ".sdf",
        (ETHANOL + _molblock("CCN", "big", note="x" * (MB + 10)) + BENZENE).encode(),
        3,
        read_errors={1: f"over the limit of {MB:,}"},
    ),
    "sdf-not-utf8-data-item": Case(
        ".sdf",
        ETHANOL.encode() + _molblock("CCN", "amine", note="NOTE").encode().replace(b"NOTE", b"\xe9t\xe9"),
        2,
        read_errors={1: "SDF record 2 (amine), line"},
    ),
    "sdf-nul-byte": Case(
        ".sdf",
        ETHANOL.encode() + BENZENE.encode().replace(b"benzene", b"ben\x00zene"),
        2,
        read_errors={1: "holds a NUL byte"},
    ),
    "sdf-binary-garbage": Case(".sdf", _binary(2).replace(b"$", b"%"), 1, read_errors={0: "SDF record 1"}),
    "sdf-only-terminators": Case(
        ".sdf", b"$$$$\n$$$$\n", 2, read_errors={0: "SDF record 1, line 1", 1: "SDF record 2, line 2"}
    ),
    "sdf-empty-file": Case(".sdf", b"", refused="holds no molecules"),
    "sdf-invalid-chemistry": Case(
        ".sdf",
        (ETHANOL + _molblock("CC(C)(C)(C)C", "five-valent")).encode(),
        2,
        rejected_by={1: "molecules-sanitization"},
        ids=["ethanol", "five-valent"],
    ),
    # ------------------------------------------------------------------ CSV
    "csv-bom": Case(".csv", BOM + b"smiles,record_id\nCCO,e1\nCCN,e2\n", 2, ids=["e1", "e2"]),
    "csv-unterminated-quote-first-row": Case(
        ".csv",
        b'smiles,record_id,note\nCCO,e1,"open\nCCN,e2,x\nCCC,e3,y\n',
        3,
        read_errors={0: "line 2: a quoted field opened on this line is not closed"},
        ids=["line 2", "e2", "e3"],
    ),
    "csv-truncated-mid-quote": Case(
        ".csv",
        b'smiles,record_id,note\nCCO,e1,x\nCCN,e2,"cut short',
        2,
        read_errors={1: "line 3: a quoted field opened on this line is not closed before the end"},
    ),
    "csv-quoted-field-over-lines": Case(
        ".csv", b'smiles,record_id,note\nCCO,e1,"two\nlines"\nCCN,e2,x\n', 2, ids=["e1", "e2"]
    ),
    "csv-missing-fields": Case(
        ".csv",
        b"smiles,record_id,logp\nCCO,e1,1.0\nCCN,e2\n",
        2,
        read_errors={1: "line 3: 2 fields, header has 3"},
    ),
    "csv-extra-fields": Case(
        ".csv",
        b"smiles,record_id\nCCO,e1\nCCN,e2,surplus\n",
        2,
        read_errors={1: "line 3: 3 fields, header has 2"},
    ),
    "csv-no-smiles-column": Case(".csv", b"name,value\na,1\n", refused="no 'smiles' column"),
    "csv-semicolon-delimited": Case(
        ".csv", b"smiles;record_id\nCCO;e1\n", refused="fields must be separated by commas"
    ),
    "csv-duplicate-columns": Case(
        ".csv", b"smiles,record_id,logp,LogP\nCCO,e1,1,2\n", refused="more than once"
    ),
    "csv-header-only": Case(".csv", b"smiles,record_id\n", refused="holds no molecules"),
    "csv-empty-file": Case(".csv", b"", refused="empty CSV file"),
    "csv-empty-smiles-cell": Case(
        ".csv", b"smiles,record_id\n,e1\nCCO,e2\n", 2, read_errors={0: "line 2: empty SMILES"}
    ),
    "csv-nan-and-inf": Case(
        ".csv",
        b"smiles,record_id,logp\nnan,e1,1\nCCO,e2,nan\nCCN,e3,inf\n",
        3,
        read_errors={0: "line 2: SMILES could not be parsed"},
    ),
    "csv-nul-byte": Case(
        ".csv", b"smiles,record_id\nCCO,e\x001\nCCN,e2\n", 2, read_errors={0: "line 2: holds a NUL byte"}
    ),
    "csv-not-utf8-in-extra-column": Case(
        ".csv",
        b"smiles,record_id,note\nCCO,e1,caf\xe9\nCCN,e2,x\n",
        2,
        read_errors={0: "line 2: not UTF-8 text"},
    ),
    "csv-row-over-byte-limit": Case(
        ".csv", _huge_csv_row(), 3, read_errors={1: f"line 3: the line is {MB + 17:,} bytes"}
    ),
    "csv-crlf-and-blank-lines": Case(
        ".csv", b"smiles,record_id\r\n\r\nCCO,e1\r\n  \r\nCCN,e2\r\n", 2, ids=["e1", "e2"]
    ),
    "csv-binary-garbage": Case(".csv", _binary(3), refused="cannot be read"),
}


@pytest.fixture(scope="module")
def domain_and_rules(pm):
    return pm.domain("molecules"), pm.rules("molecules")


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_file_is_accounted_for(name: str, tmp_path: Path, domain_and_rules) -> None:
    case = CASES[name]
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.data)
    domain, rules = domain_and_rules
    start = time.perf_counter()
    if case.refused is not None:
        with pytest.raises(InvalidDataError, match=case.refused) as caught:
            formats.read(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
        with pytest.raises(InvalidDataError, match=case.refused):
            list(formats.read_chunks(path, 2))
        return
    batch = formats.read(path)
    streamed = pd.concat(list(formats.read_chunks(path, 2)), ignore_index=True)
    pd.testing.assert_frame_equal(streamed, batch)
    assert time.perf_counter() - start < 10
    assert len(batch) == case.records
    if case.ids is not None:
        assert list(batch["record_id"]) == case.ids
    errors = batch[READ_ERROR_COLUMN]
    for index, text in case.read_errors.items():
        assert isinstance(errors.iat[index], str) and text in errors.iat[index], errors.iat[index]
    unexpected = [i for i in range(len(batch)) if errors.iat[i] is not None and i not in case.read_errors]
    if name not in ("smi-binary-garbage",):
        assert unexpected == [], errors.tolist()
    for error in errors.dropna():
        assert error.startswith(("line ", "lines ", "SDF record ")), error
        assert len(error) < 600  # a huge value is never copied into a reason

    outcome = validate_batch(domain, batch, rules)
    assert int(outcome.valid.sum()) + len(outcome.rejected) == case.records
    rule_names = {"read", *rules}
    for reasons, ok in zip(outcome.reasons, outcome.valid, strict=True):
        assert ok == (not reasons)
        for reason in reasons:
            assert reason.split(":", 1)[0] in rule_names, reason
    for index, rule in case.rejected_by.items():
        assert any(r.startswith(f"{rule}:") for r in outcome.reasons[index]), outcome.reasons[index]
    for stats in outcome.stats.values():
        for example in stats.examples:  # examples name the record they are about
            assert example.startswith(("line ", "lines ", "SDF record ", "record_id=")), example


def test_corpus_is_broad() -> None:
    assert len(CASES) >= 25
    assert {case.suffix for case in CASES.values()} == {".smi", ".sdf", ".csv"}


# ----------------------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "exit_code", "text"),
    [
        ("smi-bom-before-header", 0, "2 of 2 records valid"),
        ("smi-line-over-byte-limit", 6, "2 of 3 records valid"),
        ("csv-unterminated-quote-first-row", 6, "2 of 3 records valid"),
        ("sdf-truncated-in-atom-block", 6, "1 of 2 records valid"),
        ("smi-utf16", 2, "UTF-16 text"),
        ("csv-no-smiles-column", 2, "no 'smiles' column"),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_cli_validate(name: str, exit_code: int, text: str, chunked: bool, tmp_path: Path) -> None:
    case = CASES[name]
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.data)
    args = ["validate", "molecules", str(path)] + (["--block-size", "1"] if chunked else [])
    result = runner.invoke(app, args)
    output = " ".join(result.output.split())
    assert result.exit_code == exit_code, result.output
    assert text in output
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------------- streaming


def test_line_splitter_matches_splitlines_and_bounds_memory() -> None:
    data = b"a\r\nbb\rccc\n\n" + b"x" * 50 + b"\r\n\r" + b"tail"
    for block in (1, 2, 3, 7, 64):
        blocks = [data[i : i + block] for i in range(0, len(data), block)]
        lines = list(formats.split_lines(blocks, limit=10))
        assert [raw for _, raw, _ in lines] == [None if len(x) > 10 else x for x in data.splitlines()]
        assert [size for _, _, size in lines] == [len(x) for x in data.splitlines()]
        assert [n for n, _, _ in lines] == list(range(1, len(data.splitlines()) + 1))


def test_a_huge_line_is_measured_not_kept(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "huge.smi"
    with open(path, "wb") as fh:
        fh.write(b"CCO a\n")
        for _ in range(40):
            fh.write(b"C" * 1_000_000)  # one 40 MB line
        fh.write(b"\nCCN b\n")
    tracemalloc.start()
    batch = formats.read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert list(batch["record_id"]) == ["a", "line 2", "b"]
    assert batch[READ_ERROR_COLUMN].iat[1] == (
        f"line 2: the line is 40,000,000 bytes, over the limit of {MB:,} "
        "(raise SYNTHGENESIS_MAX_RECORD_BYTES to accept it)"
    )
    assert peak < 8 * MB  # about one block and one record limit, never the 40 MB line
