from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI tests see the built-in plugins only, never third-party ones installed around them."""
    monkeypatch.setenv("SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD", "1")
