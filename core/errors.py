"""Named exceptions of synthgenesis.

Every message says what was wrong, for which plugin, key, column or record,
and what to do about it. The command line turns these into one-line errors
and stable exit codes (see :data:`EXIT_CODES`).
"""

from __future__ import annotations

from collections.abc import Iterable


class SynthgenesisError(Exception):
    """Base class of every error raised on purpose by synthgenesis."""

    exit_code = 1


def _available(names: Iterable[str]) -> str:
    names = sorted(names)
    return ", ".join(names) if names else "(none registered)"


class PluginError(SynthgenesisError):
    """A plugin could not be loaded, registered or called."""

    exit_code = 3


class PluginLoadError(PluginError):
    """Importing or registering a plugin failed."""


class HookCallError(PluginError):
    """A plugin's hook implementation raised while being called."""


class DuplicateNameError(PluginError):
    """Two registrations of the same kind share one name."""

    def __init__(self, kind: str, name: str, providers: Iterable[str]) -> None:
        providers = list(providers)
        super().__init__(
            f"{kind} {name!r} is registered more than once (by {', '.join(providers)}); "
            f"rename one of them or block a plugin with SYNTHGENESIS_BLOCK_PLUGINS"
        )
        self.kind, self.name, self.providers = kind, name, providers


class UnknownNameError(SynthgenesisError, KeyError):
    """A domain, generator, rule, dataset or task name that nobody registered."""

    exit_code = 2

    def __init__(self, kind: str, name: str, available: Iterable[str], hint: str = "") -> None:
        msg = f"unknown {kind} {name!r}; available: {_available(available)}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)
        self.kind, self.name = kind, name

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class MissingExtraError(SynthgenesisError, ImportError):
    """A domain library is not installed; the message names the extra to install."""

    exit_code = 4

    def __init__(self, module: str, extra: str, purpose: str = "") -> None:
        what = f" for {purpose}" if purpose else ""
        super().__init__(
            f"{module!r} is needed{what} but is not installed; "
            f'install it with: pip install "synthgenesis[{extra}]"'
        )
        self.module, self.extra = module, extra


class InvalidDataError(SynthgenesisError, ValueError):
    """Input data is malformed: wrong columns, dtypes, empty tables, NaN where none may be."""

    exit_code = 2


class ConfigError(SynthgenesisError, ValueError):
    """A study configuration has an unknown key, a wrong type or an impossible value."""

    exit_code = 2

    def __init__(self, key_path: str, message: str, source: str = "") -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key_path}: {message}")
        self.key_path = key_path


class ConstraintsNotMetError(SynthgenesisError):
    """Too few samples passed the rules within the re-sampling budget."""

    exit_code = 5


class NotFittedError(SynthgenesisError, RuntimeError):
    """``sample`` was called on a generator that needs ``fit`` first."""

    exit_code = 2


class OutputExistsError(SynthgenesisError, FileExistsError):
    """The output directory exists and holds files; nothing was overwritten."""

    exit_code = 2

    def __init__(self, path: object, refused: str = "") -> None:
        if refused:
            message = (
                f"output {path} exists and {refused}: synthgenesis replaces only its own run folders, "
                f"so nothing was touched; choose another --out, or move or delete it yourself"
            )
        else:
            message = (
                f"output directory {path} already exists and is not empty; "
                f"choose another --out, or pass --overwrite to replace it"
            )
        super().__init__(message)


class PrivacyError(SynthgenesisError):
    """A synthetic set would leak real records (exact copies) and was not exported."""

    exit_code = 8


#: Exit codes the command line uses; scripts may rely on them.
EXIT_CODES = {
    "ok": 0,
    "error": 1,
    "usage": 2,
    "plugin": 3,
    "missing-extra": 4,
    "constraints-not-met": 5,
    "invalid-samples": 6,
    "download": 7,
    "privacy": 8,
}
