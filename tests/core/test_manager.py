"""The plugin manager: loading paths, statuses, errors, escape hatches and typed accessors."""

from __future__ import annotations

import logging
import os
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pluggy
import pytest

from synthgenesis import hookimpl, manager
from synthgenesis.errors import (
    DuplicateNameError,
    HookCallError,
    MissingExtraError,
    PluginError,
    PluginLoadError,
    UnknownNameError,
)
from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.manager import PluginManager
from synthgenesis.types import (
    CheckResult,
    Domain,
    FunctionRule,
    Generator,
    GeneratorSpec,
    Rule,
    RuleSpec,
)


def make_domain(name: str = "toy", **fields: Any) -> Domain:
    return Domain(
        name=name,
        description="toy numbers",
        featurize=lambda b: b[["x"]],
        read=lambda p: pd.read_csv(p),
        write=lambda b, p: b.to_csv(p, index=False),
        formats=(".csv",),
        **fields,
    )


class Shift(Generator):
    def __init__(self, loc: float = 0.0) -> None:
        super().__init__()
        self.loc = loc

    def _fit(self, reference: pd.DataFrame) -> None:
        self.loc = float(reference["x"].mean())

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame({"x": rng.normal(self.loc, 1.0, size=n)})


class Positive(Rule):
    def _check(self, batch: pd.DataFrame) -> CheckResult:
        return CheckResult.from_mask(batch["x"] > 0, lambda i: f"x={batch['x'].iat[i]:.2f} <= 0")


def toy_plugin(name: str = "toy") -> types.SimpleNamespace:
    """A plugin object implementing every registration hook for one domain."""

    class Plugin:
        @hookimpl
        def synthgenesis_register_domains(self):
            return [make_domain(name)]

        @hookimpl
        def synthgenesis_register_generators(self):
            return [GeneratorSpec(f"{name}-shift", name, Shift)]

        @hookimpl
        def synthgenesis_register_rules(self):
            return [
                RuleSpec(f"{name}-positive", name, Positive()),
                RuleSpec(
                    f"{name}-finite",
                    name,
                    FunctionRule(lambda row: None if np.isfinite(row["x"]) else "x is not finite"),
                ),
            ]

    return Plugin()


