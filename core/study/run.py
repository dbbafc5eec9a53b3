"""The staged study: :class:`Study` resolves once, then runs its stages.

load and check the reference -> split -> fit -> plan -> generate -> privacy
guard -> write -> evaluate -> report (see :mod:`synthgenesis.study`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from synthgenesis.config import StudyConfig, parse_config, resolve
from synthgenesis.errors import EXIT_CODES, ConfigError, InvalidDataError, PrivacyError
from synthgenesis.evaluation.copies import exact_copies as count_exact_copies
from synthgenesis.execution import GenerationPlan, GenerationResult, execute, read_samples
from synthgenesis.execution.chunks import REJECTED_DIR, SAMPLES_DIR, WorkerContext, plan_rules
from synthgenesis.io import check_data_file, csv_formula_policy, read_table, write_json, write_table
from synthgenesis.manager import PluginManager
from synthgenesis.progress import Progress
from synthgenesis.rulefiles import read_rule_file
from synthgenesis.rundir import RunDirectory
from synthgenesis.study.names import check_against_plugins
from synthgenesis.study.reference import Split, check_reference, split_reference
from synthgenesis.study.reports import report_context
from synthgenesis.types import Domain, Generator, GeneratorSpec, TransferTask

logger = logging.getLogger(__name__)


#: Rows of a run read back into memory for evaluation and native output.
IN_MEMORY_ROWS = 200_000


@dataclass
class StudyResult:
    """Where a study was written, how it ended, and what it measured."""

    out: Path
    status: str
    exit_code: int
    generation: GenerationResult | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    #: The overall verdict ({"status", "reasons"}), when the run was evaluated or said why not.
    overall: dict[str, Any] | None = None


class Study:
    """A study file resolved against the installed plugins; its stages are the methods below.

    Construction checks every name the study uses (domain, generator and its
    parameters, reference, task, rules) and fails with a
    :class:`~synthgenesis.errors.ConfigError` naming the key before any work.
    """

    def __init__(self, config: StudyConfig, pm: PluginManager, *, check: bool = True) -> None:
        self.config = config
        self.pm = pm
        if check:
            check_against_plugins(config, pm)
        self.domain: Domain = pm.domain(config.study.domain)
        self.seed = config.study.seed
        self.task: TransferTask | None = self._task()
        self.target = self.task.target if self.task else config.evaluation.target

    # ------------------------------------------------------------------ resolution

    @classmethod
    def from_run(cls, run_dir: Path, pm: PluginManager) -> tuple[Study, dict[str, Any]]:
        """The study a run directory was written by (for rebuilding its report), and its manifest."""
        from synthgenesis.rundir import is_run_directory

        if not is_run_directory(run_dir):
            raise InvalidDataError(
                f"{run_dir} is not a run directory (no manifest.json written by synthgenesis)"
            )
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        missing = [k for k in ("config", "study", "generator", "seed", "domain") if k not in manifest]
        if missing:
            raise InvalidDataError(
                f"{run_dir}/manifest.json lacks {', '.join(missing)}; it cannot be reported"
            )
        config = parse_config(manifest["config"], str(run_dir / "manifest.json"))
        # The run is reported from what it stored: files it read then need not exist now.
        study = cls(config, pm, check=False)
        if manifest.get("transfer_task") and (
            study.task is None or study.task.name != manifest["transfer_task"]
        ):
            study.task = pm.transfer_task(manifest["transfer_task"])
            study.target = study.task.target
        return study, manifest

    def _task(self) -> TransferTask | None:
        ev, ref = self.config.evaluation, self.config.reference
        if ev.transfer_task:
            return self.pm.transfer_task(ev.transfer_task)
        if ev.target is None and ref.dataset is not None:
            # The reference's own task, when it has exactly one.
            tasks = [
                t for t in self.pm.transfer_tasks(self.domain.name).values() if t.reference == ref.dataset
            ]
            if len(tasks) == 1:
                return tasks[0]
        return None

    @cached_property
    def generator_spec(self) -> GeneratorSpec:
        """The study's generator (the domain's default when the study names none)."""
        if self.config.generator.name:
            return self.pm.generator(self.config.generator.name, self.domain.name)
        return self.pm.default_generator(self.domain.name)

    @cached_property
    def rule_names(self) -> list[str]:
        """The registered rules the study enforces (the domain's defaults, filtered)."""
        names = self.pm.rules(self.domain.name, self.config.rules.include)
        return [n for n in names if n not in set(self.config.rules.exclude)]

    @cached_property
    def rule_files(self) -> list[dict[str, Any]]:
        """The study's rule files, read once: ``{"source": path, "rules": parsed TOML}``."""
        return [
            {"source": file, "rules": read_rule_file(resolve(self.config, file))}
            for file in self.config.rules.files
        ]

    @cached_property
    def rules(self) -> dict[str, Any]:
        """Every rule the study enforces, built from :attr:`rule_names` and :attr:`rule_files`."""
        return plan_rules(self.domain.name, self.rule_names, self.rule_files)

    @property
    def has_reference(self) -> bool:
        """Whether the study names real data (simulators that need no fit may run without)."""
        ref = self.config.reference
        return ref.dataset is not None or ref.path is not None

    @property
    def reference_name(self) -> str | None:
        """The reference the study names: a dataset's name or a file path."""
        ref = self.config.reference
        return ref.dataset or ref.path

    def out_path(self, out: str | Path | None) -> Path:
        """The run folder: ``out`` if given, else ``output.dir`` (relative to the study file) or runs/NAME."""
        if out is not None:
            return Path(out)
        if self.config.output.dir:
            return resolve(self.config, self.config.output.dir)
        return Path("runs") / self.config.study.name

    # ------------------------------------------------------------------ stages

    def load(self, progress: Progress) -> Split:
        """Load the reference, check it with the study's rules, split it into train and holdout."""
        batch, check = self.load_reference(progress)
        kind = self.task.kind if self.task else self.config.evaluation.task
        return self.split(batch, check, self.target if kind != "regression" else None)

    def load_reference(self, progress: Progress) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The real reference, checked with the study's rules (see :func:`check_reference`)."""
        config = self.config
        progress.stage(f"loading reference {self.reference_name}")
        if config.reference.dataset is not None:
            batch = self.pm.reference_dataset(config.reference.dataset, self.domain.name).load()
            source = config.reference.dataset
        else:
            path = check_data_file(resolve(config, config.reference.path or ""), "reference")
            batch, source = self.domain.read(path), str(path)
        batch, check = check_reference(batch, self.domain, self.rules, config.reference.invalid, source)
        if check["invalid"]:
            verb = {"drop": "dropped", "keep": "kept"}[check["policy"]]
            by_rule = ", ".join(f"{n}: {k}" for n, k in check["by_rule"].items())
            progress.stage(
                f"{verb} {check['invalid']} of {check['checked']} reference records that break the rules "
                f"({by_rule})"
            )
        return batch, check

    def split(self, batch: pd.DataFrame, check: dict[str, Any], stratify: str | None) -> Split:
        """The seeded train/holdout split of a checked reference, stratified on ``stratify`` if it can be."""
        train, holdout = split_reference(batch, self.config.reference.holdout_fraction, self.seed, stratify)
        return Split(train, holdout, len(batch), check)

    def fit(self, split: Split | None, progress: Progress) -> Generator:
        """The study's generator, fitted on the real train split (simulators need no fit)."""
        spec = self.generator_spec
        generator = spec.create(**self.config.generator.params)
        if generator.requires_fit:
            if split is None:
                raise self.config.error("reference", f"generator {spec.name!r} learns from real data")
            progress.stage(f"fitting {spec.name} on {len(split.train)} real records")
            generator.fit(split.train)
        return generator

    def plan(self, generator: Generator) -> tuple[GenerationPlan, WorkerContext | None]:
        """The generation plan, and the live generator for a generator that cannot save its state.

        A generator that saves its state is rebuilt from it wherever blocks run
        (in this process too), so every executor runs the same code on the
        same data. One that cannot runs in this process only, as itself.
        """
        config, ex = self.config, self.config.execution
        live = None
        try:
            state: dict[str, Any] | None = generator.get_state()
        except NotImplementedError as exc:
            if ex.executor != "local" or ex.workers > 1:
                raise ConfigError(
                    "execution.workers",
                    f"generator {self.generator_spec.name!r} cannot save its state, which worker processes "
                    "need; run it with one local worker",
                ) from exc
            state = None
            sampling = config.sampling
            if sampling.conditions or sampling.enrich:  # as the worker context applies them
                from synthgenesis.tabular.conditional import Conditioned

                generator = Conditioned(generator, conditions=sampling.conditions, enrich=sampling.enrich)
            live = WorkerContext(self.domain, generator, self.rules)
        plan = GenerationPlan(
            domain=self.domain.name,
            generator=self.generator_spec.name,
            state=state,
            n=config.sampling.n,
            seed=self.seed,
            block_size=ex.block_size,
            rules=self.rule_names,
            policy=config.sampling.policy,  # type: ignore[arg-type]
            max_rounds=config.sampling.max_rounds,
            generator_params=config.generator.params,
            conditions=config.sampling.conditions,
            enrich=config.sampling.enrich,
            id_column=self.domain.id_column,
            rule_files=self.rule_files,
        )
        return plan, live

    def generate(
        self, generator: Generator, run: RunDirectory, progress: Progress, *, resume: bool = False
    ) -> GenerationResult:
        """Generate with the execution engine into the run's staging folder; read back what fits."""
        ex = self.config.execution
        plan, live = self.plan(generator)
        if resume:
            _carry_over_blocks(run)
        progress.stage(f"sampling {self.config.sampling.n} and enforcing {self.domain.name} rules")
        result = execute(
            plan,
            run.stage,
            executor=ex.executor,
            workers=ex.workers,
            scheduler=ex.scheduler,
            retries=ex.retries,
            progress=progress,
            live=live,
        )
        result.samples = read_samples(result, limit=IN_MEMORY_ROWS, from_storage=self.domain.from_storage)
        return result

    def featurize(self, split: Split, gen: GenerationResult) -> dict[str, pd.DataFrame]:
        """Feature tables of the real train and holdout splits and of the samples in memory."""
        assert gen.samples is not None
        return {
            "train": self.domain.featurize(split.train),
            "holdout": self.domain.featurize(split.holdout),
            "synthetic": self.domain.featurize(gen.samples),
        }

    def exact_copies(self, feats: dict[str, pd.DataFrame], gen: GenerationResult) -> int:
        """Synthetic samples (all of them, on disk too) equal in every feature to a real record."""
        real = pd.concat([feats["train"], feats["holdout"]])
        if gen.samples is not None and len(gen.samples) == gen.accepted:
            return count_exact_copies(real, feats["synthetic"])
        total = 0
        for part in gen.parts():
            table = pd.read_parquet(part)
            table = self.domain.from_storage(table) if self.domain.from_storage else table
            total += count_exact_copies(real, self.domain.featurize(table))
        return total

    def guard_privacy(self, copies: int, gen: GenerationResult, run: RunDirectory) -> None:
        """Refuse to export records about people that copy real records, unless the study allows it."""
        if not copies or not self.domain.privacy_sensitive or self.config.output.allow_exact_copies:
            return
        shutil.rmtree(gen.samples_path, ignore_errors=True)
        write_json(run.path("validation.json"), gen.summary())
        raise PrivacyError(
            f"{copies} synthetic {self.domain.name} record(s) are exact copies of real records; the samples "
            f"were not exported. Use another generator or seed, or set output.allow_exact_copies = true "
            f"if the copies are acceptable (for example, public data)"
        )

    def write(self, gen: GenerationResult, run: RunDirectory, manifest: dict[str, Any]) -> None:
        """The native-format copies of the samples (when they all fit in memory) and ``validation.json``."""
        output = self.config.output
        if output.native and gen.samples is not None and gen.accepted == len(gen.samples):
            with csv_formula_policy(output.csv_formulas):
                for suffix in output.formats or [self.domain.formats[0]]:
                    self.domain.write(gen.samples, run.path(f"samples{suffix}"))
        elif output.native:
            manifest["native_output"] = (
                f"skipped: {gen.accepted} samples are more than the {IN_MEMORY_ROWS} kept in memory; "
                f"convert parts of samples/ with 'synthgenesis convert'"
            )
        write_json(run.path("validation.json"), gen.summary())

    def evaluate(
        self, feats: dict[str, pd.DataFrame], progress: Progress | None = None
    ) -> tuple[Any, list[dict[str, str]]]:
        """Evaluate the synthetic features against the real ones: the result and the task's own sections.

        The one evaluation of a study: a run and a report rebuilt from its
        stored features call it alike, so they give the same metrics.
        """
        from synthgenesis.evaluation import evaluate

        progress = progress or Progress()
        ev, task = self.config.evaluation, self.task
        metrics = ev.metrics
        if self.domain.privacy_sensitive and metrics is not None and "privacy" not in metrics:
            metrics = [*metrics, "privacy"]  # always on for records about people
        survival = task is not None and task.kind == "survival"
        evaluation = evaluate(
            feats["train"],
            feats["synthetic"],
            holdout=feats["holdout"],
            target=None if survival else self.target,
            task=task.kind if task and not survival else ev.task,
            sensitive=[
                s for s in (ev.sensitive or (task.sensitive if task else ())) if s in feats["train"].columns
            ],
            metrics=metrics,
            seed=self.seed,
            progress=progress.stage,
        )
        sections: list[dict[str, str]] = []
        if task is not None and task.evaluator is not None:
            progress.stage(f"transfer task {task.name}")
            extra = task.evaluator(feats["train"], feats["synthetic"], feats["holdout"], self.seed)
            evaluation.metrics["transfer"] = {task.name: extra.get("metrics", {})}
            sections = list(extra.get("sections", []))
        return evaluation, sections

    def write_report(
        self,
        evaluation: Any,
        path: Path,
        manifest: dict[str, Any],
        validation: dict[str, Any] | None,
        sections: list[dict[str, str]] | None = None,
        *,
        not_evaluated: str | None = None,
    ) -> Path:
        """The HTML report of an evaluated run, or of one that says why it was not evaluated."""
        from synthgenesis.report import write_html_report

        generator = manifest["generator"]
        title = f"{self.config.study.name}: {generator}"
        if not_evaluated is None:
            title += f" on {self.reference_name}"
        return write_html_report(
            evaluation,
            path,
            title=title,
            context=report_context(manifest, validation, sections),
            not_evaluated=not_evaluated,
        )

    # ------------------------------------------------------------------ the whole run

    def run(
        self,
        *,
        out: str | Path | None = None,
        overwrite: bool | None = None,
        progress: Progress | None = None,
        resume: bool = False,
    ) -> StudyResult:
        """Run every stage and write the run directory; see the module docstring for its contents.

        With ``resume``, the finished blocks of an earlier, interrupted or
        failed attempt at the same run are reused.
        """
        progress = progress or Progress()
        out_path = self.out_path(out)
        allow = self.config.output.overwrite if overwrite is None else overwrite
        run = RunDirectory(out_path, overwrite=allow or resume)
        manifest = self.manifest()
        result = StudyResult(out_path, "failed", EXIT_CODES["error"])
        stages = _Stages(run)
        try:
            self._run_stages(run, manifest, result, stages, progress, resume)
        except BaseException as exc:
            run.fail(manifest, stages.current, exc)
            raise
        manifest["status"] = result.status
        result.overall = manifest.get("overall")
        run.write_manifest(manifest)
        run.finish()
        return result

    def manifest(self) -> dict[str, Any]:
        """What the manifest says about the study before anything runs."""
        return {
            "study": self.config.study.name,
            "domain": self.domain.name,
            "generator": self.generator_spec.name,
            "seed": self.seed,
            "config": self.config.to_dict(),
            "plugins": [i.to_dict() for i in self.pm.plugin_infos()],
            "transfer_task": self.task.name if self.task else None,
        }

    def _run_stages(
        self,
        run: RunDirectory,
        manifest: dict[str, Any],
        result: StudyResult,
        stages: _Stages,
        progress: Progress,
        resume: bool,
    ) -> None:
        split = None
        with stages("load reference"):
            if self.has_reference:
                split = self.load(progress)
                manifest["reference_check"] = split.check
                manifest["counts"] = {
                    "reference": split.size,
                    "train": len(split.train),
                    "holdout": len(split.holdout),
                }
            else:
                progress.stage(f"no reference: {self.generator_spec.name} simulates without real data")
                manifest["counts"] = {"reference": 0}
        with stages("fit"):
            generator = self.fit(split, progress)
            with contextlib.suppress(NotImplementedError):  # generators that cannot save their state
                state = {"generator": self.generator_spec.name, "state": generator.get_state()}
                write_json(run.path("generator.json"), state)
        with stages("generate", timed=False):
            gen = self.generate(generator, run, progress, resume=resume)
            result.generation = gen
            run.timed("generate", gen.seconds)
            manifest["counts"].update(gen.summary())
            manifest["execution"] = {
                "executor": gen.executor,
                "workers": gen.workers,
                "block_size": self.config.execution.block_size,
                "blocks": gen.n_blocks,
                "resumed_blocks": gen.resumed_blocks,
            }
        feats: dict[str, pd.DataFrame] = {}
        if split is not None:
            with stages("privacy"):
                feats = self.featurize(split, gen)
                copies = self.exact_copies(feats, gen)
                manifest["counts"]["exact_copies_of_real_records"] = copies
                self.guard_privacy(copies, gen, run)
        with stages("write"):
            self.write(gen, run, manifest)
        if self.config.evaluation.enabled:
            with stages("evaluate", timed=False):
                self._evaluate_stage(feats, gen, run, manifest, result, stages, progress)
        result.status = "complete" if gen.complete else "incomplete"
        result.exit_code = EXIT_CODES["ok"] if gen.complete else EXIT_CODES["constraints-not-met"]
        if not gen.complete:
            manifest["error"] = (
                f"only {gen.accepted} of {gen.requested} samples passed the rules within "
                f"{gen.rounds} rounds; see validation.json for the rules that rejected them"
            )

    def _evaluate_stage(
        self,
        feats: dict[str, pd.DataFrame],
        gen: GenerationResult,
        run: RunDirectory,
        manifest: dict[str, Any],
        result: StudyResult,
        stages: _Stages,
        progress: Progress,
    ) -> None:
        from synthgenesis.evaluation.verdicts import not_evaluated

        reason = self.not_evaluated_reason(feats, gen)
        if reason is not None:
            # Say why nothing was evaluated, in the report and the manifest, rather than skip silently.
            progress.stage(f"not evaluated: {reason}")
            self.write_report(None, run.path("report.html"), manifest, gen.summary(), not_evaluated=reason)
            manifest["not_evaluated"] = reason
            manifest["overall"] = not_evaluated(reason).to_dict()
            return
        progress.stage("evaluating against the real holdout")
        for name, table in feats.items():
            write_table(table, run.path(f"features/{name}.parquet"))
        with stages("evaluate"):
            evaluation, sections = self.evaluate(feats, progress)
            evaluation.to_json(run.path("metrics.json"))
        with stages("report"):
            self.write_report(evaluation, run.path("report.html"), manifest, gen.summary(), sections)
        result.metrics = evaluation.metrics
        manifest["verdicts"] = [v.to_dict() for v in evaluation.verdicts]
        manifest["overall"] = evaluation.overall.to_dict()

    def not_evaluated_reason(self, feats: dict[str, pd.DataFrame], gen: GenerationResult) -> str | None:
        """Why the run cannot be evaluated, or ``None`` if it can."""
        if not feats:
            return (
                f"{self.generator_spec.name} ran without real reference data, so there is nothing to "
                "compare the samples with; give a reference (--reference-file, or [reference] in the "
                "study) to evaluate"
            )
        kept = 0 if gen.samples is None else len(gen.samples)
        if kept < 2:
            return f"only {kept} valid sample(s): at least 2 are needed to evaluate"
        return None

    # ------------------------------------------------------------------ rebuilding a report

    def rebuild_report(
        self, run_dir: Path, manifest: dict[str, Any], target: Path | None = None
    ) -> tuple[Path, dict[str, Any] | None]:
        """Evaluate a run's stored features again and write its report; also the metrics it gives.

        The metrics are what :meth:`evaluate` computes now: with the same
        installed versions they equal the run's ``metrics.json``.
        """
        validation_path = run_dir / "validation.json"
        validation = json.loads(validation_path.read_text()) if validation_path.exists() else None
        target = target or run_dir / "report.html"
        feats_dir = run_dir / "features"
        if not (feats_dir / "synthetic.parquet").exists():
            reason = manifest.get("not_evaluated")
            if not reason:
                raise InvalidDataError(f"{run_dir} has no stored features; it was run without evaluation")
            return self.write_report(None, target, manifest, validation, not_evaluated=reason), None
        feats = {
            name: read_table(feats_dir / f"{name}.parquet") for name in ("train", "holdout", "synthetic")
        }
        evaluation, sections = self.evaluate(feats)
        self.write_report(evaluation, target, manifest, validation, sections)
        with tempfile.TemporaryDirectory() as tmp:  # as metrics.json holds them
            metrics = json.loads(evaluation.to_json(Path(tmp) / "metrics.json").read_text(encoding="utf-8"))
        return target, metrics


class _Stages:
    """Names the stage a run is in (what a failed run's manifest reports) and times it."""

    def __init__(self, run: RunDirectory) -> None:
        self.run = run
        self.current = "start"

    @contextlib.contextmanager
    def __call__(self, name: str, *, timed: bool = True) -> Any:
        self.current = name
        logger.debug("stage %s", name)
        t = time.perf_counter()
        yield
        if timed:
            self.run.timed(name.replace(" ", "_"), time.perf_counter() - t)


def _carry_over_blocks(run: RunDirectory) -> None:
    """Copy the finished blocks of an earlier attempt at this run into the new staging folder.

    The earlier attempt is the output folder itself (a run that failed or was
    interrupted keeps its blocks there) or, after a hard kill, the newest
    staging folder left beside it. The engine then skips every block whose
    part is complete, and refuses blocks of a different plan.
    """
    from synthgenesis.execution import STATUS_FILE

    candidates = [
        run.out,
        *sorted(
            (p for p in run.out.parent.glob(f".{run.out.name}.partial-*") if p != run.stage),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        ),
    ]
    previous = next((p for p in candidates if (p / STATUS_FILE).exists()), None)
    if previous is None:
        return
    for name in (SAMPLES_DIR, REJECTED_DIR):
        if (previous / name).is_dir():
            shutil.copytree(previous / name, run.stage / name, dirs_exist_ok=True)
    shutil.copy2(previous / STATUS_FILE, run.stage / STATUS_FILE)


def run_study(
    config: StudyConfig,
    pm: PluginManager,
    *,
    out: str | Path | None = None,
    overwrite: bool | None = None,
    progress: Progress | None = None,
    resume: bool = False,
) -> StudyResult:
    """Resolve ``config`` and run it: ``Study(config, pm).run(...)``."""
    return Study(config, pm).run(out=out, overwrite=overwrite, progress=progress, resume=resume)
