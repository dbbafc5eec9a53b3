"""Shared fixtures: every test gets a fresh plugin manager; installed entry points never leak."""

from __future__ import annotations

import pytest

from synthgenesis import manager as manager_module
from synthgenesis.manager import ENV_BLOCK, ENV_DISABLE_AUTOLOAD, ENV_TRACE, PluginManager


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch):
    """No plugin-related environment variables and no process-wide manager carried between tests."""
    for var in (ENV_BLOCK, ENV_DISABLE_AUTOLOAD, ENV_TRACE, "SYNTHGENESIS_TRACEBACK"):
        monkeypatch.delenv(var, raising=False)
    manager_module.reset_plugin_manager()
    yield
    manager_module.reset_plugin_manager()


@pytest.fixture
def empty_pm() -> PluginManager:
    """A manager with no plugins at all (entry points not loaded)."""
    return PluginManager(autoload=False)


@pytest.fixture
def patients_pm() -> PluginManager:
    """A manager holding only the built-in patients plugin, registered in code."""
    pytest.importorskip("lifelines", reason='needs the patients extra: pip install "synthgenesis[patients]"')
    import synthgenesis.plugins.patients as patients

    pm = PluginManager(autoload=False)
    pm.register(patients, name="patients")
    return pm
