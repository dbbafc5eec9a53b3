"""The reader helpers every domain shares: line cutting, non-text refusal, text checks, ids, chunks."""

from __future__ import annotations

import gzip
import itertools
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import override_limits
from synthgenesis.readers import (
    batched,
    file_lines,
    format_of,
    read_text,
    record_frame,
    refuse_non_text,
    require_records,
    split_lines,
    text_problem,
    unique_ids,
    wrong_delimiter,
)


def _blocks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=60).map(lambda b: b.replace(b"x", b"\r").replace(b"y", b"\n")),
    st.lists(st.integers(0, 80)),
)
def test_any_newlines_cut_like_splitlines_whatever_the_blocks(data: bytes, cuts: list[int]) -> None:
    lines = list(split_lines(_blocks(data, cuts), limit=1000))
    # Only \r and \n break lines here (bytes.splitlines also breaks at \x0b, \x0c, \x1c-\x1e).
    expected = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert [raw for _, raw, _ in lines] == expected
    assert [n for n, _, _ in lines] == list(range(1, len(expected) + 1))
    assert [size for _, _, size in lines] == [len(p) for p in expected]


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=60).map(lambda b: b.replace(b"x", b"\r").replace(b"y", b"\n")),
    st.lists(st.integers(0, 80)),
)
def test_lf_newlines_break_at_lf_only(data: bytes, cuts: list[int]) -> None:
    got = [raw for _, raw, _ in split_lines(_blocks(data, cuts), limit=1000, newlines="lf")]
    whole = [raw for _, raw, _ in split_lines([data], limit=1000, newlines="lf")]
    assert got == whole
    assert all(b"\n" not in raw for raw in got)
    expected = [p.removesuffix(b"\r") for p in data.split(b"\n")]
    if expected[-1] == b"":
        expected.pop()
    assert got == expected


def test_lf_newlines_known_answers() -> None:
    def cut(data: bytes) -> list[bytes | None]:
        return [raw for _, raw, _ in split_lines([data], limit=1000, newlines="lf")]

    assert cut(b"a\r\nb\rc\n") == [b"a", b"b\rc"]
    assert cut(b"a\r\r\nb") == [b"a\r", b"b"]
    assert cut(b"a\nb\r") == [b"a", b"b"]
    assert cut(b"") == []


def test_a_line_over_the_limit_is_measured_not_kept() -> None:
    data = b"ok\n" + b"x" * 50 + b"\r\nafter\n"
    for blocks in (_blocks(data, list(range(0, len(data), 7))), [data]):
        lines = list(split_lines(blocks, limit=10))
        assert lines == [(1, b"ok", 2), (2, None, 50), (3, b"after", 5)]


def test_file_lines_skip_a_bom_and_refuse_what_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfone\ntwo")
    assert [raw for _, raw, _ in file_lines(path)] == [b"one", b"two"]
    path.write_bytes("one\n".encode("utf-16"))
    with pytest.raises(InvalidDataError, match="UTF-16 text; save it as UTF-8"):
        list(file_lines(path))
    path.write_bytes(gzip.compress(b"one\n"))
    with pytest.raises(InvalidDataError, match="gzip-compressed; decompress it first"):
        list(file_lines(path))
    with pytest.raises(InvalidDataError, match="no such file"):
        list(file_lines(tmp_path / "missing.txt"))
    with pytest.raises(InvalidDataError, match="a folder"):
        list(file_lines(tmp_path))
    with override_limits(max_record_bytes=3):
        path.write_bytes(b"ab\nabcdef\n")
        assert list(file_lines(path)) == [(1, b"ab", 2), (2, None, 6)]


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe\x00\x00", "UTF-32"),
        (b"\xfe\xffx", "UTF-16"),
        (b"PK\x03\x04", "zip archive"),
        (b"\xfd7zXZ\x00", "xz-compressed"),
        (b"BZh91AY&SY", "bzip2-compressed"),
    ],
)
def test_refuse_non_text_names_what_the_file_is(head: bytes, what: str) -> None:
    with pytest.raises(InvalidDataError, match=what):
        refuse_non_text("f.txt", head + b"rest")


def test_refuse_non_text_lets_text_through() -> None:
    refuse_non_text("f.txt", b"\xef\xbb\xbfCCO\n")
    refuse_non_text("f.txt", b"")


def test_read_text_strict_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"\xef\xbb\xbf[1]\n")
    assert read_text(path) == "[1]\n"
    path.write_bytes(b"[1,\n 'caf\xe9']")
    with pytest.raises(InvalidDataError, match=r"not UTF-8 text \(byte 0xe9 on line 2\); save it as UTF-8"):
        read_text(path)
    assert read_text(path, errors="replace") == "[1,\n 'caf\ufffd']"


def test_text_problem_names_the_column() -> None:
    assert text_problem(b"CCO") is None
    assert text_problem("café".encode()) is None
    assert text_problem(b"C\x00O") == "holds a NUL byte at column 2 (binary data, not text)"
    assert (
        text_problem(b"C\x00O", "the line") == "the line holds a NUL byte at column 2 (binary data, not text)"
    )
    assert text_problem(b"caf\xe9") == "not UTF-8 text (byte 0xe9 at column 4: unexpected end of data)"
    assert text_problem(b"caf\xe9x", "the line").startswith(
        "the line is not UTF-8 text (byte 0xe9 at column 4"
    )


def test_unique_ids_carry_counts_across_chunks() -> None:
    seen: Counter[str] = Counter()
    assert unique_ids(["a", "b", "a"], seen) == ["a", "b", "a#2"]
    assert unique_ids(["a", "c"], seen) == ["a#3", "c"]
    assert unique_ids(["a", "a"]) == ["a", "a#2"]


def test_record_frame_puts_the_named_columns_first_as_objects() -> None:
    rows = [{"id": "x", "s": 1, "err": None, "extra": 2.5}, {"id": "y", "s": None, "err": "bad", "more": "m"}]
    frame = record_frame(rows, ("id", "s", "err"))
    assert list(frame.columns) == ["id", "s", "err", "extra", "more"]
    assert all(frame[c].dtype == object for c in ("id", "s", "err"))
    assert frame["s"].tolist() == [1, None]
    assert record_frame([], ("id", "s", "err")).columns.tolist() == ["id", "s", "err"]


def test_batched_and_require_records() -> None:
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="positive"):
        list(batched(range(3), 0))
    frames = [pd.DataFrame({"a": [1]}), pd.DataFrame({"a": []}), pd.DataFrame({"a": [2, 3]})]
    assert [len(f) for f in require_records(frames, lambda: "none")] == [1, 2]
    with pytest.raises(InvalidDataError, match=r"f\.csv: holds nothing"):
        list(require_records([pd.DataFrame({"a": []})], lambda: "f.csv: holds nothing"))


def test_format_of() -> None:
    assert format_of("x/a.SMI", (".smi", ".sdf"), "molecule") == ".smi"
    with pytest.raises(
        InvalidDataError, match=r"a\.txt: unsupported molecule format '\.txt'; use one of \.smi, \.sdf"
    ):
        format_of("a.txt", (".smi", ".sdf"), "molecule")


def test_wrong_delimiter() -> None:
    assert wrong_delimiter(["a;b;c"]) == "semicolons"
    assert wrong_delimiter(["a\tb"]) == "tabs"
    assert wrong_delimiter(["a|b"]) == "vertical bars"
    assert wrong_delimiter(["a|b"], ";\t") is None
    assert wrong_delimiter(["a;b", "c"]) is None
    assert wrong_delimiter(["abc"]) is None
