"""synthgenesis: trustworthy synthetic data.

Generate domain data that obeys physics and domain rules, and measure how well
it transfers to real data before anyone trusts it.

Importing this package never imports a domain library (pymatgen, RDKit,
gymnasium...): those load only when a domain that needs them is used.
"""

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
from synthgenesis.hookspecs import hookimpl, hookspec
from synthgenesis.manager import PluginManager, get_plugin_manager
from synthgenesis.types import (
    CheckResult,
    Constraint,
    ConstraintSpec,
    Domain,
    FunctionValidator,
    Generator,
    GeneratorSpec,
    ReferenceDataset,
    TransferTask,
    Validator,
    ValidatorSpec,
)

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "ConfigError",
    "Constraint",
    "ConstraintSpec",
    "ConstraintsNotMetError",
    "Domain",
    "FunctionValidator",
    "Generator",
    "GeneratorSpec",
    "InvalidDataError",
    "MissingExtraError",
    "NotFittedError",
    "PluginError",
    "PluginManager",
    "ReferenceDataset",
    "SynthgenesisError",
    "TransferTask",
    "Validator",
    "ValidatorSpec",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "import_optional",
    "module_available",
]
