"""Generation and validation at scale: fixed-size blocks, run on local processes or Dask.

>>> from synthgenesis.execution import GenerationPlan, execute
>>> plan = GenerationPlan(domain="patients", generator="patients-gaussian-copula",
...                       state=gen.get_state(), n=1_000_000, seed=7)  # doctest: +SKIP
>>> result = execute(plan, "out", executor="local", workers=4)  # doctest: +SKIP

>>> result = validate_file("molecules", "library.smi", "checked", workers=4)  # doctest: +SKIP

>>> result = generate(domain, fitted_generator, 1_000, seed=7, rules=rules)  # in memory  # doctest: +SKIP

See ``docs/execution.md`` for the determinism guarantee, resuming and the Dask recipe.
"""

from __future__ import annotations

from synthgenesis.execution.chunks import DEFAULT_BLOCK_SIZE, GenerationPlan, draw_block, run_block
from synthgenesis.execution.engine import (
    EXECUTORS,
    BlocksFailedError,
    GenerationResult,
    execute,
    generate,
    read_samples,
)
from synthgenesis.execution.mapping import Workers, map_chunks
from synthgenesis.execution.store import STATUS_FILE, PlanMismatchError
from synthgenesis.execution.validation import FileValidationResult, read_valid, validate_file

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "EXECUTORS",
    "STATUS_FILE",
    "BlocksFailedError",
    "FileValidationResult",
    "GenerationPlan",
    "GenerationResult",
    "PlanMismatchError",
    "Workers",
    "draw_block",
    "execute",
    "generate",
    "map_chunks",
    "read_samples",
    "read_valid",
    "run_block",
    "validate_file",
]
