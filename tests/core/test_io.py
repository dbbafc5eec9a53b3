"""Atomic writes, table I/O and the download cache with checksums."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgenesis.datasets import DownloadError, fetch_file
from synthgenesis.errors import InvalidDataError
from synthgenesis.io import atomic_write, iter_table, read_table, write_json, write_table
from synthgenesis.limits import override_limits
from synthgenesis.types import READ_ERROR_COLUMN


def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(fh) -> None:
        fh.write("half")
        raise RuntimeError("crash while writing")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_tables_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for name in ("t.csv", "t.parquet"):
        write_table(df, tmp_path / name)
        pd.testing.assert_frame_equal(read_table(tmp_path / name), df)


def test_table_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="no such file"):
        read_table(tmp_path / "none.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(InvalidDataError, match=r"unsupported table format '\.xlsx'"):
        read_table(tmp_path / "t.xlsx")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidDataError, match=r"broken\.parquet: cannot be read as parquet"):
        read_table(tmp_path / "broken.parquet")


def test_write_json_handles_numpy(tmp_path: Path) -> None:
    import numpy as np

    write_json(tmp_path / "m.json", {"a": np.float64(0.5), "b": np.int64(3), "c": np.array([1, 2])})
    assert (tmp_path / "m.json").read_text().count("\n") > 3


def test_fetch_file_downloads_once_and_checks(tmp_path: Path) -> None:
    source = tmp_path / "source.csv"
    source.write_text("a,b\n1,2\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    got = fetch_file(source.as_uri(), filename="data.csv", sha256=digest, folder=cache)
    assert got.read_text() == "a,b\n1,2\n"
    source.unlink()  # the cached copy is used from now on
    assert fetch_file(source.as_uri(), filename="data.csv", sha256=digest, folder=cache) == got
    got.write_text("tampered")
    with pytest.raises(InvalidDataError, match="checksum mismatch"):
        fetch_file(source.as_uri(), filename="data.csv", sha256=digest, folder=cache)


def test_fetch_file_refuses_a_bad_download(tmp_path: Path) -> None:
    source = tmp_path / "s.txt"
    source.write_text("payload")
    with pytest.raises(InvalidDataError, match="was not kept"):
        fetch_file(source.as_uri(), filename="s.txt", sha256="0" * 64, folder=tmp_path / "c")
    assert not (tmp_path / "c" / "s.txt").exists()
    with pytest.raises(DownloadError, match="place it at"):
        fetch_file((tmp_path / "missing").as_uri(), filename="m.txt", sha256="0" * 64, folder=tmp_path / "c")


@contextlib.contextmanager
def _local_http_server(folder: Path) -> Iterator[str]:
    """An HTTP server on the loopback address serving ``folder``; yields its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_fetch_file_over_http(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "ref.csv").write_bytes(b"x,y\n1,2\n")
    digest = hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    cache = tmp_path / "cache"
    with _local_http_server(served) as base:
        got = fetch_file(f"{base}/ref.csv", filename="ref.csv", sha256=digest, folder=cache)
        assert got == cache / "ref.csv" and got.read_bytes() == b"x,y\n1,2\n"
        (served / "ref.csv").unlink()
        assert fetch_file(f"{base}/ref.csv", filename="ref.csv", sha256=digest, folder=cache) == got
        with pytest.raises(DownloadError, match=r"could not download gone.csv .* place it at"):
            fetch_file(f"{base}/gone.csv", filename="gone.csv", sha256=digest, folder=cache)
        (served / "wrong.csv").write_bytes(b"not the data")
        with pytest.raises(InvalidDataError, match=r"does not match its checksum .* was not kept"):
            fetch_file(f"{base}/wrong.csv", filename="wrong.csv", sha256=digest, folder=cache)
    assert sorted(p.name for p in cache.iterdir()) == ["ref.csv"]  # no partial or rejected file left
    with pytest.raises(DownloadError, match="use an http"):
        fetch_file("gopher://127.0.0.1/x", filename="x", sha256=digest, folder=cache)


def test_cache_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthgenesis.datasets import cache_dir

    monkeypatch.setenv("SYNTHGENESIS_DATA_DIR", str(tmp_path))
    assert cache_dir() == tmp_path


# ----------------------------------------------------------------------------- CSV records


