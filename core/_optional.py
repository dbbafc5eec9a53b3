"""Import optional domain libraries on demand.

The core never imports a domain library at module level. Code that needs one
calls :func:`import_optional`, which raises :class:`MissingExtraError` naming
the extra to install; :func:`module_available` checks without importing.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from synthgenesis.errors import MissingExtraError


def module_available(name: str) -> bool:
    """True if ``name`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        # find_spec of "a.b" imports "a"; a missing parent raises.
        return False


def import_optional(name: str, extra: str, purpose: str = "") -> ModuleType:
    """Import ``name`` or raise :class:`MissingExtraError` naming ``extra``.

    >>> np = import_optional("numpy", extra="core")
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingExtraError(name, extra, purpose) from exc
