"""Shared fixtures for the crystals tests: example files and small hand-made structures.

Helpers are fixtures (not importable functions) so that the tests do not
depend on how pytest puts test folders on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from synthgenesis.manager import PluginManager

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from pymatgen.core import Lattice, Structure

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "data" / "crystals"


FCC = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]
FCC_SHIFTED = [[0.5, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]]


def _rocksalt(a: float = 5.64, cation: object = "Na", anion: object = "Cl") -> Structure:
    """Rock-salt structure (conventional cell, 8 sites), built site by site (fast, unlike from_spacegroup)."""
    return Structure(Lattice.cubic(a), [cation] * 4 + [anion] * 4, FCC + FCC_SHIFTED)


def _bcc(a: float = 2.8665, element: str = "Fe") -> Structure:
    """Body-centred cubic element (conventional cell, 2 sites)."""
    return Structure(Lattice.cubic(a), [element, element], [[0, 0, 0], [0.5, 0.5, 0.5]])


def _batch(*structures: object, ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [f"s{k}" for k in range(len(structures))]
    return pd.DataFrame({"record_id": ids, "structure": pd.Series(list(structures), dtype=object)})


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def rocksalt() -> Callable[..., Structure]:
    return _rocksalt


@pytest.fixture
def bcc() -> Callable[..., Structure]:
    return _bcc


@pytest.fixture
def make_batch() -> Callable[..., pd.DataFrame]:
    return _batch


@pytest.fixture
def nacl() -> Structure:
    return _rocksalt()


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    """The built-in crystals plugin alone, registered in code."""
    import synthgenesis.plugins.crystals as crystals_plugin

    manager = PluginManager(autoload=False)
    manager.register(crystals_plugin, name="crystals")
    return manager