@dataclass
class FakeDist:
    name: str
    version: str = "1.2.3"


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    dist: FakeDist | None
    target: Any = None
    error: Exception | None = None
    group: str = "synthgenesis"

    def load(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.target


def fake_entry_points(monkeypatch: pytest.MonkeyPatch, *eps: FakeEntryPoint) -> None:
    monkeypatch.setattr(manager.md, "entry_points", lambda group: [e for e in eps if e.group == group])


def module_plugin(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    plugin = toy_plugin(attrs.pop("domain", name))
    for hook in ("synthgenesis_register_domains", "synthgenesis_register_generators"):
        setattr(mod, hook, getattr(plugin, hook))
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


# ---------------------------------------------------------------------------- registration in code


def test_register_in_code_exposes_typed_records(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin(), name="toy")
    assert list(empty_pm.domains()) == ["toy"]
    assert empty_pm.generator("toy-shift").domain == "toy"
    assert set(empty_pm.rules("toy")) == {"toy-positive", "toy-finite"}
    info = {i.name: i for i in empty_pm.plugin_infos()}["toy"]
    assert info.status == "active" and info.source == "code"
    assert "synthgenesis_register_domains" in info.hooks


def test_unregister_removes_records(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin(), name="toy")
    empty_pm.unregister("toy")
    assert empty_pm.domains() == {}
    with pytest.raises(UnknownNameError):
        empty_pm.unregister("toy")


def test_duplicate_record_names_raise_listing_both_providers(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin(), name="first")
    with pytest.raises(DuplicateNameError) as exc:
        empty_pm.register(toy_plugin(), name="second")
    assert "first" in str(exc.value) and "second" in str(exc.value)
    # The failed registration was rolled back: the first plugin still works.
    assert list(empty_pm.domains()) == ["toy"]


def test_duplicate_plugin_name_raises(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin("a"), name="same")
    with pytest.raises(DuplicateNameError):
        empty_pm.register(toy_plugin("b"), name="same")


def test_unknown_names_list_what_is_available(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin(), name="toy")
    with pytest.raises(UnknownNameError, match=r"unknown generator 'nope'; available: toy-shift"):
        empty_pm.generator("nope")
    with pytest.raises(UnknownNameError, match=r"available: toy"):
        empty_pm.domain("crystalz")
    with pytest.raises(UnknownNameError, match=r"toy-finite, toy-positive"):
        empty_pm.rules("toy", ["toy-positiv"])


def test_hook_that_raises_names_the_plugin(empty_pm: PluginManager) -> None:
    class Broken:
        @hookimpl
        def synthgenesis_register_domains(self):
            raise RuntimeError("boom")

    with pytest.raises(
        HookCallError,
        match=r"plugin 'broken' raised in synthgenesis_register_domains: "
        r"RuntimeError: boom",
    ):
        empty_pm.register(Broken(), name="broken")
    assert empty_pm.domains() == {}


def test_wrong_record_type_is_reported(empty_pm: PluginManager) -> None:
    class Wrong:
        @hookimpl
        def synthgenesis_register_generators(self):
            return [{"name": "dict-is-not-a-record"}]

    with pytest.raises(PluginError, match=r"'wrong' returned a dict .* expected GeneratorSpec"):
        empty_pm.register(Wrong(), name="wrong")


def test_unknown_hook_name_is_rejected(empty_pm: PluginManager) -> None:
    class Typo:
        @hookimpl
        def synthgenesis_register_domain(self):  # missing "s"
            return []

    with pytest.raises(
        PluginLoadError, match=r"plugin 'typo' implements unknown hook\(s\) synthgenesis_register_domain;"
    ) as exc:
        empty_pm.register(Typo(), name="typo")
    assert "valid hooks: synthgenesis_register_domains" in str(exc.value)
    assert isinstance(exc.value.__cause__, pluggy.PluginValidationError)  # found by check_pending()
    assert empty_pm.plugin_infos() == []  # and unregistered again


def test_records_for_unavailable_domain_warn_and_are_ignored(empty_pm: PluginManager) -> None:
    class Orphan:
        @hookimpl
        def synthgenesis_register_generators(self):
            return [GeneratorSpec("orphan-gen", "nowhere", Shift)]

    with pytest.warns(UserWarning, match="domain 'nowhere', which is not available"):
        empty_pm.register(Orphan(), name="orphan")
    assert empty_pm.generators() == {}


def test_default_generator_comes_from_the_domain_else_the_first_by_name(empty_pm: PluginManager) -> None:
    empty_pm.register(toy_plugin(), name="toy")
    assert empty_pm.default_generator("toy").name == "toy-shift"

    class Named:
        @hookimpl
        def synthgenesis_register_domains(self):
            return [make_domain("named", default_generator="named-zeta")]

        @hookimpl
        def synthgenesis_register_generators(self):
            return [GeneratorSpec("named-alpha", "named", Shift), GeneratorSpec("named-zeta", "named", Shift)]

    empty_pm.register(Named(), name="named")
    assert empty_pm.default_generator("named").name == "named-zeta"


def test_a_default_generator_nobody_registers_is_a_clear_error(empty_pm: PluginManager) -> None:
    class Dangling:
        @hookimpl
        def synthgenesis_register_domains(self):
            return [make_domain("dangling", default_generator="dangling-gone")]

    empty_pm.register(Dangling(), name="dangling")
    with pytest.raises(UnknownNameError, match=r"'dangling-gone'.*names it as its default generator"):
        empty_pm.default_generator("dangling")


# ---------------------------------------------------------------------------- entry points


def test_entry_points_builtin_and_third_party_take_the_same_path(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("alpha", "alpha", FakeDist("synthgenesis", "0.1.0"), module_plugin("alpha")),
        FakeEntryPoint("beta", "beta_pkg", FakeDist("beta-pkg", "2.0"), module_plugin("beta")),
    )
    pm = PluginManager()
    infos = {i.name: i for i in pm.plugin_infos()}
    assert infos["alpha"].source == "builtin" and infos["beta"].source == "entry-point"
    assert infos["beta"].version == "2.0" and infos["beta"].status == "active"
    assert set(pm.domains()) == {"alpha", "beta"}


def test_broken_third_party_entry_point_warns_and_loading_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("bad", "bad_pkg", FakeDist("bad-pkg"), error=ImportError("no module named zzz")),
        FakeEntryPoint("good", "good_pkg", FakeDist("good-pkg"), module_plugin("good")),
    )
    with pytest.warns(UserWarning, match="'bad' failed to import bad_pkg"):
        pm = PluginManager()
    infos = {i.name: i for i in pm.plugin_infos()}
    assert infos["bad"].status == "error" and "zzz" in infos["bad"].message
    assert infos["good"].status == "active"


def test_broken_builtin_raises_chained(monkeypatch: pytest.MonkeyPatch) -> None:
    cause = SyntaxError("bad syntax")
    fake_entry_points(monkeypatch, FakeEntryPoint("core-thing", "x", FakeDist("synthgenesis"), error=cause))
    with pytest.raises(PluginLoadError, match="built-in plugin 'core-thing' failed") as exc:
        PluginManager()
    assert exc.value.__cause__ is cause


def test_missing_extra_status_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = module_plugin("heavy", SYNTHGENESIS_EXTRA="heavy", SYNTHGENESIS_REQUIRES=("no_such_module_xyz",))
    fake_entry_points(monkeypatch, FakeEntryPoint("heavy", "heavy", FakeDist("synthgenesis"), mod))
    pm = PluginManager()
    (info,) = pm.plugin_infos()
    assert info.status == "missing-extra"
    assert 'pip install "synthgenesis[heavy]"' in info.message
    assert pm.domains() == {}
    with pytest.raises(MissingExtraError, match=r'pip install "synthgenesis\[heavy\]"'):
        pm.domain("heavy")


def test_block_env_disables_named_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("one", "one", FakeDist("synthgenesis"), module_plugin("one")),
        FakeEntryPoint("two", "two", FakeDist("other"), module_plugin("two")),
    )
    monkeypatch.setenv(manager.ENV_BLOCK, "two, one")
    pm = PluginManager()
    assert {i.name: i.status for i in pm.plugin_infos()} == {"one": "disabled", "two": "disabled"}
    assert pm.domains() == {}


