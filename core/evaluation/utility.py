"""Utility: does a model trained on synthetic data work on real data?

* TSTR: train on synthetic, test on the real test set.
* TRTR: train on the real training rows, test on the same real test set.

The real test set is ``holdout`` when given; otherwise a seeded split of ``real``
(stratified for classification) holds out ``utility_test_fraction`` of it, and the
metrics say so (the generator has usually seen those rows, which flatters TSTR).

Classification reports AUROC, AUPRC and F1 of the positive label (the real data's least
frequent class; macro one-vs-rest for more than two classes). The *lead* metric is AUPRC
when the real positive rate is below ``auprc_positive_rate`` and AUROC otherwise.
Regression reports MAE and R^2, and R^2 leads. Each comparison is repeated over
``utility_seeds`` seeds (model seed and training subsample) and reported as mean and
standard deviation; ``ratio`` is mean TSTR lead / mean TRTR lead.

``chance`` is what the lead metric gives without signal (AUROC 0.5, AUPRC the positive
rate of the test set, R^2 0): a real-data model that does not beat it leaves nothing to
transfer, and the verdict says so instead of passing on a meaningless ratio.

The hybrid curve trains on a fraction of the real training rows plus a multiple of
that many synthetic rows and scores the lead metric on the real test set, showing
where adding synthetic data helps or hurts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from synthgenesis.errors import InvalidDataError
from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.models import fit_score, make_model
from synthgenesis.evaluation.preprocess import PreparedData
from synthgenesis.evaluation.rare_events import minority_label


def _labels(frame: pd.DataFrame, target: str, task: str) -> np.ndarray:
    values = frame[target].to_numpy()
    return values.astype(str) if task == "classification" else values.astype(float)


def sample_rows(y: np.ndarray | None, size: int, n: int, seed: int) -> np.ndarray:
    """``size`` positions out of ``n``, stratified by ``y`` when that is possible."""
    if size >= n:
        return np.arange(n)
    stratify = None
    if y is not None:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() >= 2 and size >= len(counts) and n - size >= len(counts):
            stratify = y
    rows, _ = train_test_split(np.arange(n), train_size=size, random_state=seed, stratify=stratify)
    return np.sort(rows)


def _summary(runs: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "mean": float(np.mean([r[name] for r in runs])),
            "std": float(np.std([r[name] for r in runs])),
            "values": [r[name] for r in runs],
        }
        for name in runs[0]
    }


class _Setup:
    """Encoded training and test matrices and the task's labels."""

    def __init__(self, data: PreparedData, config: EvaluationConfig, seed: int, estimator: Any) -> None:
        assert data.target is not None and data.task is not None
        self.task, self.target, self.estimator = data.task, data.target, estimator
        self.notes: list[str] = []
        encoder = FeatureEncoder(data, data.features, config.max_categories)
        self.mask = encoder.categorical_mask
        encode = encoder.ordinal if estimator is None else encoder.onehot
        y_real = _labels(data.real, self.target, self.task)
        if data.holdout is not None:
            train_rows = np.arange(len(data.real))
            test_frame = data.holdout
            self.test_set = {"source": "holdout", "rows": len(test_frame)}
        else:
            stratify = None
            if self.task == "classification":
                _, counts = np.unique(y_real, return_counts=True)
                stratify = y_real if counts.min() >= 2 else None
            train_rows, test_rows = train_test_split(
                np.arange(len(data.real)),
                test_size=config.utility_test_fraction,
                random_state=seed,
                stratify=stratify,
            )
            test_frame = data.real.iloc[test_rows]
            self.test_set = {
                "source": "split",
                "rows": len(test_rows),
                "note": "no holdout was given: a seeded "
                f"{'stratified ' if stratify is not None else ''}split kept "
                f"{config.utility_test_fraction:.0%} of real as the test set; the generator "
                "may have seen these rows, which flatters TSTR",
            }
        real_train = data.real.iloc[np.sort(train_rows)]
        self.x_real = encode(real_train)
        self.y_real = _labels(real_train, self.target, self.task)
        self.x_syn = encode(data.synthetic)
        self.y_syn = _labels(data.synthetic, self.target, self.task)
        self.x_test = encode(test_frame)
        self.y_test = _labels(test_frame, self.target, self.task)
        self.labels: list[str] | None = None
        self.positive: str | None = None
        self.lead = "r2"
        if self.task == "classification":
            self._classification_setup(data, config)

    def _classification_setup(self, data: PreparedData, config: EvaluationConfig) -> None:
        if len(np.unique(self.y_test)) < 2:
            raise InvalidDataError(
                f"target column {self.target!r} has a single class in the real test set "
                f"({self.test_set['source']}); utility needs both classes there"
            )
        if len(np.unique(self.y_real)) < 2:
            raise InvalidDataError(
                f"target column {self.target!r} has a single class in the real training rows; "
                f"a classification task needs at least two classes"
            )
        minority = minority_label(data)
        assert minority is not None
        self.positive = minority["label"]
        self.labels = sorted(set(self.y_real.tolist()) | set(self.y_test.tolist()))
        rate = float(np.mean(self.y_real == self.positive))
        binary = len(self.labels) == 2
        self.lead = "auprc" if binary and rate < config.auprc_positive_rate else "auroc"
        self.label_rate = {
            "positive_label": self.positive,
            "real": rate,
            "synthetic": float(np.mean(self.y_syn == self.positive)),
            "test": float(np.mean(self.y_test == self.positive)),
        }

    def run(self, x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
        model = make_model(self.estimator, self.task, self.mask, seed)
        scores, constant = fit_score(
            model, x, y, self.x_test, self.y_test, self.task, self.labels, self.positive
        )
        if constant:
            self.notes.append(
                f"a training set held a single class ({y[0]!r}); a constant predictor was scored"
            )
        return scores


def _hybrid(
    setup: _Setup, config: EvaluationConfig, seed: int, progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    rng = np.random.default_rng(seed)
    base = len(setup.y_real)
    if config.utility_max_train_rows is not None:
        base = min(base, config.utility_max_train_rows)
    strat = setup.y_real if setup.task == "classification" else None
    for fraction in config.hybrid_real_fractions:
        n_real = max(2, round(fraction * base))
        real_rows = sample_rows(strat, n_real, len(setup.y_real), seed)
        for multiplier in config.hybrid_synthetic_multipliers:
            wanted = round(multiplier * n_real)
            n_syn = min(wanted, len(setup.y_syn))
            syn_rows = np.sort(rng.choice(len(setup.y_syn), size=n_syn, replace=False))
            x = np.vstack([setup.x_real[real_rows], setup.x_syn[syn_rows]])
            y = np.concatenate([setup.y_real[real_rows], setup.y_syn[syn_rows]])
            progress(f"utility: hybrid {fraction:g} real + {multiplier:g}x synthetic")
            value = setup.run(x, y, seed)[setup.lead]
            record = {
                "real_fraction": float(fraction),
                "n_real": int(n_real),
                "synthetic_multiplier": float(multiplier),
                "n_synthetic": int(n_syn),
                "metric": setup.lead,
                "value": value,
            }
            if n_syn < wanted:
                record["note"] = f"only {n_syn} synthetic rows available ({wanted} wanted)"
            records.append(record)
    return records


def utility(
    data: PreparedData,
    config: EvaluationConfig,
    seed: int,
    estimator: Any = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """TSTR versus TRTR over repeated seeds, plus the hybrid curve."""
    report = progress or (lambda _message: None)
    setup = _Setup(data, config, seed, estimator)
    cap = config.utility_max_train_rows
    tstr, trtr = [], []
    for repeat in range(config.utility_seeds):
        s = seed + repeat
        report(f"utility: TSTR and TRTR, repeat {repeat + 1} of {config.utility_seeds}")
        syn_rows = sample_rows(
            setup.y_syn if setup.task == "classification" else None,
            cap or len(setup.y_syn),
            len(setup.y_syn),
            s,
        )
        real_rows = sample_rows(
            setup.y_real if setup.task == "classification" else None,
            cap or len(setup.y_real),
            len(setup.y_real),
            s,
        )
        tstr.append(setup.run(setup.x_syn[syn_rows], setup.y_syn[syn_rows], s))
        trtr.append(setup.run(setup.x_real[real_rows], setup.y_real[real_rows], s))
    tstr_summary, trtr_summary = _summary(tstr), _summary(trtr)
    lead_tstr = tstr_summary[setup.lead]["mean"]
    lead_trtr = trtr_summary[setup.lead]["mean"]
    ratio = lead_tstr / lead_trtr if lead_trtr > 0 else None
    if ratio is None:
        setup.notes.append(f"TRTR {setup.lead} is {lead_trtr:.3f} (not positive), so the ratio is undefined")
    metrics: dict[str, Any] = {
        "task": setup.task,
        "target": setup.target,
        "lead_metric": setup.lead,
        "tstr": tstr_summary,
        "trtr": trtr_summary,
        "ratio": ratio,
        "seeds": config.utility_seeds,
        "model": "HistGradientBoosting (default)" if estimator is None else type(estimator).__name__,
        "test_set": setup.test_set,
        "train_rows": {"real": len(setup.y_real), "synthetic": len(setup.y_syn)},
    }
    if setup.task == "classification":
        metrics["label_rate"] = setup.label_rate
        metrics["test_set"]["positive_rows"] = int(np.sum(setup.y_test == setup.positive))
        metrics["chance"] = setup.label_rate["test"] if setup.lead == "auprc" else 0.5
    else:
        metrics["chance"] = 0.0
    metrics["hybrid"] = _hybrid(setup, config, seed, report)
    if setup.notes:
        metrics["notes"] = sorted(set(setup.notes))
    return metrics
