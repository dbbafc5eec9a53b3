"""Diversity: precision, recall, density and coverage (Naeem et al., 2020), and duplicates.

With ``r(x)`` the distance from a real row to its k-th nearest other real row and
``s(y)`` the same for a synthetic row among synthetic rows (strictly-closer comparisons,
as in the published definitions):

* precision = share of synthetic rows within ``r(x)`` of some real row ``x``;
* recall    = share of real rows within ``s(y)`` of some synthetic row ``y``;
* density   = (1/k) * mean over synthetic rows of the number of real balls containing it;
* coverage  = share of real rows whose nearest synthetic row lies within ``r(x)``.

Distances are Euclidean in the standardised one-hot space (see ``encoding``).
Everything runs on neighbour indexes with chunked queries (see ``neighbors``): no
N x M distance matrix is ever held.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.neighbors import build_index, kth_neighbor_radius
from synthgenesis.evaluation.preprocess import PreparedData

#: Above this share of zero k-NN radii (many duplicate rows), PRDC cannot judge collapse.
ZERO_RADIUS_LIMIT = 0.2


def compute_prdc(
    real: np.ndarray,
    synthetic: np.ndarray,
    k: int = 5,
    chunk: int = 2048,
    method: str = "auto",
) -> dict[str, Any]:
    """Precision, recall, density and coverage of ``synthetic`` against ``real``.

    Both arrays need more than ``k`` rows. Also returns the shares of zero radii.
    ``method`` picks the neighbour index (see :func:`neighbors.build_index`).
    """
    if len(real) <= k or len(synthetic) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} rows in each table")
    real_index, syn_index = build_index(real, method), build_index(synthetic, method)
    real_radii = kth_neighbor_radius(real_index, real, k, chunk)
    syn_radii = kth_neighbor_radius(syn_index, synthetic, k, chunk)
    syn_in_real, counts = syn_index.within(real, real_radii, chunk)
    real_in_syn, _ = real_index.within(synthetic, syn_radii, chunk)
    return {
        "precision": float(syn_in_real.mean()),
        "recall": float(real_in_syn.mean()),
        "density": float(counts.sum() / (k * len(synthetic))),
        # the nearest synthetic row is inside the ball exactly when the ball holds any
        "coverage": float(np.mean(counts > 0)),
        "zero_radius_share_real": float(np.mean(real_radii == 0.0)),
        "zero_radius_share_synthetic": float(np.mean(syn_radii == 0.0)),
    }


def duplicate_rate(frame: pd.DataFrame) -> float:
    """Share of rows that repeat an earlier row of the same table exactly."""
    hashes = pd.util.hash_pandas_object(frame, index=False)
    return float(hashes.duplicated(keep="first").mean())


def mode_collapse(metrics: dict[str, Any], config: EvaluationConfig) -> dict[str, Any]:
    """Decide mode collapse from PRDC and the duplicate rate, with a reason in words."""
    precision, recall = metrics["precision"], metrics["recall"]
    coverage, dup = metrics["coverage"], metrics["duplicate_rate"]
    real_dup = metrics["real_duplicate_rate"]
    if dup - real_dup >= config.duplicate_rate_fail:
        return {
            "detected": True,
            "reason": f"{dup:.1%} of synthetic rows repeat another synthetic row against "
            f"{real_dup:.1%} in the real data (limit: {config.duplicate_rate_fail:.0%} more)",
        }
    if max(metrics["zero_radius_share_real"], metrics["zero_radius_share_synthetic"]) > (ZERO_RADIUS_LIMIT):
        return {
            "detected": None,
            "reason": f"over {ZERO_RADIUS_LIMIT:.0%} of rows have k or more exact duplicates, "
            "so their neighbourhood radii are zero and PRDC cannot judge collapse",
        }
    limit = config.collapse_ratio * precision
    low = [
        f"{name} {value:.3f}" for name, value in (("recall", recall), ("coverage", coverage)) if value < limit
    ]
    if low:
        return {
            "detected": True,
            "reason": f"{' and '.join(low)} below {config.collapse_ratio:g} x precision "
            f"({precision:.3f}): synthetic rows are realistic but cover only part of the real data",
        }
    return {
        "detected": False,
        "reason": f"recall {recall:.3f} and coverage {coverage:.3f} are at least "
        f"{config.collapse_ratio:g} x precision ({precision:.3f})",
    }


def diversity(
    data: PreparedData,
    real_x: np.ndarray,
    syn_x: np.ndarray,
    config: EvaluationConfig,
) -> dict[str, Any]:
    """Diversity metrics on encoded (and already subsampled) rows."""
    metrics: dict[str, Any] = compute_prdc(real_x, syn_x, k=config.k, chunk=config.neighbor_chunk_rows)
    metrics["k"] = config.k
    metrics["rows"] = [len(real_x), len(syn_x)]
    metrics["duplicate_rate"] = duplicate_rate(data.synthetic)
    metrics["real_duplicate_rate"] = duplicate_rate(data.real)
    metrics["mode_collapse"] = mode_collapse(metrics, config)
    return metrics
