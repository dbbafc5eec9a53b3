"""The model-collapse lab: fit generators on their own output, generation after generation.

Generation 1 is fitted on real data; generation ``t + 1`` on data produced by
generation ``t`` under a regime:

* ``replace``: only the previous generation's synthetic data;
* ``accumulate``: the real training data and every synthetic generation so far;
* ``anchor``: the previous generation's data mixed with a fixed share of real records.

Every generation is measured against the original real data. See ``docs/collapse.md``.

>>> from synthgenesis.collapse import CollapseConfig, run_generations  # doctest: +SKIP
>>> config = CollapseConfig(generations=5)  # doctest: +SKIP
>>> result = run_generations(domain, make_generator, train, holdout, config)  # doctest: +SKIP
"""

from synthgenesis.collapse.lab import (
    COLLAPSE_EVALUATION,
    DEFAULT_METRICS,
    REGIMES,
    CollapseConfig,
    CollapseResult,
    coverage_gaps,
    encode,
    gap_weights,
    guidance_weights,
    measure,
    run_generations,
    spread,
)
from synthgenesis.collapse.report import VERDICT_RULES, render_report, summary_sentence, verdicts
from synthgenesis.collapse.study import CollapseRun, run_collapse

__all__ = [
    "COLLAPSE_EVALUATION",
    "DEFAULT_METRICS",
    "REGIMES",
    "VERDICT_RULES",
    "CollapseConfig",
    "CollapseResult",
    "CollapseRun",
    "coverage_gaps",
    "encode",
    "gap_weights",
    "guidance_weights",
    "measure",
    "render_report",
    "run_collapse",
    "run_generations",
    "spread",
    "summary_sentence",
    "verdicts",
]
