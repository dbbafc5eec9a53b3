"""Run a study end to end: reference -> split -> fit -> sample -> validate -> evaluate -> report.

The run directory holds::

    manifest.json        config, seed, status, counts, timings, versions of Python,
                         every installed package and every plugin
    samples.parquet      the valid synthetic samples (Parquet-safe form)
    samples.<native>     the same in the domain's native format
    rejected.parquet     samples that failed a rule, with the reasons
    validation.json      per-rule counts (checked, failed, repaired, examples)
    generator.json       the fitted generator's state, if it can be saved
    features/            real train, real holdout and synthetic feature tables
    metrics.json         evaluation metrics
    report.html          the evaluation report
"""

from __future__ import annotations

import contextlib
import html
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.config import StudyConfig, check_against_plugins, resolve, study_rules
from synthgenesis.errors import EXIT_CODES, ConfigError, InvalidDataError, PrivacyError
from synthgenesis.io import check_data_file, csv_formula_policy, write_json, write_table
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import RECORD_COLUMNS, GenerationResult, generate, validate_batch
from synthgenesis.progress import Progress
from synthgenesis.rundir import RunDirectory
from synthgenesis.tabular.conditional import Conditioned
from synthgenesis.types import (
    READ_ERROR_COLUMN,
    CheckResult,
    Constraint,
    ConstraintSpec,
    Domain,
    GeneratorSpec,
    TransferTask,
)


@dataclass
class StudyResult:
    out: Path
    status: str
    exit_code: int
    generation: GenerationResult | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    #: The overall verdict ({"status", "reasons"}), when the run was evaluated or said why not.
    overall: dict[str, Any] | None = None


def has_reference(config: StudyConfig) -> bool:
    """Whether the study names real data (simulators that need no fit may run without)."""
    return config.reference.dataset is not None or config.reference.path is not None


def load_reference(config: StudyConfig, pm: PluginManager, domain: Domain) -> pd.DataFrame:
    """The real reference batch, from a registered dataset or a file in the domain's format."""
    if config.reference.dataset is not None:
        return pm.reference_dataset(config.reference.dataset, domain.name).load()
    return domain.read(check_data_file(resolve(config, config.reference.path or ""), "reference"))


class _FiniteValues(Constraint):
    """Rows holding an infinite number: never a measurement, so never something to fit on."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        numeric = batch.select_dtypes(include="number")
        if numeric.empty:
            return CheckResult(np.ones(len(batch), dtype=bool), [None] * len(batch))
        inf = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
        columns = list(numeric.columns)
        return CheckResult.from_mask(
            ~inf.any(axis=1),
            lambda i: "infinite value in " + ", ".join(str(columns[j]) for j in np.flatnonzero(inf[i])),
        )


def check_reference(
    batch: pd.DataFrame, domain: Domain, rules: dict[str, Any], policy: str, source: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check real records with the study's rules before anything is fitted on them.

    Records that cannot be read, break a rule or hold an infinite value are
    counted by rule with examples; ``policy`` then drops them ("drop"),
    refuses the reference with an error naming the first ones ("refuse"), or
    keeps them ("keep"). Returns the batch to fit on and the summary that the
    manifest and report show.
    """
    checks = {**rules, "finite-values": ConstraintSpec("finite-values", domain.name, _FiniteValues())}
    outcome = validate_batch(domain, batch, checks)
    bad = ~outcome.valid
    summary: dict[str, Any] = {
        "checked": len(batch),
        "invalid": int(bad.sum()),
        "policy": policy,
        "by_rule": {n: st.failed for n, st in outcome.stats.items() if st.failed},
        "examples": [e for st in outcome.stats.values() for e in st.examples][:10],
    }
    if not bad.any():
        return batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore"), summary
    if policy == "refuse" or bad.all():
        first = "; ".join(summary["examples"][:3])
        why = "every record" if bad.all() else f"{int(bad.sum())} of {len(batch)} records"
        raise InvalidDataError(
            f"{source}: {why} of the reference break the {domain.name} rules ({first}); "
            + (
                "fix the data"
                if bad.all()
                else "fix them, or set reference.invalid = 'drop' to leave them out"
            )
        )
    if policy == "drop":
        batch = outcome.batch[outcome.valid]
    elif READ_ERROR_COLUMN in batch.columns:  # "keep" still cannot fit on records that were never read
        batch = batch[batch[READ_ERROR_COLUMN].isna()]
    return batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore").reset_index(drop=True), summary


