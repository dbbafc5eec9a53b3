"""Privacy: are synthetic rows closer to the training rows than to unseen real rows?

``real`` is taken to be the generator's training data and ``holdout`` real rows it
never saw. To keep set sizes from biasing the comparison, a seeded random *train
reference* subset of ``real`` is drawn with as many rows as the holdout (or the holdout
is subsampled when it is the larger one); both are capped at ``privacy_max_rows``.
Distances are Euclidean in the standardised one-hot space.

* DCR (distance to closest record) of each synthetic row to the train reference and
  to the holdout; ``dcr_share_closer_to_train`` is the share of synthetic rows strictly
  closer to train, ties counting one half. About 0.5 is healthy; near 1 means the
  generator reproduces its training rows.
* NNDR: distance to the nearest over the second-nearest reference row (0 for an exact
  match); small values mean a synthetic row sits on one specific record.
* ``exact_copies``: synthetic rows identical (after cleaning) to a row of the full
  ``real`` table. ``exact_copies_train_reference`` and ``exact_copies_holdout`` count
  them against the two equal-sized references; the holdout count is what chance gives
  for this kind of data, and ``exact_copy_excess_rate`` is the difference over the
  number of synthetic rows.
* ``mia_auc``: a distance-based membership-inference attack. Each train-reference row
  (member) and holdout row (non-member) is scored by minus its distance to the nearest
  synthetic row; the ROC AUC of that score is 0.5 when membership cannot be inferred.

``dcr_share_interval`` (normal approximation over the synthetic rows) and
``mia_auc_interval`` (DeLong) are two-sided intervals at ``evidence_level``; a pass
needs both to stay below the fail thresholds (see ``verdicts``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.copies import exact_copies
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.neighbors import build_index
from synthgenesis.evaluation.preprocess import PreparedData, subsample_index
from synthgenesis.evaluation.stats import auc_interval, mean_interval

_QUANTILES = (0.05, 0.25, 0.5)


def _nndr(dist: np.ndarray) -> np.ndarray:
    first, second = dist[:, 0], dist[:, 1]
    safe = np.where(second > 0, second, 1.0)
    return np.where(first == 0, 0.0, first / safe)


def _summary(values: np.ndarray) -> dict[str, float]:
    out = {f"q{int(q * 100):02d}": float(np.quantile(values, q)) for q in _QUANTILES}
    out["mean"] = float(values.mean())
    return out


def privacy(
    data: PreparedData, encoder: FeatureEncoder, config: EvaluationConfig, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Privacy metrics; ``data.holdout`` must be present and ``encoder`` fit on every column."""
    holdout = data.table("holdout")
    rng = np.random.default_rng(seed)
    size = min(len(data.real), len(holdout))
    if config.privacy_max_rows is not None:
        size = min(size, config.privacy_max_rows)
    train_rows = np.sort(rng.choice(len(data.real), size=size, replace=False))
    hold_rows = np.sort(rng.choice(len(holdout), size=size, replace=False))
    syn_rows = subsample_index(len(data.synthetic), config.privacy_max_rows, rng)

    train_x = encoder.onehot(data.real.iloc[train_rows])
    hold_x = encoder.onehot(holdout.iloc[hold_rows])
    syn_x = encoder.onehot(data.synthetic.iloc[syn_rows])
    chunk = config.neighbor_chunk_rows
    k = 2 if size >= 2 else 1
    d_train, _ = build_index(train_x).knn(syn_x, k, chunk)
    d_hold, _ = build_index(hold_x).knn(syn_x, k, chunk)
    dcr_train, dcr_hold = d_train[:, 0], d_hold[:, 0]
    closer = (dcr_train < dcr_hold) + 0.5 * (dcr_train == dcr_hold)
    share = float(np.mean(closer))

    syn_index = build_index(syn_x)
    member, _ = syn_index.knn(train_x, 1, chunk)
    non_member, _ = syn_index.knn(hold_x, 1, chunk)
    scores = -np.concatenate([member[:, 0], non_member[:, 0]])
    labels = np.repeat([1, 0], size)
    mia = float(roc_auc_score(labels, scores))
    level = config.evidence_level
    share_interval = mean_interval(closer, level)["interval"] if len(closer) >= 2 else [0.0, 1.0]
    mia_interval = auc_interval(scores[:size], scores[size:], level)["interval"] if size >= 2 else [0.0, 1.0]

    copies = exact_copies(data.real, data.synthetic)
    copies_reference = exact_copies(data.real.iloc[train_rows], data.synthetic)
    copies_holdout = exact_copies(holdout.iloc[hold_rows], data.synthetic)
    n_syn = len(data.synthetic)
    metrics: dict[str, Any] = {
        "dcr_share_closer_to_train": share,
        "dcr_train": _summary(dcr_train),
        "dcr_holdout": _summary(dcr_hold),
        "dcr_share_interval": share_interval,
        "mia_auc": mia,
        "mia_auc_interval": mia_interval,
        "evidence_level": level,
        "exact_copies": copies,
        "exact_copies_rate": copies / n_syn,
        "exact_copies_train_reference": copies_reference,
        "exact_copies_holdout": copies_holdout,
        "exact_copy_excess_rate": (copies_reference - copies_holdout) / n_syn,
        "reference_rows": int(size),
        "synthetic_rows": len(syn_rows),
    }
    if k == 2:
        metrics["nndr_train"] = _summary(_nndr(d_train))
        metrics["nndr_holdout"] = _summary(_nndr(d_hold))
    artifacts = {"dcr_train": dcr_train, "dcr_holdout": dcr_hold}
    return metrics, artifacts
