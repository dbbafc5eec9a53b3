"""Download, cache and checksum public reference data.

Built-in reference datasets that ship inside permissively licensed packages
load offline. Public datasets that must be downloaded go through
:func:`fetch_file`: the file is downloaded once into the cache folder
(``$SYNTHGENESIS_DATA_DIR``, else ``~/.cache/synthgenesis``), its SHA-256 is
checked, and later calls read the cached copy without touching the network.
A user who already has the file can place it in the cache folder, or point
``SYNTHGENESIS_DATA_DIR`` at a folder holding it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

from synthgenesis.errors import InvalidDataError, SynthgenesisError
from synthgenesis.io import atomic_path

ENV_DATA_DIR = "SYNTHGENESIS_DATA_DIR"


class DownloadError(SynthgenesisError):
    """A reference file could not be downloaded."""

    exit_code = 7


def cache_dir() -> Path:
    """The folder that holds downloaded reference data."""
    env = os.environ.get(ENV_DATA_DIR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "synthgenesis"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def fetch_file(
    url: str, *, filename: str, sha256: str, folder: Path | None = None, timeout: float = 60
) -> Path:
    """Return the local path of ``filename``, downloading it from ``url`` if needed.

    The checksum is verified on every call, so a truncated or tampered cached
    file is detected; a bad download is never moved into the cache.
    """
    folder = folder or cache_dir()
    target = folder / filename
    if target.exists():
        actual = sha256_of(target)
        if actual != sha256:
            raise InvalidDataError(
                f"{target}: checksum mismatch (sha256 {actual}, expected {sha256}); "
                f"delete the file to download it again"
            )
        return target
    try:
        with atomic_path(target) as tmp:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
            actual = sha256_of(tmp)
            if actual != sha256:
                raise InvalidDataError(
                    f"download of {url} has sha256 {actual}, expected {sha256}; the file was not kept"
                )
    except OSError as exc:
        raise DownloadError(
            f"could not download {filename} from {url}: {exc}; download it by hand and place it at {target}"
        ) from exc
    return target
