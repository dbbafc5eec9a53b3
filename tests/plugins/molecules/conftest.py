"""Shared fixtures for the molecules tests: example files and a batch builder.

Helpers are fixtures (not importable functions) so that the tests do not
depend on how pytest puts test folders on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from synthgenesis.manager import PluginManager

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "data" / "molecules"


def _batch(*smiles: object, ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [f"m{k}" for k in range(len(smiles))]
    return pd.DataFrame({"record_id": ids, "smiles": pd.Series(list(smiles), dtype=object)})


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def make_batch() -> Callable[..., pd.DataFrame]:
    return _batch


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    """The built-in molecules plugin alone, registered in code."""
    import synthgenesis.plugins.molecules as molecules_plugin

    manager = PluginManager(autoload=False)
    manager.register(molecules_plugin, name="molecules")
    return manager