def test_disable_autoload_keeps_builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("own", "own", FakeDist("synthgenesis"), module_plugin("own")),
        FakeEntryPoint("ext", "ext", FakeDist("ext-pkg"), module_plugin("ext")),
    )
    monkeypatch.setenv(manager.ENV_DISABLE_AUTOLOAD, "1")
    pm = PluginManager()
    statuses = {i.name: i.status for i in pm.plugin_infos()}
    assert statuses == {"own": "active", "ext": "disabled"}


def test_trace_env_writes_hook_calls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(manager.ENV_TRACE, "1")
    pm = PluginManager(autoload=False)
    pm.register(toy_plugin(), name="toy")
    pm.default_generator("toy")
    err = capsys.readouterr().err
    assert "synthgenesis trace: toy.synthgenesis_register_domains() -> 1 records" in err
    assert "synthgenesis_register_generators [hook]" in err  # pluggy's own tracing


def test_real_builtins_import_no_domain_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys, synthgenesis\n"
        "from synthgenesis.manager import PluginManager\n"
        "pm = PluginManager()\n"
        "import synthgenesis.cli\n"
        "libs = ('pymatgen', 'rdkit', 'gymnasium', 'lifelines', 'torch', 'dask')\n"
        "heavy = [m for m in libs if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_warnings_are_not_emitted_for_healthy_plugins(empty_pm: PluginManager) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty_pm.register(toy_plugin(), name="toy")
        empty_pm.rules("toy")


