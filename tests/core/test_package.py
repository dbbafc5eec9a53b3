"""The package's top level: every exported name, the version, and a start-up that loads no table library."""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys

import pytest

import synthgenesis

HEAVY = ("pandas", "numpy", "scipy", "sklearn", "pyarrow", "matplotlib")


def _modules_loaded_by(code: str) -> set[str]:
    # The list goes to standard error: standard output carries what the code itself prints.
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_importing_the_package_loads_no_table_library():
    assert _modules_loaded_by("import synthgenesis") == set()


def test_help_loads_no_table_library():
    code = (
        "import sys\n"
        "sys.argv = ['synthgenesis', '--help']\n"
        "from synthgenesis.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
    )
    assert _modules_loaded_by(code) == set()


@pytest.mark.parametrize("name", synthgenesis.__all__)
def test_every_exported_name_imports(name: str):
    namespace: dict[str, object] = {}
    exec(f"from synthgenesis import {name}", namespace)
    assert namespace[name] is getattr(synthgenesis, name)
    assert name in dir(synthgenesis)


def test_lazy_names_are_the_defining_modules_objects():
    assert set(synthgenesis._LAZY) <= set(synthgenesis.__all__)
    for name, module in synthgenesis._LAZY.items():
        assert getattr(synthgenesis, name) is getattr(importlib.import_module(module), name)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        synthgenesis.NoSuchThing  # noqa: B018
    assert not hasattr(synthgenesis, "NoSuchThing")


def test_version_is_the_installed_metadata():
    assert synthgenesis.__version__ == importlib.metadata.version("synthgenesis")


def test_version_without_metadata_is_unknown(monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert synthgenesis._installed_version() == synthgenesis.UNKNOWN_VERSION == "0+unknown"


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "synthgenesis", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