def _csv(tmp_path: Path, content: bytes | str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_an_unterminated_quote_on_the_first_row_is_named_and_the_rows_after_it_are_kept(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, 'id,name\n"1,a\n2,b\n3,c\n')
    with pytest.raises(
        InvalidDataError, match=r"row 1 opens a quoted field that is never closed .*\(CSV line 2\)"
    ):
        read_table(path)
    table = read_table(path, bad_records="mark")
    assert len(table) == 3
    assert table[READ_ERROR_COLUMN].iat[0].startswith("CSV line 2 opens a quoted field that is never closed")
    assert table["id"].tolist()[1:] == [2, 3] and table[READ_ERROR_COLUMN].iloc[1:].isna().all()
    chunks = list(iter_table(path, 2, bad_records="mark"))
    assert [c.index.tolist() for c in chunks] == [[0, 1], [2]]


def test_a_file_cut_inside_a_quoted_field_loses_no_record_silently(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'id,name\n1,a\n2,b\n3,"c and')
    with pytest.raises(InvalidDataError, match=r"after row 2: row 3 opens a quoted field .*\(CSV line 4\)"):
        list(iter_table(path, 2))
    table = read_table(path, bad_records="mark")
    assert len(table) == 3 and table[READ_ERROR_COLUMN].notna().tolist() == [False, False, True]


def test_a_stray_quote_does_not_swallow_the_lines_up_to_the_next_quote(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'id,name\n1,"a\n2,b\n3,"c,d"\n4,e\n')
    table = read_table(path, bad_records="mark")
    error = table[READ_ERROR_COLUMN].iat[0]
    assert error.startswith("CSV line 2 opens a quoted field that closes only on line 4, leaving 3 fields")
    assert table["name"].tolist()[1:] == ["b", "c,d", "e"]


def test_a_quoted_field_may_span_lines_up_to_the_record_limit(tmp_path: Path) -> None:
    note = "word " * 30 + "\n" + "more " * 30
    path = _csv(tmp_path, f'id,note\n1,"{note}"\n2,x\n3,y\n')
    assert read_table(path)["note"].tolist() == [note, "x", "y"]
    lines = "\n".join(f"{k},x" for k in range(2, 40))
    path = _csv(tmp_path, f'id,note\n1,"{note}\n{lines}\n')  # never closed: would swallow the file
    with override_limits(max_record_bytes=200):
        table = read_table(path, bad_records="mark")
    assert "is not closed within 200 bytes" in table[READ_ERROR_COLUMN].iat[0]
    # the quoted line, its second line (read again as a record of one field) and 38 records
    assert len(table) == 40 and table[READ_ERROR_COLUMN].notna().sum() == 2
    assert table["id"].tolist()[2:] == list(range(2, 40))


def test_a_nul_byte_is_a_read_error_not_a_shorter_value(tmp_path: Path) -> None:
    path = _csv(tmp_path, b"id,code\n1,AB\x00CD\n2,EF\n")
    with pytest.raises(InvalidDataError, match=r"row 1 has a NUL byte in field 'code' \(CSV line 2\)"):
        read_table(path)
    table = read_table(path, bad_records="mark", dtype=str)
    assert table["code"].isna().iat[0] and table["code"].iat[1] == "EF"
    assert "AB" not in table["code"].dropna().tolist()  # pandas alone reads 'AB'


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = _csv(tmp_path, b"\xef\xbb\xbfid,name\n1,a\n")
    assert read_table(path).columns.tolist() == ["id", "name"]
    assert next(iter_table(path, 10)).columns.tolist() == ["id", "name"]


def test_bytes_that_are_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,name\n1,a\n2,Café\n".encode("latin-1"))
    with pytest.raises(
        InvalidDataError, match=r"row 2 is not UTF-8 text \(byte 0xe9 at position 5.*CSV line 3"
    ):
        read_table(path)
    table = read_table(path, bad_records="mark")
    assert table[READ_ERROR_COLUMN].notna().tolist() == [False, True]
    assert read_table(path, encoding="latin-1")["name"].tolist() == ["a", "Café"]


def test_a_record_over_the_size_limit_is_one_unreadable_record(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,blob\n1,a\n2," + "x" * 5_000 + "\n3,c\n")
    with override_limits(max_record_bytes=1_000):
        table = read_table(path, bad_records="mark")
        with pytest.raises(InvalidDataError, match="row 2 is 5,003 bytes, over the limit of 1,000"):
            read_table(path)
    assert len(table) == 3 and table["blob"].tolist()[::2] == ["a", "c"]
    assert table[READ_ERROR_COLUMN].iat[1].startswith("CSV line 3 is 5,003 bytes, over the limit of 1,000")


def test_records_with_missing_fields_are_not_padded_with_missing_values(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,age,sex\n1,50,F\n2,60\n")
    with pytest.raises(InvalidDataError, match=r"row 2 has 2 fields, the header has 3 \(no value for sex\)"):
        read_table(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty: there is no header line"),
        ("id,name\n1,a\n".encode("utf-16"), "UTF-16 text"),
        (b"id,name,id\n1,a,2\n", r"names column 'id' twice \(columns 1 and 3\)"),
        (b'"id,name\n1,a\n', r"the header \(CSV line 1\) opens a quoted field"),
    ],
)
def test_a_file_without_a_readable_header_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = _csv(tmp_path, content)
    for bad_records in ("raise", "mark"):
        with pytest.raises(InvalidDataError, match=message):
            read_table(path, bad_records=bad_records)


def test_options_that_cut_records_differently_are_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n1,2\n")
    with pytest.raises(TypeError, match="skiprows"):
        read_table(path, skiprows=1)
    assert read_table(_csv(tmp_path, "a;b\n1;2\n"), sep=";").columns.tolist() == ["a", "b"]


# No lone "\r": pandas writes it unquoted, and every CSV reader (pandas' too) then ends a line there.
_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\t\u00e9\u2028;')), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(_TEXT, _TEXT, _TEXT), min_size=1, max_size=12),
    size=st.integers(1, 5),
    ends=st.sampled_from(["\n", "\r\n"]),
)
def test_records_written_by_pandas_read_back_whole_and_in_chunks(
    tmp_path: Path, rows, size: int, ends: str
) -> None:
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    frame.to_csv(tmp_path / "h.csv", index=False, lineterminator=ends)
    text = {"dtype": str, "keep_default_na": False}
    pd.testing.assert_frame_equal(read_table(tmp_path / "h.csv", **text), frame)
    chunks = list(iter_table(tmp_path / "h.csv", size, **text))
    pd.testing.assert_frame_equal(pd.concat(chunks), frame)