def test_focus_on_domain_blocks_the_other_builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("own", "own", FakeDist("synthgenesis"), module_plugin("own")),
        FakeEntryPoint("mine", "mine", FakeDist("synthgenesis"), module_plugin("mine")),
        FakeEntryPoint("ext", "ext", FakeDist("ext-pkg"), module_plugin("ext")),
    )
    monkeypatch.setenv(manager.ENV_BLOCK, "elsewhere")
    monkeypatch.setattr(manager, "_default", None)
    manager.focus_on_domain("mine")
    assert set(os.environ[manager.ENV_BLOCK].split(",")) == {"elsewhere", "own"}
    statuses = {i.name: i.status for i in PluginManager().plugin_infos()}
    assert statuses == {"own": "disabled", "mine": "active", "ext": "active"}


def test_focus_on_domain_leaves_an_existing_manager_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manager, "_default", PluginManager(autoload=False))
    monkeypatch.delenv(manager.ENV_BLOCK, raising=False)
    manager.focus_on_domain("patients")
    assert manager.ENV_BLOCK not in os.environ


# ---------------------------------------------------------------------------- failing hooks are isolated


def _raising_module(name: str) -> types.ModuleType:
    mod = types.ModuleType(name)

    def synthgenesis_register_domains():
        raise RuntimeError("registration exploded")

    mod.synthgenesis_register_domains = hookimpl(synthgenesis_register_domains)
    return mod


def _wrong_records_module(name: str) -> types.ModuleType:
    mod = types.ModuleType(name)

    def synthgenesis_register_generators():
        return ["not a GeneratorSpec"]

    mod.synthgenesis_register_generators = hookimpl(synthgenesis_register_generators)
    return mod


@pytest.mark.parametrize("broken", [_raising_module, _wrong_records_module], ids=["raises", "wrong-records"])
def test_entry_point_whose_hook_fails_is_quarantined_and_others_keep_working(
    monkeypatch: pytest.MonkeyPatch, broken: Callable[[str], types.ModuleType]
) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("bad", "bad_pkg", FakeDist("bad-pkg"), broken("bad")),
        FakeEntryPoint("good", "good_pkg", FakeDist("good-pkg"), module_plugin("good")),
    )
    pm = PluginManager()
    with pytest.warns(UserWarning, match="plugin 'bad'"):
        infos = {i.name: i for i in pm.plugin_infos()}
    assert infos["bad"].status == "error"
    assert "bad" in infos["bad"].message
    assert infos["good"].status == "active"
    assert set(pm.domains()) == {"good"}
    assert set(pm.generators()) == {"good-shift"}


def test_builtin_whose_hook_raises_does_not_take_down_the_other_domains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_entry_points(
        monkeypatch,
        FakeEntryPoint("alpha", "alpha", FakeDist("synthgenesis"), _raising_module("alpha")),
        FakeEntryPoint("beta", "beta", FakeDist("synthgenesis"), module_plugin("beta")),
    )
    pm = PluginManager()
    with pytest.warns(UserWarning, match="registration exploded"):
        assert set(pm.domains()) == {"beta"}
    assert pm.generator("beta-shift").domain == "beta"
    assert {i.name: i.status for i in pm.plugin_infos()} == {"alpha": "error", "beta": "active"}


def test_opt_in_rules_apply_only_when_named(empty_pm: PluginManager) -> None:
    class Strict:
        @hookimpl
        def synthgenesis_register_rules(self):
            return [RuleSpec("toy-strict", "toy", Positive(), default=False)]

    empty_pm.register(toy_plugin(), name="toy")
    empty_pm.register(Strict(), name="strict")
    assert set(empty_pm.rules("toy")) == {"toy-positive", "toy-finite"}
    assert set(empty_pm.rules("toy", ["toy-strict"])) == {"toy-strict"}
    assert "toy-strict" in empty_pm.all_rules("toy")


