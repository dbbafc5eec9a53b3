"""Documentation keeps up with the code: every hook, CLI command and docs page is covered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synthgenesis import hookspecs
from synthgenesis.hookspecs import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_every_hook_has_a_section_and_a_docstring() -> None:
    text = (DOCS / "hooks.md").read_text()
    headings = set(re.findall(r"^## (synthgenesis_\w+)$", text, flags=re.M))
    declared = {n for n in dir(hookspecs) if n.startswith("synthgenesis_")}
    assert declared == set(HOOK_NAMES)
    assert headings == declared, f"undocumented hooks: {declared - headings}, stale: {headings - declared}"
    for name in declared:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert ":returns:" in doc and "Example::" in doc, name


def test_every_cli_command_is_documented() -> None:
    from synthgenesis.cli import app

    text = (DOCS / "cli.md").read_text()
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert commands == {
        "plugins",
        "domains",
        "validate",
        "convert",
        "generate",
        "run",
        "demo",
        "evaluate",
        "report",
        "collapse",
        "schema",
    }
    for name in commands:
        assert re.search(rf"^## {name}$", text, flags=re.M), name


def test_every_builtin_domain_has_a_page() -> None:
    for name in ("crystals", "molecules", "patients", "fraud", "driving"):
        assert (DOCS / "domains" / f"{name}.md").exists(), name


def test_nav_lists_every_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    missing = {p for p in pages if p not in nav}
    assert not missing, f"pages missing from mkdocs.yml nav: {missing}"


def test_readme_has_exactly_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "<!-- test command -->" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test command -->" in ci and "README.md" in ci
    assert ".venv/bin/synthgenesis demo" in readme


@pytest.mark.parametrize(
    "extra", ["crystals", "molecules", "patients", "fraud", "driving", "gnn", "dask", "all"]
)
def test_extras_exist(extra: str) -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extra in extras
    assert not any(bad in dep.lower() for dep in extras[extra] for bad in ("sdv", "ctgan", "scikit-survival"))
