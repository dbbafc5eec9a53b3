"""Atomic writes, table I/O and the download cache with checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from synthgenesis.datasets import DownloadError, fetch_file
from synthgenesis.errors import InvalidDataError
from synthgenesis.io import atomic_write, read_table, write_json, write_table


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


def test_cache_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthgenesis.datasets import cache_dir

    monkeypatch.setenv("SYNTHGENESIS_DATA_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
