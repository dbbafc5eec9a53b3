"""Declare a plugin in a few lines, with its domain libraries imported only when they are needed.

A plugin package's ``__init__.py`` names where its records live and what it
needs; nothing heavy is imported until the manager calls a hook::

    from synthgenesis.lazyplugin import LazyPlugin, lazy
    from synthgenesis.types import GeneratorSpec

    PLUGIN = LazyPlugin(
        extra="sensors",                      # pip install "synthgenesis[sensors]"
        requires=("scipy",),                  # importable modules the plugin needs
        domains="sensors_plugin.domain:DOMAIN",
        rules="sensors_plugin.rules:RULES",
        generators=[
            GeneratorSpec("sensors-bootstrap", "sensors", lazy("sensors_plugin.generators:Bootstrap")),
        ],
    )

The manager finds ``PLUGIN`` on the module (or an entry point may name the
object itself, ``"sensors_plugin:PLUGIN"``), takes the extra and the required
modules from it, and registers it with pluggy: each hook given becomes a
hook implementation; hooks not given are not implemented. A hook's value is
either the records themselves or a reference ``"module:attribute"`` to
them, imported on the first call; the attribute may hold one record, a
sequence of records, or a function returning them. :func:`lazy` does the same
for a single callable (a generator factory, a transfer task's evaluator):
it imports its target on the first call, and ``inspect.signature`` sees the
target's parameters.

References come from plugin code, never from data or study files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from synthgenesis.hookspecs import hookimpl

#: Keyword of :class:`LazyPlugin` -> the hook it implements.
HOOKS = {
    "domains": "synthgenesis_register_domains",
    "generators": "synthgenesis_register_generators",
    "rules": "synthgenesis_register_rules",
    "transfer_tasks": "synthgenesis_register_transfer_tasks",
}


def check_reference(ref: object) -> str:
    """``ref`` if it looks like ``"package.module:attribute"``, else ``ValueError``."""
    module_name, sep, attribute = ref.partition(":") if isinstance(ref, str) else ("", "", "")
    if not sep or not module_name or not attribute:
        raise ValueError(f"reference {ref!r} must look like 'package.module:attribute'")
    return ref  # type: ignore[return-value]


def resolve(ref: str) -> Any:
    """The object ``"package.module:attribute"`` names (attributes may be dotted)."""
    module_name, _, attribute = check_reference(ref).partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AttributeError(f"{ref!r}: module {module_name!r} has no attribute {attribute!r}") from None
    return obj


class lazy:
    """A callable that imports its target ``"module:attribute"`` on first use and then calls it.

    ``__wrapped__`` is the target, so ``inspect.signature`` and
    ``inspect.unwrap`` see the real function or class.
    """

    def __init__(self, ref: str) -> None:
        self.ref = check_reference(ref)
        self._target: Any = None

    @property
    def __wrapped__(self) -> Any:
        if self._target is None:
            target = resolve(self.ref)
            if not callable(target):
                raise TypeError(f"{self.ref!r} is a {type(target).__name__}, not something to call")
            self._target = target
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Import the target if needed and call it."""
        return self.__wrapped__(*args, **kwargs)

    def __reduce__(self) -> tuple[type[lazy], tuple[str]]:
        return (lazy, (self.ref,))

    def __repr__(self) -> str:
        return f"lazy({self.ref!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, lazy) and other.ref == self.ref

    def __hash__(self) -> int:
        return hash(self.ref)


Source = str | Iterable[Any] | Callable[[], Any]


def _records(source: Source) -> list[Any]:
    value: Any = resolve(source) if isinstance(source, str) else source
    if callable(value):
        value = value()
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]  # one record; the manager checks its type
    return list(value)


def _hook(source: Source) -> Callable[[], list[Any]]:
    @hookimpl
    def implementation() -> list[Any]:
        return _records(source)

    return implementation


class LazyPlugin:
    """A plugin declared by where its records live (see the module docstring).

    ``extra`` is the ``synthgenesis`` extra that installs what the plugin
    needs, ``requires`` the modules that must be importable (checked with
    ``importlib.util.find_spec``, so nothing is imported to check). The
    plugin's domains get ``extra`` as their :attr:`Domain.extra`.
    """

    def __init__(
        self,
        *,
        extra: str | None = None,
        requires: Iterable[str] = (),
        domains: Source | None = None,
        generators: Source | None = None,
        rules: Source | None = None,
        transfer_tasks: Source | None = None,
    ) -> None:
        self.extra = extra
        self.requires = tuple(requires)
        given = {
            "domains": domains,
            "generators": generators,
            "rules": rules,
            "transfer_tasks": transfer_tasks,
        }
        self.sources = {key: source for key, source in given.items() if source is not None}
        for key, source in self.sources.items():
            if isinstance(source, str):
                check_reference(source)
            elif not (callable(source) or isinstance(source, Iterable)):
                raise TypeError(f"LazyPlugin {key} must be records, a function or 'module:attribute'")
            # An instance attribute named after the hook is what pluggy registers.
            setattr(self, HOOKS[key], _hook(source))

    def __repr__(self) -> str:
        return f"LazyPlugin(extra={self.extra!r}, hooks={sorted(self.sources)})"
