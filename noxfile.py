"""Development sessions: ``nox -l`` lists them, ``nox -s NAME`` runs one; extra arguments go to the tool."""

from __future__ import annotations

import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "importlinter", "tests"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Domain and feature extras, read from pyproject.toml so a new extra is tested automatically.
# gnn is left out: torch must be installed first with an exact pin (see docs/install.md).
NOT_DOMAINS = ("all", "test", "lint", "dev", "gnn")
EXTRAS = [e for e in PYPROJECT["project"]["optional-dependencies"] if e not in NOT_DOMAINS]


def _lint_pins(*names: str) -> list[str]:
    """The lint extra's pinned requirements for the named tools."""
    pins = PYPROJECT["project"]["optional-dependencies"]["lint"]
    return [pin for pin in pins if any(pin.startswith(name) for name in names)]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check (complexity and public docstrings included) and ruff format --check."""
    session.install(*_lint_pins("ruff"))
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy on synthgenesis and synthgenesis.plugins, under their package names (tools/package_tree.py)."""
    session.install("-e", ".[all,lint]")
    session.run("python", "tools/package_tree.py", "mypy", *session.posargs)


@nox.session
def importlinter(session: nox.Session) -> None:
    """The import layers contract in pyproject.toml ([tool.importlinter])."""
    session.install("-e", ".[lint]")
    session.run("python", "tools/package_tree.py", "lint-imports", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """The core test suite without any domain extra (domain tests skip with their reason).

    ``nox -s tests -- -m "not slow"`` leaves out the tests that take a few seconds or more.
    """
    session.install("-e", ".[test]")
    session.run("pytest", "--strict-markers", *session.posargs)


@nox.session
@nox.parametrize("extra", EXTRAS)
def tests_extra(session: nox.Session, extra: str) -> None:
    """Each extra alone: the core tests plus that domain's tests."""
    session.install("-e", f".[{extra},test]")
    folder = ROOT / "tests" / "plugins" / extra
    paths = ["tests/core", str(folder)] if folder.exists() else ["tests/core"]
    session.run("pytest", "--strict-markers", *paths, *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation; warnings are errors."""
    session.install("mkdocs")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def demo(session: nox.Session) -> None:
    """The README demo in a fresh environment."""
    session.install(".[patients]")
    session.run(
        "synthgenesis", "demo", "--out", str(session.create_tmp() + "/demo"), "--overwrite", *session.posargs
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: every domain's generate + validate beside its peers, in one run (run_all.py).

    The peers SMACT and highway-env are benchmark-only dependencies, never in an extra.
    Pass arguments through, e.g. ``nox -s bench -- --quick``.
    """
    session.install("-e", ".[all,test]", "prdc", "smact", "highway-env")
    session.run("python", "benchmarks/run_all.py", *session.posargs, env={"OMP_NUM_THREADS": "1"})