# ---------------------------------------------------------------------------- hooks are called through pluggy


def test_a_wrapper_impl_wraps_each_plugins_records(empty_pm: PluginManager) -> None:
    seen: list[int] = []

    class Renamer:
        @hookimpl(wrapper=True)
        def synthgenesis_register_rules(self):
            results = yield
            seen.append(len(results))
            # drop the opt-out rule of every plugin, the way a site policy plugin would
            return [[r for r in result if not r.name.endswith("-finite")] for result in results]

    empty_pm.register(toy_plugin(), name="toy")
    empty_pm.register(Renamer(), name="renamer")
    assert set(empty_pm.rules("toy")) == {"toy-positive"}
    assert seen == [1]  # one call per plugin that implements the hook
    assert {i.name: i.status for i in empty_pm.plugin_infos()} == {"toy": "active", "renamer": "active"}


def test_an_old_style_hookwrapper_runs_too(empty_pm: PluginManager) -> None:
    calls: list[str] = []

    class Watcher:
        @hookimpl(hookwrapper=True)
        def synthgenesis_register_domains(self):
            calls.append("before")
            yield
            calls.append("after")

    empty_pm.register(Watcher(), name="watcher")
    empty_pm.register(toy_plugin(), name="toy")
    assert list(empty_pm.domains()) == ["toy"]
    assert calls == ["before", "after"]


def test_a_wrapper_that_raises_is_quarantined_and_the_records_still_load(empty_pm: PluginManager) -> None:
    class Clumsy:
        @hookimpl(wrapper=True)
        def synthgenesis_register_generators(self):
            yield
            raise RuntimeError("wrapper broke")

    empty_pm.register(toy_plugin(), name="toy")
    with pytest.raises(HookCallError, match=r"plugin 'clumsy' raised in synthgenesis_register_generators"):
        empty_pm.register(Clumsy(), name="clumsy")
    assert set(empty_pm.generators()) == {"toy-shift"}


def test_a_wrapper_that_returns_junk_is_the_one_quarantined(empty_pm: PluginManager) -> None:
    class Spoiler:
        @hookimpl(wrapper=True)
        def synthgenesis_register_generators(self):
            yield
            return [["not a record"]]

    empty_pm.register(toy_plugin(), name="toy")
    with pytest.raises(
        PluginError, match="plugin 'spoiler' returned a str from synthgenesis_register_generators"
    ):
        empty_pm.register(Spoiler(), name="spoiler")
    assert set(empty_pm.generators()) == {"toy-shift"}
    assert {i.name: i.status for i in empty_pm.plugin_infos()} == {"toy": "active"}


def test_tryfirst_and_trylast_order_the_plugins(empty_pm: PluginManager) -> None:
    def plugin(gen: str, **opts: bool) -> object:
        class One:
            @hookimpl(**opts)
            def synthgenesis_register_generators(self):
                return [GeneratorSpec(gen, "toy", Shift)]

        return One()

    class Base:
        @hookimpl
        def synthgenesis_register_domains(self):
            return [make_domain("toy")]

    empty_pm.register(Base(), name="base")
    empty_pm.register(plugin("toy-early", tryfirst=True), name="early")
    empty_pm.register(plugin("toy-middle"), name="middle")
    empty_pm.register(plugin("toy-late", trylast=True), name="late")
    # Without the markers pluggy asks the latest registered first (late, middle, early).
    assert list(empty_pm.generators("toy")) == ["toy-early", "toy-middle", "toy-late"]


