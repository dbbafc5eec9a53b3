"""Download, cache and checksum public reference data.

Built-in reference datasets that ship inside permissively licensed packages
load offline. Public datasets that must be downloaded go through
:func:`fetch_file`, which uses `pooch <https://www.fatiando.org/pooch/>`_: the
file is downloaded once into the cache folder (``$SYNTHGENESIS_DATA_DIR``, else
``~/.cache/synthgenesis``) through a temporary file that is kept only when its
SHA-256 matches, and later calls read the cached copy without touching the
network. A user who already has the file can place it in the cache folder, point
``SYNTHGENESIS_DATA_DIR`` at a folder holding it, or give a ``file://`` URL of a
local mirror.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from synthgenesis.errors import InvalidDataError, SynthgenesisError

ENV_DATA_DIR = "SYNTHGENESIS_DATA_DIR"


class DownloadError(SynthgenesisError):
    """A reference file could not be downloaded."""

    exit_code = 7


def cache_dir() -> Path:
    """The folder that holds downloaded reference data."""
    env = os.environ.get(ENV_DATA_DIR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "synthgenesis"


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks (pooch's ``file_hash``)."""
    import pooch

    return str(pooch.file_hash(str(path), alg="sha256"))


def _copy_local(url: str, output_file: Any, _pooch: Any) -> None:
    """A pooch downloader for ``file://`` URLs (a local mirror of the data)."""
    source = Path(url2pathname(urlsplit(url).path))
    with open(source, "rb") as fh:
        if isinstance(output_file, (str, os.PathLike)):
            with open(output_file, "wb") as out:
                shutil.copyfileobj(fh, out)
        else:
            shutil.copyfileobj(fh, output_file)


def fetch_file(
    url: str, *, filename: str, sha256: str, folder: Path | None = None, timeout: float = 60
) -> Path:
    """Return the local path of ``filename``, downloading it from ``url`` if needed.

    ``url`` is ``http(s)://``, ``ftp://`` or ``file://``. The checksum is verified
    on every call, so a truncated or tampered cached file is reported (not silently
    replaced); a bad download is never moved into the cache.
    """
    import pooch
    import requests

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
    scheme = urlsplit(url).scheme
    if scheme == "file":
        downloader: Any = _copy_local
    elif scheme in ("http", "https"):
        downloader = pooch.HTTPDownloader(progressbar=False, timeout=timeout)
    elif scheme == "ftp":
        downloader = pooch.FTPDownloader(progressbar=False, timeout=timeout)
    else:
        raise DownloadError(f"cannot download {filename} from {url}: use an http(s), ftp or file URL")
    try:
        pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename, path=folder, downloader=downloader)
    except ValueError as exc:  # pooch's hash mismatch; the temporary file is already deleted
        raise InvalidDataError(
            f"download of {url} does not match its checksum ({exc}); the file was not kept"
        ) from exc
    except (OSError, requests.RequestException) as exc:
        raise DownloadError(
            f"could not download {filename} from {url}: {exc}; download it by hand and place it at {target}"
        ) from exc
    return target
