"""synthgenesis: trustworthy synthetic data.

Generate domain data that obeys physics and domain rules, and measure how well
it transfers to real data before anyone trusts it.

Importing this package never imports a domain library (pymatgen, RDKit,
gymnasium...): those load only when a domain that needs them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from synthgenesis._optional import import_optional, module_available
from synthgenesis.errors import (
    ConfigError,
    ConstraintsNotMetError,
    InvalidDataError,
    MissingExtraError,
    NotFittedError,
    PluginError,
    SynthgenesisError,
)

if TYPE_CHECKING:
    from synthgenesis.hookspecs import hookimpl, hookspec
    from synthgenesis.manager import PluginManager, get_plugin_manager
    from synthgenesis.rules import CheckResult, FunctionRule, Rule, RuleSpec, SampleRule
    from synthgenesis.types import Domain, Generator, GeneratorSpec, ReferenceDataset, TransferTask

# Names whose modules import pandas: loaded on first use (module __getattr__, PEP 562), so
# ``import synthgenesis`` and ``synthgenesis --help`` stay fast.
_LAZY = {
    "hookimpl": "synthgenesis.hookspecs",
    "hookspec": "synthgenesis.hookspecs",
    "PluginManager": "synthgenesis.manager",
    "get_plugin_manager": "synthgenesis.manager",
    **dict.fromkeys(("CheckResult", "FunctionRule", "Rule", "RuleSpec", "SampleRule"), "synthgenesis.rules"),
    **dict.fromkeys(
        ("Domain", "Generator", "GeneratorSpec", "ReferenceDataset", "TransferTask"), "synthgenesis.types"
    ),
}

# The version of a package that is not installed (run from a source folder on sys.path).
UNKNOWN_VERSION = "0+unknown"


def _installed_version() -> str:
    """The installed distribution's version, from its metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("synthgenesis")
    except PackageNotFoundError:
        return UNKNOWN_VERSION


def __getattr__(name: str) -> object:
    """Load a heavy name (or the version) the first time it is asked for, then keep it."""
    if name == "__version__":
        value: object = _installed_version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Module attributes, the lazily loaded ones included."""
    return sorted({*globals(), *_LAZY, "__version__"})


__all__ = [
    "CheckResult",
    "ConfigError",
    "ConstraintsNotMetError",
    "Domain",
    "FunctionRule",
    "Generator",
    "GeneratorSpec",
    "InvalidDataError",
    "MissingExtraError",
    "NotFittedError",
    "PluginError",
    "PluginManager",
    "ReferenceDataset",
    "Rule",
    "RuleSpec",
    "SampleRule",
    "SynthgenesisError",
    "TransferTask",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "import_optional",
    "module_available",
]