def test_pluggy_tracing_sees_every_hook_call(empty_pm: PluginManager) -> None:
    lines: list[str] = []
    empty_pm._pm.trace.root.setwriter(lines.append)
    undo = empty_pm._pm.enable_tracing()
    try:
        empty_pm.register(toy_plugin(), name="toy")
        empty_pm.rules("toy")
    finally:
        undo()
    text = "".join(lines)
    for hook in ("synthgenesis_register_domains", "synthgenesis_register_rules"):
        assert f"{hook} [hook]" in text
    assert "finish synthgenesis_register_rules" in text


def test_hook_call_monitoring_sees_the_implementations(empty_pm: PluginManager) -> None:
    called: list[tuple[str, list[str]]] = []
    undo = empty_pm._pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: called.append((name, [i.plugin_name for i in impls])),
        lambda outcome, name, impls, kwargs: None,
    )
    try:
        empty_pm.register(toy_plugin(), name="toy")
    finally:
        undo()
    assert ("synthgenesis_register_domains", ["toy"]) in called


def test_a_generator_implementation_that_raises_midway_is_quarantined(empty_pm: PluginManager) -> None:
    class Halfway:
        @hookimpl
        def synthgenesis_register_generators(self):
            yield GeneratorSpec("toy-half", "toy", Shift)
            raise ValueError("second record broke")

    empty_pm.register(toy_plugin(), name="toy")
    with pytest.raises(HookCallError, match="ValueError: second record broke"):
        empty_pm.register(Halfway(), name="halfway")
    assert set(empty_pm.generators()) == {"toy-shift"}


def test_a_single_record_instead_of_a_list_is_reported(empty_pm: PluginManager) -> None:
    class Bare:
        @hookimpl
        def synthgenesis_register_domains(self):
            return make_domain("bare")

    with pytest.raises(PluginError, match=r"'bare' returned a Domain .* expected an iterable of Domain"):
        empty_pm.register(Bare(), name="bare")


def test_loading_is_logged_at_debug_level(empty_pm: PluginManager, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="synthgenesis.manager"):
        empty_pm.register(toy_plugin(), name="toy")
    text = caplog.text
    assert "plugin 'toy' registered (code" in text
    assert "synthgenesis_register_rules: plugin 'toy' gave 2 record(s)" in text


# ---------------------------------------------------------------------------- declared (lazy) plugins


def _write_package(root: Any, name: str) -> None:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "records.py").write_text(
        "import pandas as pd\n"
        "from synthgenesis.types import Domain, RuleSpec, FunctionRule\n"
        f"DOMAIN = Domain(name={name!r}, description='lazy', featurize=lambda b: b, read=pd.read_csv,\n"
        "    write=lambda b, p: None, formats=('.csv',))\n"
        "def rules():\n"
        f"    return [RuleSpec({name + '-any'!r}, {name!r}, FunctionRule(lambda s: None))]\n"
    )
    (pkg / "gen.py").write_text(
        "from synthgenesis.types import Generator\n"
        "import pandas as pd\n"
        "class Zeros(Generator):\n"
        "    requires_fit = False\n"
        "    def __init__(self, width: int = 1):\n"
        "        super().__init__()\n"
        "        self.width = width\n"
        "    def _sample(self, n, rng):\n"
        "        return pd.DataFrame({'x': [0.0] * n})\n"
    )


