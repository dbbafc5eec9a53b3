"""A collapse run end to end for a registered domain, generator and reference dataset.

The run directory holds::

    manifest.json   config, seed, status, counts, timings, versions of Python and packages
    collapse.json   one record per generation per regime with every metric, and the verdict
    report.html     one figure per metric across generations (one line per regime)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from synthgenesis.collapse.lab import CollapseConfig, CollapseResult, run_generations
from synthgenesis.collapse.report import summary_sentence, verdicts, write_report
from synthgenesis.config import parse_config
from synthgenesis.errors import ConfigError
from synthgenesis.io import write_json
from synthgenesis.manager import PluginManager
from synthgenesis.progress import Progress
from synthgenesis.rundir import RunDirectory
from synthgenesis.study import Study


@dataclass
class CollapseRun:
    """Where a run was written, its per-generation result and its verdict."""

    out: Path
    result: CollapseResult
    verdicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """One sentence saying whether the generations collapsed, and how."""
        return summary_sentence(self.verdicts)


def _task_kind(pm: PluginManager, domain: str, reference: str, target: str | None) -> str | None:
    """The kind of a classification or regression transfer task on ``reference`` predicting ``target``."""
    if target is None:
        return None
    for task in pm.transfer_tasks(domain).values():
        if task.reference == reference and task.target == target and task.kind != "survival":
            return task.kind
    return None


def run_collapse(
    pm: PluginManager,
    domain: str,
    config: CollapseConfig,
    *,
    out: str | Path,
    generator: str | None = None,
    reference: str | None = None,
    generator_params: dict[str, Any] | None = None,
    holdout_fraction: float = 0.25,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> CollapseRun:
    """Split ``reference`` into real train and holdout, run the generations, write the run directory.

    ``generator`` defaults to the domain's default generator and ``reference`` to its first
    registered dataset (by name). ``config.target`` defaults to the dataset's target when
    ``domain.featurize`` keeps it as a feature column.
    """
    progress = progress or Progress()
    out_path = Path(out)
    run = RunDirectory(out_path, overwrite=overwrite)
    try:
        if reference is None:
            names = sorted(pm.reference_datasets(domain))
            if not names:
                raise ConfigError("--reference", f"domain {domain!r} has no registered reference dataset")
            reference = names[0]
        study = Study(
            parse_config(
                {
                    "study": {"name": f"collapse-{domain}", "domain": domain, "seed": config.seed},
                    "reference": {"dataset": reference, "holdout_fraction": holdout_fraction},
                    "generator": {"name": generator, "params": generator_params or {}},
                    "evaluation": {"enabled": False},
                },
                "command line",
            ),
            pm,
        )  # every name and parameter is checked here, before any work
    except BaseException:
        run.discard()
        raise
    dom, spec = study.domain, study.generator_spec
    dataset = pm.reference_dataset(reference, domain)
    manifest: dict[str, Any] = {
        "command": "collapse",
        "domain": dom.name,
        "generator": spec.name,
        "reference": dataset.name,
        "seed": config.seed,
        "generator_params": generator_params or {},
        "plugins": [i.to_dict() for i in pm.plugin_infos()],
    }
    step = "load reference"
    try:
        t = time.perf_counter()
        batch, check = study.load_reference(progress)
        manifest["reference_check"] = check
        target = config.target if config.target is not None else dataset.target
        features = dom.featurize(batch.head(5))
        if target is not None and target not in features.columns:
            if config.target is not None:
                raise ConfigError("--target", f"{target!r} is not a feature column of {dom.name}")
            target = None
        task = config.task or _task_kind(pm, domain, dataset.name, target)
        config = replace(config, target=target, task=task)
        split = study.split(batch, check, target if task != "regression" else None)
        train, holdout = split.train, split.holdout
        run.timed("load_reference", time.perf_counter() - t)
        manifest["config"] = config.to_dict()
        manifest["counts"] = {"reference": split.size, "train": len(train), "holdout": len(holdout)}
        step = "generations"
        progress.stage(f"{config.generations} generation(s) of {spec.name} under {', '.join(config.regimes)}")
        t = time.perf_counter()
        result = run_generations(
            dom,
            lambda: spec.create(**(generator_params or {})),
            train,
            holdout,
            config,
            rules=study.rules,
            progress=progress,
        )
        run.timed("generations", time.perf_counter() - t)
        step = "report"
        t = time.perf_counter()
        entries = verdicts(result)
        write_json(
            run.path("collapse.json"),
            {
                "domain": dom.name,
                "generator": spec.name,
                "reference": dataset.name,
                "seed": config.seed,
                "config": config.to_dict(),
                "verdict": summary_sentence(entries),
                "verdicts": entries,
                "records": result.records,
            },
        )
        write_report(
            result,
            entries,
            run.path("report.html"),
            title=f"Model collapse: {spec.name} on {dataset.name}",
            run={
                "domain": dom.name,
                "generator": spec.name,
                "reference": f"{dataset.name} ({len(train)} train, {len(holdout)} holdout)",
                "regimes": ", ".join(config.regimes),
                "generations": config.generations,
                "samples per generation": config.n or len(train),
                "validity filtering": "on" if config.filter_valid else "off",
                "guided": "on" if config.guided else "off",
                "target": target or "-",
                "seed": config.seed,
            },
        )
        run.timed("report", time.perf_counter() - t)
    except BaseException as exc:
        manifest.setdefault("config", config.to_dict())
        run.fail(manifest, step, exc)
        raise
    manifest["status"] = "complete"
    manifest["verdict"] = summary_sentence(entries)
    run.write_manifest(manifest)
    run.finish()
    return CollapseRun(out=out_path, result=result, verdicts=entries)
