"""A study, resolved once and run in stages: load/split -> fit -> generate -> privacy guard -> write ->
evaluate -> report.

:class:`Study` resolves the domain, generator, reference, transfer task and
rules of a :class:`~synthgenesis.config.StudyConfig` once (rule files are
read once, and their content travels with the generation plan to every
worker). The CLI's ``run``, ``generate`` and ``demo``, the collapse lab and
``report`` all use it, so a report rebuilt from a run directory evaluates
exactly as the run did.

The run directory holds::

    manifest.json        config, seed, status, counts, timings, versions of Python,
                         every installed package and every plugin
    samples/             the valid synthetic samples, one Parquet part per block
                         (Parquet-safe form; ``pandas.read_parquet(run / "samples")`` reads them all)
    rejected/            samples that failed a rule, with the reasons, per block
    chunks.json          each block's status and counts (what ``--resume`` reads)
    samples.<native>     the samples in the domain's native format (runs that fit in memory)
    validation.json      per-rule counts (checked, failed, repaired, examples)
    generator.json       the fitted generator's state, if it can be saved
    features/            real train, real holdout and synthetic feature tables
    metrics.json         evaluation metrics
    report.html          the evaluation report
"""

from pathlib import Path

from synthgenesis.study.names import check_against_plugins, default_reference
from synthgenesis.study.reference import Split, check_reference, split_reference
from synthgenesis.study.reports import report_context, same_metrics
from synthgenesis.study.run import IN_MEMORY_ROWS, Study, StudyResult, run_study

__all__ = [
    "IN_MEMORY_ROWS",
    "Split",
    "Study",
    "StudyResult",
    "check_against_plugins",
    "check_reference",
    "default_demo_config",
    "default_reference",
    "report_context",
    "run_study",
    "same_metrics",
    "split_reference",
]


def default_demo_config() -> Path:
    """The study the ``demo`` command runs (patients, ACTG 175, offline)."""
    return Path(__file__).parent.parent / "studies" / "demo.toml"