def test_a_lazy_plugin_imports_its_modules_only_when_asked(
    empty_pm: PluginManager, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    _write_package(tmp_path, "lazytoy")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = types.ModuleType("lazytoy_plugin")
    module.PLUGIN = LazyPlugin(  # type: ignore[attr-defined]
        extra="lazytoy",
        domains="lazytoy.records:DOMAIN",
        rules="lazytoy.records:rules",
        generators=[GeneratorSpec("lazytoy-zeros", "lazytoy", lazy("lazytoy.gen:Zeros"))],
    )
    for mod in ("lazytoy.records", "lazytoy.gen"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    empty_pm.register(module, name="lazytoy")
    assert "lazytoy.gen" not in sys.modules  # registering read the records, not the generator module
    info = {i.name: i for i in empty_pm.plugin_infos()}["lazytoy"]
    assert info.extra == "lazytoy"
    assert info.hooks == [
        "synthgenesis_register_domains",
        "synthgenesis_register_generators",
        "synthgenesis_register_rules",
    ]
    assert empty_pm.domain("lazytoy").extra == "lazytoy"  # the domain takes the declared extra
    assert set(empty_pm.rules("lazytoy")) == {"lazytoy-any"}
    spec = empty_pm.generator("lazytoy-zeros")
    assert "lazytoy.gen" not in sys.modules
    assert set(spec.parameters()) == {"width"}
    assert len(spec.create(width=2).sample(3, seed=0)) == 3


def test_a_lazy_plugin_missing_a_module_is_listed_without_importing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declared = LazyPlugin(extra="heavy", requires=("no_such_module_xyz",), domains="no_such_module_xyz:D")
    fake_entry_points(monkeypatch, FakeEntryPoint("heavy", "heavy:PLUGIN", FakeDist("ext-pkg"), declared))
    pm = PluginManager()
    (info,) = pm.plugin_infos()
    assert info.status == "missing-extra" and 'pip install "synthgenesis[heavy]"' in info.message


def test_a_domain_stating_another_extra_than_its_plugin_is_refused(empty_pm: PluginManager) -> None:
    module = types.ModuleType("clash")
    module.PLUGIN = LazyPlugin(extra="one", domains=[make_domain("clash", extra="two")])  # type: ignore[attr-defined]
    with pytest.raises(PluginError, match="domain 'clash' says extra 'two' but its plugin declares 'one'"):
        empty_pm.register(module, name="clash")


def test_a_module_with_a_declaration_and_hand_written_hooks_is_refused(empty_pm: PluginManager) -> None:
    module = module_plugin("mixed")
    module.PLUGIN = LazyPlugin(domains=[make_domain("other")])  # type: ignore[attr-defined]
    with pytest.raises(PluginLoadError, match="'mixed' has a PLUGIN declaration and also defines"):
        empty_pm.register(module, name="mixed")
    assert empty_pm.domains() == {}


def test_lazy_plugin_refuses_a_malformed_reference() -> None:
    with pytest.raises(ValueError, match=r"must look like 'package\.module:attribute'"):
        LazyPlugin(domains="just_a_module")
    with pytest.raises(TypeError, match="must be records, a function or 'module:attribute'"):
        LazyPlugin(rules=42)  # type: ignore[arg-type]


def test_every_builtin_plugin_is_declared_the_same_way() -> None:
    import importlib

    for name in ("crystals", "molecules", "patients", "fraud", "driving"):
        module = importlib.import_module(f"synthgenesis.plugins.{name}")
        declared = manager.declared_plugin(module)
        assert isinstance(declared, LazyPlugin) and declared.extra == name
        assert {"domains", "generators", "rules"} <= set(declared.sources)
        hooks = [n for n in vars(module) if n.startswith("synthgenesis_")]
        assert hooks == [], f"{name} implements hooks by hand: {hooks}"


def test_every_reference_of_the_builtin_plugins_resolves() -> None:
    """A module split or a renamed function breaks a declaration only when called: catch it here."""
    import importlib
    import inspect

    from synthgenesis._optional import module_available
    from synthgenesis.lazyplugin import resolve

    checked = 0
    for name in ("crystals", "molecules", "patients", "fraud", "driving"):
        declared = manager.declared_plugin(importlib.import_module(f"synthgenesis.plugins.{name}"))
        if not all(module_available(m) for m in declared.requires):
            continue
        for source in declared.sources.values():
            if isinstance(source, str):
                assert resolve(source) is not None
            else:
                for record in source:
                    for value in vars(record).values():
                        if isinstance(value, lazy):
                            assert callable(inspect.unwrap(value)), value
                            checked += 1
    assert checked > 0 or not module_available("pandas")
