"""The plugin manager: built-in and third-party plugins through one path.

Loading order (as in pytest and conda): hook specs, then every entry point of
the ``synthgenesis`` group (the built-in domains are entry points of this
distribution, exactly like third-party ones), then ``check_pending()``.
Plugins registered in code with :meth:`PluginManager.register` join the same
registry.

Core code never calls ``pm.hook`` directly; it uses the typed accessors here
(:meth:`domains`, :meth:`generator`, :meth:`rules`...). The accessors call
hooks through pluggy, one plugin at a time (:meth:`PluginManager._hook_records`),
so wrappers, ``tryfirst``/``trylast`` and tracing work, and a plugin whose
hook raises or returns something else than records is quarantined alone.

A plugin is either a module (or object) with ``@hookimpl`` functions, or a
:class:`~synthgenesis.lazyplugin.LazyPlugin` declaration, found on the module
as ``PLUGIN``. What a plugin needs comes from the declaration (``extra``,
``requires``) or, for a hand-written module, from its ``SYNTHGENESIS_EXTRA``
and ``SYNTHGENESIS_REQUIRES`` attributes. Loading is logged at debug level
(logger ``synthgenesis.manager``).

Environment variables:

``SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD=1``
    load only the built-in plugins; third-party entry points are listed as ``disabled``.
``SYNTHGENESIS_BLOCK_PLUGINS=name1,name2``
    never load the named plugins (built-in or not); they are listed as ``disabled``.
``SYNTHGENESIS_TRACE=1``
    print every hook call and what it returned to standard error (pluggy's tracing).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata as md
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeVar

import pluggy

from synthgenesis import hookspecs
from synthgenesis._optional import module_available
from synthgenesis.errors import (
    DuplicateNameError,
    HookCallError,
    MissingExtraError,
    PluginError,
    PluginLoadError,
    UnknownNameError,
)
from synthgenesis.lazyplugin import LazyPlugin
from synthgenesis.rules import RuleSpec
from synthgenesis.types import Domain, GeneratorSpec, ReferenceDataset, TransferTask

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = hookspecs.PROJECT
DISTRIBUTION = "synthgenesis"
ENV_DISABLE_AUTOLOAD = "SYNTHGENESIS_DISABLE_PLUGIN_AUTOLOAD"
ENV_BLOCK = "SYNTHGENESIS_BLOCK_PLUGINS"
ENV_TRACE = "SYNTHGENESIS_TRACE"

Status = Literal["active", "missing-extra", "disabled", "error"]
R = TypeVar("R")


@dataclass
class PluginInfo:
    """What ``synthgenesis plugins`` shows for one plugin."""

    name: str
    version: str | None
    status: Status
    hooks: list[str] = field(default_factory=list)
    extra: str | None = None
    source: str = "code"  # "builtin", "entry-point" or "code"
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The info as plain JSON-ready data."""
        return asdict(self)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _blocked_from_env() -> set[str]:
    return {p.strip() for p in os.environ.get(ENV_BLOCK, "").split(",") if p.strip()}


def declared_plugin(plugin: Any) -> Any:
    """What is registered with pluggy for ``plugin``: its ``PLUGIN`` declaration if it has one."""
    declaration = getattr(plugin, "PLUGIN", None) if isinstance(plugin, ModuleType) else None
    return declaration if isinstance(declaration, LazyPlugin) else plugin


def plugin_requirements(plugin: Any) -> tuple[str | None, tuple[str, ...]]:
    """The extra a plugin needs and the importable modules it requires.

    A :class:`~synthgenesis.lazyplugin.LazyPlugin` (or a module holding one
    as ``PLUGIN``) declares them as ``extra`` and ``requires``; a hand-written
    plugin module as ``SYNTHGENESIS_EXTRA`` and ``SYNTHGENESIS_REQUIRES``.
    Both are optional.
    """
    plugin = declared_plugin(plugin)
    if isinstance(plugin, LazyPlugin):
        return plugin.extra, plugin.requires
    extra = getattr(plugin, "SYNTHGENESIS_EXTRA", None)
    requires = tuple(getattr(plugin, "SYNTHGENESIS_REQUIRES", ()))
    return extra, requires


