"""Detection: a classifier two-sample test (C2ST) separating real from synthetic rows.

Equal-sized seeded subsamples of both tables are labelled 0 (real) and 1 (synthetic);
a HistGradientBoostingClassifier is cross-validated over stratified folds (identical
rows are kept in the same fold, so exact copies cannot leak across a split) and its mean
ROC AUC is ``detection.c2st_auc``: 0.5 means the classifier cannot tell the tables
apart, 1.0 means every synthetic row is recognisable. Permutation importance (mean
drop in AUC when one column is shuffled, on one held-out fold) ranks the columns the
classifier relies on: they point at generator artifacts.

The AUC's uncertainty decides whether a low AUC is evidence: ``c2st_auc_interval`` is
a two-sided interval at ``evidence_level`` (95%) around ``c2st_auc`` with DeLong's
standard error of the pooled out-of-fold scores (every row is scored once, by the
model that did not see it), and ``c2st_p_value`` is the one-sided Mann-Whitney test
of those scores against chance. With few rows the interval is wide: an AUC of 0.5
from 12 rows per class has an interval of about [0.26, 0.74] and shows nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.copies import row_hashes
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.preprocess import PreparedData
from synthgenesis.evaluation.stats import auc_interval


def _classifier(mask: np.ndarray, seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        categorical_features=mask if mask.any() else None, random_state=seed
    )


def _folds(x: np.ndarray, y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep identical rows together.

    A row and its exact copy on both sides of a split would teach the classifier the
    copy's opposite label and push the AUC below 0.5. Groups of identical rows are
    dealt round-robin to the folds, sorted by their share of synthetic rows. When a
    class has fewer distinct rows than folds, or a fold would miss a class, plain
    stratified folds are used instead.
    """
    plain = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y))
    groups = row_hashes(pd.DataFrame(x))
    _, inverse = np.unique(groups, return_inverse=True)
    if min(len(np.unique(inverse[y == label])) for label in (0, 1)) < folds:
        return plain
    counts = np.bincount(inverse)
    share = np.bincount(inverse, weights=y) / counts
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(counts)), share))
    fold_of_group = np.empty(len(counts), dtype=np.int64)
    fold_of_group[order] = np.arange(len(counts)) % folds
    fold = fold_of_group[inverse]
    out = [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(folds)]
    if all(len(np.unique(y[part])) == 2 for pair in out for part in pair):
        return out
    return plain


def detection(
    data: PreparedData, encoder: FeatureEncoder, config: EvaluationConfig, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """C2ST AUC and the columns that give the synthetic rows away."""
    rng = np.random.default_rng(seed)
    n = min(len(data.real), len(data.synthetic))
    if config.detection_max_rows is not None:
        n = min(n, config.detection_max_rows)
    folds = min(config.detection_folds, n)
    real_rows = rng.choice(len(data.real), size=n, replace=False)
    syn_rows = rng.choice(len(data.synthetic), size=n, replace=False)
    x = np.vstack(
        [
            encoder.ordinal(data.real.iloc[real_rows]),
            encoder.ordinal(data.synthetic.iloc[syn_rows]),
        ]
    )
    y = np.repeat([0, 1], n)
    mask = encoder.categorical_mask

    aucs: list[float] = []
    scores = np.full(len(y), np.nan)
    first: tuple[HistGradientBoostingClassifier, np.ndarray] | None = None
    splits = _folds(x, y, folds, seed)
    for train, test in splits:
        model = _classifier(mask, seed).fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
        aucs.append(float(roc_auc_score(y[test], scores[test])))
        if first is None:
            first = (model, test)
    auc = float(np.mean(aucs))
    synthetic_scores, real_scores = scores[y == 1], scores[y == 0]
    interval = auc_interval(synthetic_scores, real_scores, config.evidence_level, centre=auc)
    p_value = float(stats.mannwhitneyu(synthetic_scores, real_scores, alternative="greater").pvalue)
    assert first is not None
    model, test = first
    if len(test) > config.detection_importance_rows:
        test = rng.choice(test, size=config.detection_importance_rows, replace=False)
    importance = permutation_importance(
        model,
        x[test],
        y[test],
        scoring="roc_auc",
        n_repeats=config.detection_importance_repeats,
        random_state=seed,
    )
    order = np.argsort(-importance.importances_mean, kind="stable")
    top = [
        {
            "feature": encoder.columns[j],
            "importance": float(importance.importances_mean[j]),
            "std": float(importance.importances_std[j]),
        }
        for j in order[: config.detection_top_features]
    ]
    metrics = {
        "c2st_auc": auc,
        "c2st_auc_std": float(np.std(aucs)),
        "c2st_auc_se": interval["se"],
        "c2st_auc_interval": interval["interval"],
        "c2st_auc_pooled": interval["auc"],
        "c2st_p_value": p_value,
        "evidence_level": config.evidence_level,
        "fold_aucs": aucs,
        "folds": folds,
        "rows_per_class": int(n),
        "top_features": top,
        "importance": "permutation (mean drop in ROC AUC on one held-out fold)",
    }
    return metrics, {"importances": {t["feature"]: t["importance"] for t in top}}