def split_reference(
    reference: pd.DataFrame, fraction: float, seed: int, stratify: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded train/holdout split, stratified on a classification target when it can be."""
    from sklearn.model_selection import train_test_split

    if len(reference) < 4:
        raise InvalidDataError(
            f"the reference has {len(reference)} rows; at least 4 are needed to hold some out"
        )
    strat = None
    if stratify is not None and stratify in reference.columns:
        counts = reference[stratify].value_counts()
        if len(counts) > 1 and counts.min() >= 2:
            strat = reference[stratify]
    train, holdout = train_test_split(reference, test_size=fraction, random_state=seed, stratify=strat)
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def _task(config: StudyConfig, pm: PluginManager) -> TransferTask | None:
    if config.evaluation.transfer_task:
        return pm.transfer_task(config.evaluation.transfer_task)
    if config.evaluation.target is None and config.reference.dataset is not None:
        # The reference's own task, when it has exactly one.
        tasks = [
            t
            for t in pm.transfer_tasks(config.study.domain).values()
            if t.reference == config.reference.dataset
        ]
        if len(tasks) == 1:
            return tasks[0]
    return None


def validation_section(summary: dict[str, Any]) -> dict[str, str]:
    """The report section on validity, from a run's ``validation.json`` summary."""
    rows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{st['kind']}</td><td>{st['checked']}</td><td>{st['failed']}</td>"
        f"<td>{st['repaired']}</td><td>{html.escape('; '.join(st['examples'][:2]))}</td></tr>"
        for n, st in summary["rules"].items()
    )
    body = (
        f"<p>{summary['accepted']} of {summary['requested']} requested samples accepted from "
        f"{summary['drawn']} drawn in {summary['rounds']} round(s) "
        f"(acceptance {summary['acceptance_rate']:.1%}).</p>"
        "<table><thead><tr><th>rule</th><th>kind</th><th>checked</th><th>failed</th><th>repaired</th>"
        f"<th>examples</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return {"title": "Validity: rules applied to the generated samples", "html": body}


#: Rows of a block-engine run read back for evaluation and native output.
IN_MEMORY_ROWS = 200_000


def _read_part(path: Path, domain: Domain) -> pd.DataFrame:
    table = pd.read_parquet(path)
    return domain.from_storage(table) if domain.from_storage else table


def _generate_in_blocks(
    config: StudyConfig,
    pm: PluginManager,
    generator_name: str,
    generator: Any,
    run: RunDirectory,
    progress: Progress,
    resume: bool = False,
) -> tuple[GenerationResult, Any]:
    """Generate with the execution engine: seeded blocks on local processes or Dask, parts on disk."""
    from synthgenesis.errors import ConfigError
    from synthgenesis.execution import GenerationPlan, execute, read_samples

    try:
        state = generator.get_state()
    except NotImplementedError as exc:
        raise ConfigError(
            "execution.executor", f"generator {generator_name!r} cannot save its state, which workers need"
        ) from exc
    ex = config.execution
    # An integer id column (numbered 1..n by the generator in each draw, as a one-record draw shows) is
    # renumbered 1..n across blocks, as the in-memory path numbers it; text ids, which generators make
    # unique across draws themselves (simulated transactions, scenarios, structures), stay as they are.
    probe = generator.sample(1, seed=config.study.seed)
    columns = [c for c in probe.columns if pd.api.types.is_integer_dtype(probe[c])]
    plan = GenerationPlan(
        domain=config.study.domain,
        generator=generator_name,
        state=state,
        n=config.sampling.n,
        seed=config.study.seed,
        block_size=ex.block_size,
        rules=list(study_rules(config, pm)),
        policy=config.sampling.policy,  # type: ignore[arg-type]
        max_rounds=config.sampling.max_rounds,
        generator_params=config.generator.params,
        conditions=config.sampling.conditions,
        enrich=config.sampling.enrich,
        id_column=next((c for c in RECORD_COLUMNS if c in columns), None),
    )
    if resume:
        _carry_over_blocks(run)
    start = time.perf_counter()
    blocks = execute(
        plan,
        run.stage,
        executor=ex.executor,
        workers=ex.workers,
        scheduler=ex.scheduler,  # type: ignore[arg-type]
        retries=ex.retries,
        progress=progress,
    )
    domain = pm.domain(config.study.domain)
    samples = read_samples(blocks, limit=IN_MEMORY_ROWS, from_storage=domain.from_storage)
    summary = blocks.summary()
    gen = GenerationResult(
        samples=samples,
        rejected=pd.DataFrame(),
        stats=blocks.stats,
        requested=config.sampling.n,
        drawn=blocks.drawn,
        rounds=summary["rounds"],
        seconds=time.perf_counter() - start,
        accepted_total=blocks.accepted,
    )
    return gen, blocks


def _carry_over_blocks(run: RunDirectory) -> None:
    """Copy the finished blocks of an earlier attempt at this run into the new staging folder.

    The earlier attempt is the output folder itself (a run that failed or was
    interrupted keeps its blocks there) or, after a hard kill, the newest
    staging folder left beside it. The engine then skips every block whose
    part is complete, and refuses blocks of a different plan.
    """
    from synthgenesis.execution import STATUS_FILE
    from synthgenesis.execution.chunks import REJECTED_DIR, SAMPLES_DIR

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


def count_exact_copies(real: pd.DataFrame, synthetic: pd.DataFrame) -> int:
    """Synthetic rows whose features equal some real row's features in every column."""
    columns = [c for c in synthetic.columns if c in real.columns]
    if not columns or real.empty or synthetic.empty:
        return 0
    hashes = pd.util.hash_pandas_object(real[columns].astype(str), index=False)
    return int(pd.util.hash_pandas_object(synthetic[columns].astype(str), index=False).isin(hashes).sum())


def report_context(
    manifest: dict[str, Any], validation: dict[str, Any] | None, sections: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """What the HTML report shows about a run besides the metrics."""
    config = manifest["config"]
    return {
        "run": {
            "domain": manifest["domain"],
            "generator": manifest["generator"],
            "reference": config["reference"]["dataset"] or config["reference"]["path"] or "none",
            "transfer task": manifest.get("transfer_task") or "-",
            "seed": manifest["seed"],
            **_reference_check_row(manifest),
        },
        "sections": ([validation_section(validation)] if validation else []) + list(sections or []),
    }


def _reference_check_row(manifest: dict[str, Any]) -> dict[str, str]:
    check = manifest.get("reference_check")
    if not check or not check.get("invalid"):
        return {}
    verb = {"drop": "left out", "keep": "kept", "refuse": "refused"}.get(check.get("policy"), "found")
    rules = ", ".join(f"{name}: {n}" for name, n in check.get("by_rule", {}).items())
    return {f"real records breaking rules ({verb})": f"{check['invalid']} of {check['checked']} ({rules})"}


def _generator_spec(config: StudyConfig, pm: PluginManager) -> GeneratorSpec:
    if config.generator.name:
        return pm.generator(config.generator.name, config.study.domain)
    return pm.default_generator(config.study.domain)


def run_study(
    config: StudyConfig,
    pm: PluginManager,
    *,
    out: str | Path | None = None,
    overwrite: bool | None = None,
    progress: Progress | None = None,
    resume: bool = False,
) -> StudyResult:
    """Run ``config`` and write its run directory; see the module docstring for its contents.

    With ``resume`` (block engine only), the finished blocks of an earlier,
    interrupted or failed attempt at the same run are reused.
    """
    progress = progress or Progress()
    check_against_plugins(config, pm)
    if out is not None:
        out_path = Path(out)
    elif config.output.dir:
        out_path = resolve(config, config.output.dir)
    else:
        out_path = Path("runs") / config.study.name
    if resume and config.execution.executor is None:
        raise ConfigError("execution.executor", "resuming needs the block engine (--executor local or dask)")
    allow = config.output.overwrite if overwrite is None else overwrite
    run = RunDirectory(out_path, overwrite=allow or resume)
    domain = pm.domain(config.study.domain)
    spec = _generator_spec(config, pm)
    seed = config.study.seed
    task = _task(config, pm)
    target = task.target if task else config.evaluation.target
    manifest: dict[str, Any] = {
        "study": config.study.name,
        "domain": domain.name,
        "generator": spec.name,
        "seed": seed,
        "config": config.to_dict(),
        "plugins": [i.to_dict() for i in pm.plugin_infos()],
        "transfer_task": task.name if task else None,
    }
    result = StudyResult(out_path, "failed", EXIT_CODES["error"])
    step = "load reference"
    try:
        train: pd.DataFrame | None = None
        holdout: pd.DataFrame | None = None
        if has_reference(config):
            progress.stage(f"loading reference {config.reference.dataset or config.reference.path}")
            t = time.perf_counter()
            reference = load_reference(config, pm, domain)
            reference_name = config.reference.dataset or str(resolve(config, config.reference.path or ""))
            reference, manifest["reference_check"] = check_reference(
                reference, domain, study_rules(config, pm), config.reference.invalid, reference_name
            )
            if manifest["reference_check"]["invalid"]:
                rc = manifest["reference_check"]
                verb = {"drop": "dropped", "keep": "kept"}[rc["policy"]]
                progress.stage(
                    f"{verb} {rc['invalid']} of {rc['checked']} reference records that break the rules "
                    f"({', '.join(f'{n}: {k}' for n, k in rc['by_rule'].items())})"
                )
            kind = task.kind if task else config.evaluation.task
            train, holdout = split_reference(
                reference, config.reference.holdout_fraction, seed, target if kind != "regression" else None
            )
            run.timed("load_reference", time.perf_counter() - t)
            manifest["counts"] = {"reference": len(reference), "train": len(train), "holdout": len(holdout)}
        else:
            progress.stage(f"no reference: {spec.name} simulates without real data, nothing is evaluated")
            manifest["counts"] = {"reference": 0}

        step = "fit"
        t = time.perf_counter()
        generator = spec.create(**config.generator.params)
        if generator.requires_fit:
            assert train is not None  # the configuration was checked: fitted generators need a reference
            progress.stage(f"fitting {spec.name} on {len(train)} real records")
            generator.fit(train)
        run.timed("fit", time.perf_counter() - t)
        with contextlib.suppress(NotImplementedError):  # generators that cannot save their state
            write_json(run.path("generator.json"), {"generator": spec.name, "state": generator.get_state()})
        step = "generate"
        progress.stage(f"sampling {config.sampling.n} and enforcing {domain.name} rules")
        blocks = None
        if config.execution.executor is None:
            if config.sampling.conditions or config.sampling.enrich:
                generator = Conditioned(
                    generator, conditions=config.sampling.conditions, enrich=config.sampling.enrich
                )
            with progress.task("valid samples", config.sampling.n) as update:
                gen = generate(
                    domain,
                    generator,
                    config.sampling.n,
                    seed=seed,
                    rules=study_rules(config, pm),
                    policy=config.sampling.policy,  # type: ignore[arg-type]
                    max_rounds=config.sampling.max_rounds,
                    progress=lambda done, total: update(done),
                )
        else:
            gen, blocks = _generate_in_blocks(config, pm, spec.name, generator, run, progress, resume)
            manifest["execution"] = {
                **asdict(config.execution),
                "blocks": blocks.n_blocks,
                "resumed_blocks": blocks.resumed_blocks,
            }
        result.generation = gen
        run.timed("generate", gen.seconds)
        manifest["counts"].update(gen.summary())
        feats: dict[str, pd.DataFrame] = {}
        copies = 0
        if train is not None and holdout is not None:
            feats = {name: domain.featurize(b) for name, b in (("train", train), ("holdout", holdout))}
            feats["synthetic"] = domain.featurize(gen.samples)
            real = pd.concat([feats["train"], feats["holdout"]])
            if blocks is None:
                copies = count_exact_copies(real, feats["synthetic"])
            else:  # every part on disk, not only the rows kept in memory
                copies = sum(
                    count_exact_copies(real, domain.featurize(_read_part(p, domain))) for p in blocks.parts()
                )
            manifest["counts"]["exact_copies_of_real_records"] = copies
        if copies and domain.privacy_sensitive and not config.output.allow_exact_copies:
            step = "privacy"
            if blocks is not None:
                shutil.rmtree(blocks.samples_path, ignore_errors=True)
            write_json(run.path("validation.json"), gen.summary())
            raise PrivacyError(
                f"{copies} synthetic {domain.name} record(s) are exact copies of real records; the samples "
                f"were not exported. Use another generator or seed, or set output.allow_exact_copies = true "
                f"if the copies are acceptable (for example, public data)"
            )
        if blocks is None:
            storage = domain.to_storage(gen.samples) if domain.to_storage else gen.samples
            write_table(storage, run.path("samples.parquet"))
            if len(gen.rejected):
                rejected = domain.to_storage(gen.rejected) if domain.to_storage else gen.rejected
                write_table(rejected, run.path("rejected.parquet"))
        if config.output.native and gen.accepted == len(gen.samples):
            with csv_formula_policy(config.output.csv_formulas):
                for suffix in config.output.formats or [domain.formats[0]]:
                    domain.write(gen.samples, run.path(f"samples{suffix}"))
        elif config.output.native:
            manifest["native_output"] = (
                f"skipped: {gen.accepted} samples are more than the {IN_MEMORY_ROWS} kept in memory; "
                f"convert parts of samples/ with 'synthgenesis convert'"
            )
        write_json(run.path("validation.json"), gen.summary())

        if config.evaluation.enabled and feats and len(gen.samples) >= 2:
            step = "evaluate"
            from synthgenesis.evaluation import evaluate
            from synthgenesis.report import write_html_report

            progress.stage("evaluating against the real holdout")
            t = time.perf_counter()
            for name, table in feats.items():
                write_table(table, run.path(f"features/{name}.parquet"))
            metrics = config.evaluation.metrics
            if domain.privacy_sensitive and metrics is not None and "privacy" not in metrics:
                metrics = [*metrics, "privacy"]  # always on for records about people
            custom = task is not None and task.evaluator is not None
            evaluation = evaluate(
                feats["train"],
                feats["synthetic"],
                holdout=feats["holdout"],
                target=None if task is not None and task.kind == "survival" else target,
                task=task.kind if task and task.kind != "survival" else config.evaluation.task,
                sensitive=[
                    s
                    for s in (config.evaluation.sensitive or (task.sensitive if task else ()))
                    if s in feats["train"].columns
                ],
                metrics=metrics,
                seed=seed,
                progress=progress.stage,
            )
            sections = []
            if custom:
                assert task is not None and task.evaluator is not None
                progress.stage(f"transfer task {task.name}")
                extra = task.evaluator(feats["train"], feats["synthetic"], feats["holdout"], seed)
                evaluation.metrics["transfer"] = {task.name: extra.get("metrics", {})}
                sections = list(extra.get("sections", []))
            evaluation.to_json(run.path("metrics.json"))
            run.timed("evaluate", time.perf_counter() - t)
            step = "report"
            t = time.perf_counter()
            reference_name = config.reference.dataset or config.reference.path
            write_html_report(
                evaluation,
                run.path("report.html"),
                title=f"{config.study.name}: {spec.name} on {reference_name}",
                context=report_context(manifest, gen.summary(), sections),
            )
            run.timed("report", time.perf_counter() - t)
            result.metrics = evaluation.metrics
            manifest["verdicts"] = [v.to_dict() for v in evaluation.verdicts]
            manifest["overall"] = evaluation.overall.to_dict()
        elif config.evaluation.enabled:
            # Say why nothing was evaluated, in the report and the manifest, rather than skip silently.
            from synthgenesis.evaluation.verdicts import not_evaluated
            from synthgenesis.report import write_html_report

            if not feats:
                reason = (
                    f"{spec.name} ran without real reference data, so there is nothing to compare the "
                    "samples with; give a reference (--reference-file, or [reference] in the study) "
                    "to evaluate"
                )
            else:
                reason = f"only {len(gen.samples)} valid sample(s): at least 2 are needed to evaluate"
            progress.stage(f"not evaluated: {reason}")
            write_html_report(
                None,
                run.path("report.html"),
                title=f"{config.study.name}: {spec.name}",
                context=report_context(manifest, gen.summary()),
                not_evaluated=reason,
            )
            manifest["not_evaluated"] = reason
            manifest["overall"] = not_evaluated(reason).to_dict()
        result.status = "complete" if gen.complete else "incomplete"
        result.exit_code = EXIT_CODES["ok"] if gen.complete else EXIT_CODES["constraints-not-met"]
        if not gen.complete:
            manifest["error"] = (
                f"only {gen.accepted} of {gen.requested} samples passed the rules within "
                f"{gen.rounds} rounds; see validation.json for the rules that rejected them"
            )
    except BaseException as exc:
        run.fail(manifest, step, exc)
        raise
    manifest["status"] = result.status
    result.overall = manifest.get("overall")
    run.write_manifest(manifest)
    run.finish()
    return result


def default_demo_config() -> Path:
    """The study the ``demo`` command runs (patients, ACTG 175, offline)."""
    return Path(__file__).parent / "studies" / "demo.toml"
