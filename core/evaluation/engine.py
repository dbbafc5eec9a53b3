"""The :func:`evaluate` entry point: prepare the tables, run each metric family, judge."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from synthgenesis.errors import UnknownNameError
from synthgenesis.evaluation.bias import bias
from synthgenesis.evaluation.config import METRIC_FAMILIES, EvaluationConfig
from synthgenesis.evaluation.detection import detection
from synthgenesis.evaluation.diversity import diversity
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.fidelity import fidelity
from synthgenesis.evaluation.preprocess import PreparedData, prepare
from synthgenesis.evaluation.privacy import privacy
from synthgenesis.evaluation.rare_events import rare_events
from synthgenesis.evaluation.result import EvaluationResult
from synthgenesis.evaluation.utility import utility
from synthgenesis.evaluation.verdicts import judge
from synthgenesis.io import to_jsonable

Progress = Callable[[str], None]


def _families(requested: Sequence[str] | None) -> list[str]:
    if requested is None:
        return list(METRIC_FAMILIES)
    if isinstance(requested, str):
        requested = [requested]
    for name in requested:
        if name not in METRIC_FAMILIES:
            raise UnknownNameError("metric family", name, METRIC_FAMILIES)
    return [f for f in METRIC_FAMILIES if f in requested]


def _inapplicable(
    family: str, data: PreparedData, encoder: FeatureEncoder, config: EvaluationConfig
) -> tuple[str, bool] | None:
    """Why ``family`` cannot be computed on ``data``, or None when it can.

    The flag is true when the family could be computed on more rows: its verdict is
    then "insufficient evidence" rather than "not applicable".
    """
    no_space = (
        "no column is left in the standardised distance space (all numeric columns "
        "are constant in the real data and there is no categorical column)"
    )
    if family == "diversity":
        if not encoder.onehot_names():
            return no_space, False
        smallest = min(len(data.real), len(data.synthetic))
        if smallest <= config.k:
            return (
                f"PRDC with k={config.k} needs more than {config.k} rows in each table "
                f"(the smaller has {smallest})",
                True,
            )
    if family == "bias" and not data.sensitive:
        return "no sensitive columns were given; pass sensitive=[...] to check subgroups", False
    if family == "privacy":
        if data.holdout is None:
            return "privacy needs a holdout table of real rows the generator never saw; pass holdout=", False
        if not encoder.onehot_names():
            return no_space, False
    if family == "utility":
        if data.target is None:
            return "utility needs a target column; pass target=", False
        if not data.features:
            return "utility needs at least one feature column besides the target", False
    return None


def _run(
    family: str,
    data: PreparedData,
    encoder: FeatureEncoder,
    config: EvaluationConfig,
    seed: int,
    estimator: Any,
    progress: Progress,
) -> tuple[dict[str, Any], dict[str, Any]]:
    if family == "fidelity":
        return fidelity(data, encoder, config, seed)
    if family == "detection":
        return detection(data, encoder, config, seed)
    if family == "diversity":
        return diversity(data, encoder, config, seed), {}
    if family == "rare_events":
        return rare_events(data, config), {}
    if family == "bias":
        return bias(data, config), {}
    if family == "privacy":
        return privacy(data, encoder, config, seed)
    return utility(data, config, seed, estimator, progress), {}


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    task: str | None = None,
    sensitive: Sequence[str] = (),
    metrics: Sequence[str] | None = None,
    seed: int = 0,
    estimator: Any = None,
    config: EvaluationConfig | None = None,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Compare a synthetic feature table with the real one it imitates.

    ``real`` is the generator's training data, ``holdout`` optional real rows it never
    saw (needed for privacy; used as the utility test set). ``target`` enables utility,
    label-rate bias and minority-label checks; ``task`` is inferred when None.
    ``metrics`` picks families from :data:`METRIC_FAMILIES` (default: all that apply).
    ``estimator`` is any scikit-learn-style model for utility (cloned; default
    HistGradientBoosting). ``progress`` receives one short message per step.
    """
    config = config or EvaluationConfig()
    report: Progress = progress or (lambda _message: None)
    families = _families(metrics)
    report("preparing tables")
    data = prepare(real, synthetic, holdout, target=target, task=task, sensitive=sensitive)
    encoder = FeatureEncoder(data, data.columns, config.max_categories)

    results: dict[str, Any] = {}
    artifacts: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for family in families:
        refusal = _inapplicable(family, data, encoder, config)
        if refusal is not None:
            reason, too_few_rows = refusal
            results[family] = {"applicable": False, "reason": reason}
            if too_few_rows:
                results[family]["insufficient_evidence"] = True
            continue
        report(family)
        start = time.perf_counter()
        values, plots = _run(family, data, encoder, config, int(seed), estimator, report)
        timings[family] = round(time.perf_counter() - start, 3)
        results[family] = {"applicable": True, **values}
        if plots:
            artifacts[family] = plots

    meta = {
        "rows": {
            "real": len(data.real),
            "synthetic": len(data.synthetic),
            "holdout": None if data.holdout is None else len(data.holdout),
        },
        "columns": {"numeric": data.numeric, "categorical": data.categorical},
        "target": data.target,
        "task": data.task,
        "sensitive": data.sensitive,
        "seed": int(seed),
        "families": families,
        "notes": data.notes + encoder.notes,
        "timings_seconds": timings,
        "config": config.to_dict(),
    }
    metrics_out = to_jsonable({"meta": meta, **results}, strict=True)
    verdicts = judge(metrics_out, config)
    report("done")
    return EvaluationResult(metrics=metrics_out, verdicts=verdicts, artifacts=artifacts)