class _HookFailed(Exception):
    """A hook call that raised or gave something else than the records it should."""

    def __init__(
        self,
        *,
        error: Exception | None = None,
        wrong: object = None,
        iterable: bool = True,
        note: str = "",
    ) -> None:
        super().__init__()
        self.error, self.wrong, self.iterable, self.note = error, wrong, iterable, note

    def message(self, plugin: str, hook_name: str, record_type: type) -> str:
        if self.error is not None:
            return str(
                HookCallError(
                    f"plugin {plugin!r} raised in {hook_name}: {type(self.error).__name__}: {self.error}; "
                    f"fix or upgrade it, or block it with {ENV_BLOCK}={plugin}"
                )
            )
        if self.note:
            return f"plugin {plugin!r} returned a bad record from {hook_name}: {self.note}"
        if not self.iterable:
            return (
                f"plugin {plugin!r} returned a {type(self.wrong).__name__} from {hook_name}; "
                f"expected an iterable of {record_type.__name__} records"
            )
        return (
            f"plugin {plugin!r} returned a {type(self.wrong).__name__} from {hook_name}; "
            f"expected {record_type.__name__} records"
        )


def _is_wrapper(impl: Any) -> bool:
    return bool(getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False))


class PluginManager:
    """Registry of synthgenesis plugins with typed accessors.

    >>> pm = PluginManager(autoload=False)   # nothing from entry points
    >>> pm.register(my_plugin_module)        # a plugin in code
    >>> pm.domain("patients").featurize(batch)
    """

    def __init__(self, *, autoload: bool = True, blocked: Iterable[str] | None = None) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._missing: dict[str, list[str]] = {}
        self._blocked = set(_blocked_from_env() if blocked is None else blocked)
        self._cache: dict[str, Any] = {}
        self._trace = _truthy(os.environ.get(ENV_TRACE))
        if self._trace:
            self._pm.trace.root.setwriter(lambda msg: sys.stderr.write(f"synthgenesis trace: {msg}"))
            self._pm.enable_tracing()
        if autoload:
            self.load_entry_points()

    # ------------------------------------------------------------------ loading

    def load_entry_points(self) -> None:
        """Load every plugin of the ``synthgenesis`` entry-point group."""
        third_party_allowed = not _truthy(os.environ.get(ENV_DISABLE_AUTOLOAD))
        for ep in sorted(md.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist
            builtin = dist is not None and dist.name == DISTRIBUTION
            version = dist.version if dist is not None else None
            source = "builtin" if builtin else "entry-point"
            if ep.name in self._infos:
                continue
            logger.debug("entry point %r -> %s (%s)", ep.name, ep.value, source)
            if ep.name in self._blocked:
                self._infos[ep.name] = PluginInfo(
                    ep.name, version, "disabled", source=source, message=f"blocked by {ENV_BLOCK}"
                )
                continue
            if not builtin and not third_party_allowed:
                self._infos[ep.name] = PluginInfo(
                    ep.name, version, "disabled", source=source, message=f"{ENV_DISABLE_AUTOLOAD} is set"
                )
                continue
            try:
                module = ep.load()
            except Exception as exc:
                if builtin:
                    raise PluginLoadError(
                        f"built-in plugin {ep.name!r} failed to import ({ep.value}): "
                        f"{type(exc).__name__}: {exc}; reinstall synthgenesis"
                    ) from exc
                message = f"failed to import {ep.value}: {type(exc).__name__}: {exc}"
                warnings.warn(
                    f"synthgenesis plugin {ep.name!r} {message}; it is skipped "
                    f"(block it with {ENV_BLOCK}={ep.name} to silence this)",
                    stacklevel=2,
                )
                self._infos[ep.name] = PluginInfo(ep.name, version, "error", source=source, message=message)
                continue
            try:
                self._register_module(module, ep.name, version=version, source=source)
            except PluginLoadError as exc:
                if builtin:
                    raise
                warnings.warn(f"synthgenesis plugin {ep.name!r}: {exc}; it is skipped", stacklevel=2)
                self._infos[ep.name] = PluginInfo(ep.name, version, "error", source=source, message=str(exc))
        # Every registration was checked on its own; this catches a hook implemented by
        # something registered with pluggy directly.
        self._pm.check_pending()

    def _register_module(self, plugin: Any, name: str, *, version: str | None, source: str) -> None:
        extra, requires = plugin_requirements(plugin)
        declared = declared_plugin(plugin)
        if declared is not plugin:
            both = [h for h in hookspecs.HOOK_NAMES if callable(getattr(plugin, h, None))]
            if both:
                raise PluginLoadError(
                    f"plugin {name!r} has a PLUGIN declaration and also defines {', '.join(both)}; "
                    f"give those records to the declaration (or drop PLUGIN and write every hook by hand)"
                )
        plugin = declared
        missing = [m for m in requires if not module_available(m)]
        if missing:
            self._missing[name] = missing
            install = f'pip install "synthgenesis[{extra}]"' if extra else f"pip install {' '.join(missing)}"
            self._infos[name] = PluginInfo(
                name,
                version,
                "missing-extra",
                extra=extra,
                source=source,
                message=f"needs {', '.join(missing)}: {install}",
            )
            logger.debug("plugin %r (%s) not registered: missing %s", name, source, ", ".join(missing))
            return
        if self._pm.get_plugin(name) is not None or (
            name in self._infos and self._infos[name].status == "active"
        ):
            raise DuplicateNameError("plugin", name, [self._infos[name].source, source])
        try:
            self._pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginLoadError(f"plugin {name!r} could not be registered: {exc}") from exc
        self._check_pending(name, plugin)
        hooks = sorted(h.name for h in self._pm.get_hookcallers(plugin) or [])
        self._infos[name] = PluginInfo(name, version, "active", hooks, extra, source)
        self._cache.clear()
        logger.debug(
            "plugin %r registered (%s, version %s, extra %s): %s",
            name,
            source,
            version or "-",
            extra or "-",
            ", ".join(hooks) or "no hooks",
        )

    def _check_pending(self, name: str, plugin: Any) -> None:
        """pluggy's ``check_pending()``: a hook implementation without a specification is refused.

        The plugin is unregistered again and the error names it and its unknown hooks.
        """
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            culprit = self._pm.get_name(exc.plugin) or name
            unknown = sorted(h.name for h in self._pm.get_hookcallers(exc.plugin) or [] if not h.has_spec())
            self._pm.unregister(exc.plugin)
            raise PluginLoadError(
                f"plugin {culprit!r} implements unknown hook(s) {', '.join(unknown)}; "
                f"valid hooks: {', '.join(hookspecs.HOOK_NAMES)}"
            ) from exc

    def register(self, plugin: Any, name: str | None = None, *, version: str | None = None) -> str:
        """Register a plugin object or module in code and return its name.

        ``name`` defaults to the module's or class's name. Raises
        :class:`DuplicateNameError` if a plugin of that name is registered,
        and :class:`PluginLoadError` if a hook implementation does not match
        its specification.
        """
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        if name in self._blocked:
            self._infos[name] = PluginInfo(
                name, version, "disabled", source="code", message=f"blocked by {ENV_BLOCK}"
            )
            return name
        if version is None:
            version = getattr(plugin, "__version__", None)
        if self._pm.get_plugin(name) is not None:
            raise DuplicateNameError("plugin", name, ["an earlier registration", "register()"])
        self._register_module(plugin, name, version=version, source="code")
        # Registering may only be useful if the records are sound: collect now so
        # that a broken plugin fails at register(), naming itself.
        if self._infos[name].status == "active":
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    self._collect_all()
                except Exception:
                    self.unregister(name)
                    raise
            for w in caught:  # warnings about other plugins still reach the user
                if not (self._infos[name].status == "error" and f"plugin {name!r}" in str(w.message)):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if self._infos[name].status == "error":
                message = self._infos.pop(name).message
                raise (HookCallError if " raised in " in message else PluginError)(message)
        return name

    def unregister(self, name: str) -> None:
        """Remove a plugin registered in code or from an entry point."""
        if self._pm.get_plugin(name) is None:
            raise UnknownNameError("plugin", name, self._pm_names())
        self._pm.unregister(name=name)
        self._infos.pop(name, None)
        self._cache.clear()

    def _pm_names(self) -> list[str]:
        return [n for n, _ in self._pm.list_name_plugin()]

    # ------------------------------------------------------------------ listing

    def plugin_infos(self) -> list[PluginInfo]:
        """Every plugin known: active, missing an extra, disabled, or broken.

        Hooks are called first, so a plugin whose hooks fail shows as ``error``.
        """
        with contextlib.suppress(PluginError):  # a name clash is reported by the commands that meet it
            self._collect_all()
        return sorted(self._infos.values(), key=lambda i: (i.source != "builtin", i.name))

    # ------------------------------------------------------------------ collection

    def _quarantine(self, plugin_name: str, message: str) -> None:
        """Take a plugin whose hooks fail out of service, as an import failure would be.

        It is listed with status ``error`` and the message; every other plugin
        keeps working. Whatever was collected so far is collected again without it.
        """
        info = self._infos.get(plugin_name)
        plugin = self._pm.get_plugin(plugin_name)
        if plugin is not None:
            self._pm.unregister(plugin)
        self._infos[plugin_name] = PluginInfo(
            plugin_name,
            info.version if info else None,
            "error",
            info.hooks if info else [],
            info.extra if info else None,
            info.source if info else "code",
            message,
        )
        self._cache.clear()
        logger.debug("plugin %r quarantined: %s", plugin_name, message)
        warnings.warn(
            f"synthgenesis plugin {plugin_name!r}: {message}; it is skipped "
            f"(block it with {ENV_BLOCK}={plugin_name} to silence this)",
            stacklevel=3,
        )

    def _hook_records(self, hook_name: str, record_type: type[R]) -> list[tuple[str, R]]:
        """Call ``hook_name`` through pluggy: (plugin name, record) pairs of the sound plugins.

        Each plugin's implementation is called on its own, through a pluggy
        subset caller that keeps every wrapper of the hook: pluggy's
        ``_multicall`` runs it, so ``wrapper=True``/``hookwrapper`` impls wrap
        each plugin's call (and see that plugin's records), tracing and
        hook-call monitoring see every call, and plugins are asked in pluggy's
        order (``tryfirst`` first, then the latest registered). A plugin whose
        implementation raises, returns something that is not an iterable of
        ``record_type`` records, or returns records that fail their own
        checks, is quarantined (:meth:`_quarantine`) and its records are left
        out; a wrapper that raises is quarantined the same way.
        """
        caller = getattr(self._pm.hook, hook_name)
        while True:
            impls = caller.get_hookimpls()
            wrappers = [i for i in impls if _is_wrapper(i)]
            providers = [i for i in reversed(impls) if not _is_wrapper(i)]
            out: list[tuple[str, R]] = []
            restart = False
            for impl in providers:
                others = [i.plugin for i in providers if i is not impl]
                try:
                    items = self._call_one(hook_name, others, impl.plugin_name, record_type)
                except _HookFailed as failed:
                    culprit = self._blame(hook_name, impl, providers, wrappers, record_type)
                    self._quarantine(culprit, failed.message(culprit, hook_name, record_type))
                    if culprit != impl.plugin_name:  # a wrapper: what it touched so far is suspect
                        restart = True
                        break
                    continue
                if self._trace:
                    sys.stderr.write(
                        f"synthgenesis trace: {impl.plugin_name}.{hook_name}() -> {len(items)} records\n"
                    )
                logger.debug("%s: plugin %r gave %d record(s)", hook_name, impl.plugin_name, len(items))
                out.extend((impl.plugin_name, item) for item in items)
            if not restart:
                return out

    def _call_one(self, hook_name: str, remove: list[Any], plugin_name: str, record_type: type[R]) -> list[R]:
        """Call the hook through pluggy without the plugins in ``remove``; the flattened records.

        Raises :class:`_HookFailed` when the call raises or gives something else than records.
        """
        caller = self._pm.subset_hook_caller(hook_name, remove_plugins=remove)
        try:
            results = caller()
            items: list[Any] = []
            for result in results or ():
                if isinstance(result, (str, bytes, Mapping)) or not isinstance(result, Iterable):
                    raise _HookFailed(wrong=result, iterable=False)
                items.extend(result)  # a generator implementation runs here
        except _HookFailed:
            raise
        except Exception as exc:
            raise _HookFailed(error=exc) from exc
        wrong = next((item for item in items if not isinstance(item, record_type)), None)
        if wrong is not None:
            raise _HookFailed(wrong=wrong)
        if record_type is Domain:
            items = [self._with_extra(plugin_name, item) for item in items]  # type: ignore[arg-type]
        return items

    def _blame(
        self, hook_name: str, impl: Any, providers: list[Any], wrappers: list[Any], record_type: type
    ) -> str:
        """Which plugin made a call fail: the implementation itself, or one of the hook's wrappers."""
        if not wrappers:
            return str(impl.plugin_name)
        everyone = [i.plugin for i in providers + wrappers]
        alone = [p for p in everyone if p is not impl.plugin]
        try:
            self._call_one(hook_name, alone, impl.plugin_name, record_type)
        except _HookFailed:
            return str(impl.plugin_name)
        for wrapper in wrappers:
            with_one = [p for p in alone if p is not wrapper.plugin]
            try:
                self._call_one(hook_name, with_one, impl.plugin_name, record_type)
            except _HookFailed:
                return str(wrapper.plugin_name)
        return str(wrappers[-1].plugin_name)  # only the wrappers together fail: take the outermost out

    def _with_extra(self, plugin_name: str, domain: Domain) -> Domain:
        """The domain record with its plugin's declared extra (the one place an extra is written)."""
        info = self._infos.get(plugin_name)
        declared = info.extra if info is not None else None
        if declared is None or domain.extra == declared:
            return domain
        if domain.extra is not None:
            raise _HookFailed(
                note=f"domain {domain.name!r} says extra {domain.extra!r} but its plugin declares "
                f"{declared!r}; leave Domain.extra unset, the plugin declaration is enough"
            )
        return dataclasses.replace(domain, extra=declared)

    def _collect(self, hook_name: str, kind: str, record_type: type[R]) -> dict[str, R]:
        if hook_name in self._cache:
            return self._cache[hook_name]
        found: dict[str, R] = {}
        providers: dict[str, str] = {}
        for plugin_name, record in self._hook_records(hook_name, record_type):
            name = record.name  # type: ignore[attr-defined]
            if name in found:
                raise DuplicateNameError(kind, name, [providers[name], plugin_name])
            found[name] = record
            providers[name] = plugin_name
        self._cache[hook_name] = found
        return found

    def _collect_all(self) -> None:
        self._all_domains()
        for hook, kind, rtype in _DOMAIN_BOUND:
            self._domain_bound(hook, kind, rtype)

    def _all_domains(self) -> dict[str, Domain]:
        domains = self._collect("synthgenesis_register_domains", "domain", Domain)
        if "_datasets" not in self._cache:
            datasets: dict[str, ReferenceDataset] = {}
            for dom in domains.values():
                for ds in dom.reference_datasets:
                    if ds.name in datasets:
                        raise DuplicateNameError(
                            "reference dataset", ds.name, [datasets[ds.name].domain, dom.name]
                        )
                    datasets[ds.name] = ds
            self._cache["_datasets"] = datasets
        return domains

    def _domain_bound(self, hook: str, kind: str, rtype: type[R]) -> dict[str, R]:
        records = self._collect(hook, kind, rtype)
        domains = self._all_domains()
        key = f"_orphans:{hook}"
        if key not in self._cache:
            orphans = [r for r in records.values() if r.domain not in domains]  # type: ignore[attr-defined]
            for r in orphans:
                warnings.warn(
                    f"{kind} {r.name!r} is for domain {r.domain!r}, which is not available "  # type: ignore[attr-defined]
                    f"(its plugin is missing an extra, disabled, or not installed); it is ignored",
                    stacklevel=3,
                )
            self._cache[key] = {r.name for r in orphans}  # type: ignore[attr-defined]
        return {n: r for n, r in records.items() if n not in self._cache[key]}

    # ------------------------------------------------------------------ typed accessors

    def domains(self) -> dict[str, Domain]:
        """Every available domain by name."""
        return dict(self._all_domains())

    def domain(self, name: str) -> Domain:
        """The domain ``name``; a helpful error if it is missing or lacks its extra."""
        domains = self._all_domains()
        if name in domains:
            return domains[name]
        info = self._infos.get(name)
        if info is not None and info.status == "missing-extra" and info.extra:
            raise MissingExtraError(", ".join(self._missing[name]), info.extra, f"the {name!r} domain")
        hint = f"plugin {name!r} is {info.status}: {info.message}" if info and info.status != "active" else ""
        raise UnknownNameError("domain", name, domains, hint)

    def generators(self, domain: str | None = None) -> dict[str, GeneratorSpec]:
        """Every available generator (of ``domain``) by name."""
        gens = self._domain_bound("synthgenesis_register_generators", "generator", GeneratorSpec)
        return {n: g for n, g in gens.items() if domain is None or g.domain == domain}

    def generator(self, name: str, domain: str | None = None) -> GeneratorSpec:
        """The generator ``name`` (of ``domain``); an error listing the others if it is missing."""
        gens = self.generators(domain)
        if name not in gens:
            raise UnknownNameError("generator", name, gens, f"for domain {domain!r}" if domain else "")
        return gens[name]

    def default_generator(self, domain: str) -> GeneratorSpec:
        """The generator to use when none is named: the domain's ``default_generator``.

        A domain that names none gets the alphabetically first generator
        registered for it.
        """
        dom = self.domain(domain)
        if dom.default_generator is not None:
            gens = self.generators(domain)
            if dom.default_generator not in gens:
                raise UnknownNameError(
                    "generator",
                    dom.default_generator,
                    gens,
                    f"domain {domain!r} names it as its default generator but no plugin registers it",
                )
            return gens[dom.default_generator]
        names = sorted(self.generators(domain))
        if not names:
            raise UnknownNameError(
                "generator",
                f"<default for {domain}>",
                [],
                f"no plugin registers a generator for domain {domain!r}",
            )
        return self.generator(names[0], domain)

    def all_rules(self, domain: str | None = None) -> dict[str, RuleSpec]:
        """Every registered rule (of ``domain``), opt-in rules included."""
        recs = self._domain_bound("synthgenesis_register_rules", "rule", RuleSpec)
        return {n: r for n, r in recs.items() if domain is None or r.domain == domain}

    def rules(self, domain: str, names: Iterable[str] | None = None) -> dict[str, RuleSpec]:
        """The rules of ``domain`` to enforce: its default rules, or the ones named.

        Opt-in rules (registered with ``default=False``) are left out unless named.
        """
        available = self.all_rules(domain)
        if names is None:
            return {n: r for n, r in available.items() if r.default}
        out = {}
        for n in names:
            if n not in available:
                raise UnknownNameError("rule", n, available, f"for domain {domain!r}")
            out[n] = available[n]
        return out

    def transfer_tasks(self, domain: str | None = None) -> dict[str, TransferTask]:
        """Every available transfer task (of ``domain``) by name."""
        recs = self._domain_bound("synthgenesis_register_transfer_tasks", "transfer task", TransferTask)
        return {n: t for n, t in recs.items() if domain is None or t.domain == domain}

    def transfer_task(self, name: str) -> TransferTask:
        """The transfer task ``name``; an error listing the others if it is missing."""
        tasks = self.transfer_tasks()
        if name not in tasks:
            raise UnknownNameError("transfer task", name, tasks)
        return tasks[name]

    def reference_datasets(self, domain: str | None = None) -> dict[str, ReferenceDataset]:
        """Every reference dataset of the available domains (or of ``domain``) by name."""
        self._all_domains()
        ds: dict[str, ReferenceDataset] = self._cache["_datasets"]
        return {n: d for n, d in ds.items() if domain is None or d.domain == domain}

    def reference_dataset(self, name: str, domain: str | None = None) -> ReferenceDataset:
        """The reference dataset ``name`` (of ``domain``); an error listing the others if it is missing."""
        ds = self.reference_datasets(domain)
        if name not in ds:
            raise UnknownNameError("reference dataset", name, ds, f"for domain {domain!r}" if domain else "")
        return ds[name]


_DOMAIN_BOUND: tuple[tuple[str, str, type], ...] = (
    ("synthgenesis_register_generators", "generator", GeneratorSpec),
    ("synthgenesis_register_rules", "rule", RuleSpec),
    ("synthgenesis_register_transfer_tasks", "transfer task", TransferTask),
)

_default: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide manager with every installed plugin loaded (created once)."""
    global _default
    if _default is None:
        _default = PluginManager()
    return _default


def focus_on_domain(domain: str) -> None:
    """For a fresh worker process: do not load the built-in plugins of other domains.

    Built-in plugins register things for their own domain only, so a worker
    that handles one domain needs none of the others, and is spared importing
    their libraries (pymatgen, rdkit, lifelines take seconds). Third-party
    plugins all stay: they may add rules to any domain. It works through
    ``SYNTHGENESIS_BLOCK_PLUGINS`` and so only before the process-wide manager
    is created.
    """
    if _default is not None:
        return
    builtins = {
        ep.name
        for ep in md.entry_points(group=ENTRY_POINT_GROUP)
        if ep.dist is not None and ep.dist.name == DISTRIBUTION
    }
    os.environ[ENV_BLOCK] = ",".join(sorted(_blocked_from_env() | (builtins - {domain})))


def reset_plugin_manager(factory: Callable[[], PluginManager] | None = None) -> None:
    """Forget the process-wide manager (tests use this to start fresh)."""
    global _default
    _default = factory() if factory is not None else None
